// Bringing the page's unread state and list in step with the server after an event (or a
// reconnect): the badge and tab title from a small JSON count, the list by fetching the
// page's own URL again (same filters, same page) and swapping its rows.
//
// Events come in bursts (a conversation, a manager closing several requests), so fetches
// are debounced and never overlap; a hidden tab keeps its title and badge current but
// leaves the list until someone looks at it.

const DEBOUNCE_MS = 250;
const FORM_FIELDS = "input, select, textarea";

export function showTotal(total) {
  const badge = document.getElementById("nav-unread");
  if (badge) {
    badge.textContent = String(total);
    badge.dataset.unreadTotal = String(total);
    badge.hidden = total === 0;
  }
  const meta = document.querySelector('meta[name="td-base-title"]');
  const base = meta ? meta.content : document.title.replace(/^\(\d+\) /, "");
  document.title = total > 0 ? `(${total}) ${base}` : base;
}

export class Refresher {
  constructor(config) {
    this.config = config;
    this.want = { list: false, total: false };
    this.timer = null;
    this.running = null;
    this.listStale = false;
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.listStale) this.request({ list: true });
    });
  }

  get onListPage() {
    return Boolean(document.getElementById("request-list-rows")) || window.location.pathname === this.config.listUrl;
  }

  // Ask for a refresh of the list and/or the total; `delay` lets a read elsewhere land first.
  request({ list = false, total = false, delay = DEBOUNCE_MS } = {}) {
    this.want.list ||= list && this.onListPage;
    this.want.total ||= total;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#run(), delay);
  }

  async #run() {
    if (this.running) {
      await this.running; // one at a time; what was asked meanwhile runs next
      return this.#run();
    }
    const want = this.want;
    this.want = { list: false, total: false };
    if (!want.list && !want.total) return;
    this.running = Promise.allSettled([
      want.total ? this.#total() : null,
      want.list ? this.#list() : null,
    ]);
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  async #total() {
    const response = await fetch(this.config.unreadUrl, {
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (!response.ok) return;
    const { total } = await response.json();
    if (Number.isInteger(total)) showTotal(total);
  }

  async #list() {
    if (document.visibilityState === "hidden") {
      this.listStale = true;
      return;
    }
    this.listStale = false;
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
    // A redirect means the session ended (the sign-in page): the socket says so too.
    if (!response.ok || response.redirected) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const rows = fresh.getElementById("request-list-rows");
    const current = document.getElementById("request-list-rows");
    if (rows && current) {
      current.replaceWith(document.adoptNode(rows));
      return;
    }
    // The list became empty, or its first request came: the page's content changes shape.
    // Not while someone is typing in it (the filters); once they leave the field.
    const main = document.getElementById("content");
    const freshMain = fresh.getElementById("content");
    if (!main || !freshMain) return;
    const active = document.activeElement;
    if (active && main.contains(active) && active.matches(FORM_FIELDS)) {
      active.addEventListener("blur", () => this.request({ list: true }), { once: true });
      return;
    }
    main.replaceChildren(...Array.from(freshMain.childNodes, (node) => document.adoptNode(node)));
  }
}
