// Browser notifications for messages of the other side that arrive while nobody looks.
//
// Permission is asked only when the person clicks the "Enable notifications" control
// (never on load). A notification is shown when this tab is hidden and no other tab of the
// site is visible (those update live), by exactly one tab: visible tabs hold a shared Web
// Lock, and the tabs that want to notify take turns on another lock and mark the message
// as shown in localStorage. The `tag` (one per request, as the push worker uses) makes a
// second notification for the same request replace the first instead of piling up.

const OFF_KEY = "td-notifications-off";
const SHOWN_PREFIX = "td-notified-";
const SHOWN_KEEP_MS = 10 * 60 * 1000;
const VISIBLE_LOCK = "td-visible-tab";
const NOTIFY_LOCK = "td-notify";

export const supported = () => "Notification" in window;

export class Notifier {
  constructor(config, control, { onEnabled, onDisabled }) {
    this.strings = config.strings;
    this.control = control;
    this.onEnabled = onEnabled;
    this.onDisabled = onDisabled;
    this.#trackVisibility();
    if (!supported() || !control) return;
    control.hidden = false;
    control.addEventListener("click", () => this.#clicked());
    this.render();
    // Changed in the browser's site settings while the page is open.
    navigator.permissions
      ?.query({ name: "notifications" })
      .then((status) => status.addEventListener("change", () => this.render()))
      .catch(() => {});
    window.addEventListener("storage", (event) => event.key === OFF_KEY && this.render());
  }

  get enabled() {
    return supported() && Notification.permission === "granted" && localStorage.getItem(OFF_KEY) !== "1";
  }

  render() {
    if (!this.control) return;
    const permission = Notification.permission;
    const state = permission === "denied" ? "blocked" : this.enabled ? "on" : "off";
    const label = this.control.querySelector("[data-notify-label]") || this.control;
    label.textContent = { blocked: this.strings.blocked, on: this.strings.on, off: this.strings.enable }[state];
    this.control.dataset.state = state;
    // Filled while on, outlined otherwise: the state shows without reading the label.
    this.control.classList.toggle("btn-light", state === "on");
    this.control.classList.toggle("btn-outline-light", state !== "on");
    this.control.disabled = state === "blocked";
    // Not a toggle button (aria-pressed): its label says the state, which a toggle's must
    // not change; what a click does next is its description.
    this.control.title = state === "blocked" ? this.strings.blockedHelp : state === "on" ? this.strings.turnOff : "";
  }

  async #clicked() {
    if (this.enabled) {
      localStorage.setItem(OFF_KEY, "1");
      this.render();
      this.onDisabled();
      return;
    }
    const permission = await Notification.requestPermission();
    if (permission === "granted") {
      localStorage.removeItem(OFF_KEY);
      this.onEnabled();
    }
    this.render();
  }

  // A request.message frame from the inbox socket.
  async message(frame) {
    if (!frame.other_side || !this.enabled || document.visibilityState !== "hidden") return;
    if (!navigator.locks) return this.#show(frame);
    const { held } = await navigator.locks.query();
    if (held.some((lock) => lock.name === VISIBLE_LOCK)) return; // someone is looking
    await navigator.locks.request(NOTIFY_LOCK, async () => {
      const key = SHOWN_PREFIX + frame.message_id;
      if (localStorage.getItem(key)) return; // another tab showed it
      localStorage.setItem(key, String(Date.now()));
      this.#forgetOld();
      this.#show(frame);
    });
  }

  #show(frame) {
    const notification = new Notification(`#${frame.service_request_id} ${frame.title}`, {
      body: frame.preview || this.strings.attachment,
      tag: `td-request-${frame.service_request_id}`,
    });
    notification.addEventListener("click", () => {
      window.focus();
      const path = `/request/${frame.service_request_id}`;
      if (window.location.pathname !== path) window.location.assign(path);
      notification.close();
    });
  }

  #forgetOld() {
    const now = Date.now();
    for (let i = localStorage.length - 1; i >= 0; i -= 1) {
      const key = localStorage.key(i);
      if (key?.startsWith(SHOWN_PREFIX) && now - Number(localStorage.getItem(key)) > SHOWN_KEEP_MS) {
        localStorage.removeItem(key);
      }
    }
  }

  // While this tab is visible it holds a shared lock that tells hidden tabs not to notify.
  #trackVisibility() {
    if (!navigator.locks) return;
    let holding = false;
    let release = null;
    const hold = () =>
      new Promise((resolve) => {
        if (holding) release = resolve;
        else resolve(); // hidden again before the lock was granted
      });
    const update = () => {
      const visible = document.visibilityState === "visible";
      if (visible && !holding) {
        holding = true;
        navigator.locks.request(VISIBLE_LOCK, { mode: "shared" }, hold);
      } else if (!visible && holding) {
        holding = false;
        release?.();
        release = null;
      }
    };
    document.addEventListener("visibilitychange", update);
    update();
  }
}
