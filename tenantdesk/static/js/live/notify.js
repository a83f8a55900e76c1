// Browser notifications for messages of the other side that arrive while nobody looks.
//
// Permission is asked only when the person clicks the "Enable notifications" control
// (never on load). A notification is shown when this tab is hidden and no other tab of the
// site is visible (those update live; visible tabs hold a shared Web Lock), by exactly one
// tab: each hidden tab tries to add the message's id to an IndexedDB store, and only the
// one whose add succeeds shows it. IndexedDB runs one read-write transaction on a store at
// a time across every tab, so two tabs deciding at the same moment cannot both win (a
// check-then-set in localStorage under a Web Lock could: another renderer process receives
// a localStorage write later than the lock, and under load the second tab read the old
// value). The `tag` (one per request, as the push worker uses) makes a second notification
// for the same request, the worker's included, replace the first instead of piling up.

const OFF_KEY = "td-notifications-off";
const VISIBLE_LOCK = "td-visible-tab";
const SHOWN_DB = "td-notifications";
const SHOWN_STORE = "shown";
const SHOWN_KEEP_MS = 10 * 60 * 1000;
// Where earlier versions kept the shown ids; removed once per page.
const OLD_SHOWN_PREFIX = "td-notified-";

// The store's connection, opened once per page: a promise of the database, or of null
// where IndexedDB is unavailable or refused.
let shownDb = null;

function openShownDb() {
  shownDb ??= new Promise((resolve) => {
    let request;
    try {
      request = indexedDB.open(SHOWN_DB, 1);
    } catch {
      resolve(null);
      return;
    }
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(SHOWN_STORE, { keyPath: "id" });
      store.createIndex("at", "at");
    };
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => {
        // A newer version of this code, in another tab, upgrades the store: let it, and
        // open the new one next time.
        db.close();
        shownDb = null;
      };
      resolve(db);
    };
    request.onerror = () => resolve(null);
  });
  return shownDb;
}

// True when this tab is the one to show the message: its id was not in the store and now
// is. Ids older than SHOWN_KEEP_MS leave the store in the same transaction.
async function claim(messageId) {
  const db = await openShownDb();
  if (!db) return true; // nowhere to agree: the tag keeps it to one per request on screen
  return new Promise((resolve) => {
    let transaction;
    try {
      transaction = db.transaction(SHOWN_STORE, "readwrite");
    } catch {
      resolve(true);
      return;
    }
    const store = transaction.objectStore(SHOWN_STORE);
    const now = Date.now();
    // Fails with a ConstraintError, and aborts the transaction, when another tab added it.
    store.add({ id: messageId, at: now });
    const expired = store.index("at").openCursor(IDBKeyRange.upperBound(now - SHOWN_KEEP_MS));
    expired.onsuccess = () => {
      const cursor = expired.result;
      if (cursor) {
        cursor.delete();
        cursor.continue();
      }
    };
    transaction.oncomplete = () => resolve(true);
    transaction.onabort = () => resolve(transaction.error?.name !== "ConstraintError");
  });
}

function forgetOldShownKeys() {
  for (let i = localStorage.length - 1; i >= 0; i -= 1) {
    const key = localStorage.key(i);
    if (key?.startsWith(OLD_SHOWN_PREFIX)) localStorage.removeItem(key);
  }
}

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

  // A request.message frame from the inbox socket. Once decided, "tenantdesk:notification"
  // is dispatched on the document with { message_id, shown } (the browser tests wait for it).
  async message(frame) {
    let shown = false;
    try {
      shown = await this.#decide(frame);
      if (shown) this.#show(frame);
    } finally {
      document.dispatchEvent(
        new CustomEvent("tenantdesk:notification", { detail: { message_id: frame.message_id, shown } }),
      );
    }
  }

  async #decide(frame) {
    if (!frame.other_side || !this.enabled || document.visibilityState !== "hidden") return false;
    if (navigator.locks) {
      const { held } = await navigator.locks.query();
      if (held.some((lock) => lock.name === VISIBLE_LOCK)) return false; // someone is looking
    }
    if (!this.oldKeysForgotten) {
      this.oldKeysForgotten = true;
      forgetOldShownKeys();
    }
    return claim(frame.message_id);
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
