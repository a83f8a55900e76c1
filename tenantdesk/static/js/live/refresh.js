// Bringing the page's unread state and list in step with the server after an event (or a
// reconnect): the badge and tab title from a small JSON count, the list by fetching the
// page's own URL again (same filters, same page) and swapping its rows.
//
// Events come in bursts (a conversation, a manager closing several requests), so fetches
// are debounced, never overlap, and the list is fetched at most every 2 seconds per tab; a
// hidden tab keeps its title and badge current but leaves the list until someone looks.

const DEBOUNCE_MS = 250;
const LIST_MIN_INTERVAL_MS = 2000;
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

// One kind of fetch: debounced, never two at once, and at least `minInterval` apart (what
// was asked meanwhile runs once, afterwards).
class Job {
  constructor(work, minInterval) {
    this.work = work;
    this.minInterval = minInterval;
    this.timer = null;
    this.running = false;
    this.again = false;
    this.lastAt = -Infinity;
  }

  request(delay) {
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = Math.max(delay, this.lastAt + this.minInterval - performance.now());
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#run(), wait);
  }

  async #run() {
    this.running = true;
    this.lastAt = performance.now();
    try {
      await this.work();
    } catch {
      // Offline or a server error: the next event or reconnect asks again.
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.request(DEBOUNCE_MS);
      }
    }
  }
}

export class Refresher {
  constructor(config) {
    this.config = config;
    this.listStale = false;
    this.totalJob = new Job(() => this.#total(), 0);
    // The list is a whole page render on the server (tens of ms); the count is one query.
    this.listJob = new Job(() => this.#list(), LIST_MIN_INTERVAL_MS);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.listStale) this.request({ list: true });
    });
  }

  get onListPage() {
    return Boolean(document.getElementById("request-list-rows")) || window.location.pathname === this.config.listUrl;
  }

  // Ask for a refresh of the list and/or the total; `delay` lets a read elsewhere land first.
  request({ list = false, total = false, delay = DEBOUNCE_MS } = {}) {
    if (total) this.totalJob.request(delay);
    if (list && this.onListPage) {
      // A hidden tab's list waits until someone looks (its title and badge do not).
      if (document.visibilityState === "hidden") this.listStale = true;
      else this.listJob.request(delay);
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
    this.listStale = false;
    // The list pane beside an open chat (service_requests/list-pane.js) is refreshed from
    // its own address, not the page's.
    const pane = document.getElementById("request-list-rows")?.closest("[data-list-pane]");
    if (pane) {
      await this.#pane(pane);
      return;
    }
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
    // A redirect means the session ended (the sign-in page): the socket says so too.
    if (!response.ok || response.redirected) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const rows = fresh.getElementById("request-list-rows");
    const current = document.getElementById("request-list-rows");
    const hasRows = (body) => Boolean(body?.querySelector("[data-request-id]"));
    // The rows are swapped alone while the list keeps its shape (some rows before and
    // after); its first request or its last one changes the page around it too.
    if (rows && current && hasRows(rows) === hasRows(current)) {
      // What the page says about the rows (counts, tabs) is marked data-live-part. Only
      // what changed is swapped: the catch-up after the socket opens usually finds the page
      // as it was rendered, and a tab or row replaced under a pointer loses its click.
      let changed = false;
      for (const part of fresh.querySelectorAll("[data-live-part][id]")) {
        const old = document.getElementById(part.id);
        if (old && old.outerHTML !== part.outerHTML) {
          old.replaceWith(document.adoptNode(part));
          changed = true;
        }
      }
      if (current.outerHTML !== rows.outerHTML) {
        // Keyboard focus on a row's link stays on that request's link wherever it moved.
        const focused = current.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
        current.replaceWith(document.adoptNode(rows));
        if (focused) rows.querySelector(`a[href="${CSS.escape(focused)}"]`)?.focus();
        changed = true;
      }
      if (changed) listUpdated();
      return;
    }
    // Still empty: nothing to swap. Otherwise the list became empty, or its first request
    // came: the page's content changes shape. Not while someone is typing in it (the
    // filters); once they leave the field.
    if (!hasRows(rows) && !hasRows(current)) return;
    const main = document.getElementById("content");
    const freshMain = fresh.getElementById("content");
    if (!main || !freshMain) return;
    const active = document.activeElement;
    if (active && main.contains(active) && active.matches(FORM_FIELDS)) {
      active.addEventListener("blur", () => this.request({ list: true }), { once: true });
      return;
    }
    // A copy first: adopting a node takes it out of the live childNodes list.
    const nodes = Array.from(freshMain.childNodes);
    main.replaceChildren(...nodes.map((node) => document.adoptNode(node)));
    listUpdated();
  }

  // The pane holds a fragment (/request/list?…&pane=1) and no form: swapped whole, at the
  // same scroll position, keyboard focus kept on the same request's link.
  async #pane(pane) {
    const url = pane.dataset.paneUrl;
    if (!url) return;
    const response = await fetch(url, { headers: { Accept: "text/html" }, cache: "no-store" });
    if (!response.ok || response.redirected) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const fragment = fresh.querySelector("[data-list-pane-fragment]");
    if (!fragment) return;
    const focused = pane.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
    const top = pane.scrollTop;
    pane.replaceChildren(document.adoptNode(fragment));
    pane.scrollTop = top;
    if (focused) pane.querySelector(`a[href="${CSS.escape(focused)}"]`)?.focus();
    listUpdated();
  }
}

// Scripts that decorate the rows (the pane's current request) do it again.
function listUpdated() {
  document.dispatchEvent(new CustomEvent("tenantdesk:list-updated"));
}
