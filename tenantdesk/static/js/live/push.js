// Web Push: this browser's subscription, so that a closed tab is notified too (the
// service worker, /live/service-worker.js, shows what the server pushes). Offered only
// when the server has VAPID keys and the browser can do it; it never asks for permission
// itself (the notification control does, on a click).

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function send(url, method, body) {
  return fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
}

export class Push {
  constructor(config) {
    this.config = config;
    this.available =
      Boolean(config.vapidPublicKey) && "serviceWorker" in navigator && "PushManager" in window && window.isSecureContext;
  }

  async #registration() {
    return navigator.serviceWorker.register(this.config.serviceWorkerUrl, { scope: "/" });
  }

  // Subscribes (permission is already granted) and tells the server; safe to repeat.
  async start() {
    if (!this.available) return;
    const registration = await this.#registration();
    await navigator.serviceWorker.ready;
    const subscription =
      (await registration.pushManager.getSubscription()) ||
      (await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(this.config.vapidPublicKey),
      }));
    await send(this.config.pushUrl, "POST", subscription.toJSON());
  }

  async stop() {
    if (!this.available) return;
    const registration = await navigator.serviceWorker.getRegistration("/");
    const subscription = await registration?.pushManager.getSubscription();
    if (!subscription) return;
    await send(this.config.pushUrl, "DELETE", { endpoint: subscription.endpoint }).catch(() => {});
    await subscription.unsubscribe();
  }
}

const SIGN_OUT_WAIT_MS = 2000;

// Signing out ends this browser's pushes too (the next person here must not get them):
// the subscription is dropped, at most SIGN_OUT_WAIT_MS, before the form goes.
export function stopPushOnSignOut(push, logoutUrl, forget) {
  if (!push.available) return;
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.getAttribute("action") !== logoutUrl || form.dataset.pushStopped) return;
    event.preventDefault();
    form.dataset.pushStopped = "1";
    forget();
    const timeout = new Promise((resolve) => setTimeout(resolve, SIGN_OUT_WAIT_MS));
    Promise.race([push.stop().catch(() => {}), timeout]).then(() => form.submit());
  });
}
