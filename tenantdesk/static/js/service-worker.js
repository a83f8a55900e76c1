// Tenant Desk's service worker: shows Web Push notifications (tenantdesk/notifications/
// push.py sends them) and opens the request on a click; and when a page cannot be fetched
// (offline), shows the offline page (/offline) instead of the browser's error. It caches
// nothing else: every other request goes to the network untouched.

const OFFLINE_CACHE = "td-offline-v1";
const OFFLINE_URL = "/offline";

// Keeps the offline page and the stylesheets it names (marked ?td-offline, so they are
// told apart from the pages' own requests, which this worker never answers).
async function keepOfflinePage() {
  const cache = await caches.open(OFFLINE_CACHE);
  const response = await fetch(OFFLINE_URL, { credentials: "omit", cache: "no-store" });
  if (!response.ok) return;
  const html = await response.clone().text();
  const assets = [...html.matchAll(/href="([^"]*\?td-offline)"/g)].map((match) => match[1]);
  await cache.addAll(assets);
  await cache.put(OFFLINE_URL, response);
}

self.addEventListener("install", (event) => {
  // A failure here (the server briefly away) must not stop the worker: push needs it.
  event.waitUntil(keepOfflinePage().catch(() => {}).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("td-offline-") && name !== OFFLINE_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(OFFLINE_URL)) || Response.error()),
    );
  } else if (new URL(request.url).search === "?td-offline") {
    event.respondWith(caches.match(request).then((kept) => kept || fetch(request)));
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      // A visible page of the site shows the message live; no notification over it.
      if (windows.some((client) => client.visibilityState === "visible")) return;
      await self.registration.showNotification(data.title || "Tenant Desk", {
        body: data.body || "",
        tag: data.tag,
        data: { url: data.url || "/" },
      });
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => client.url === url);
      if (open) return open.focus();
      return self.clients.openWindow(url);
    })(),
  );
});
