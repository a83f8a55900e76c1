// The request's page around its chat (issue 23; templates detail.html, _request_header.html,
// _details_panel.html):
// 1. Live: the chat's socket frames reach the page as "tenantdesk:chat" events
//    (chat/js/socket.js). One that changes the request (a status step, an assignment,
//    a priority, a place, an incident, a rating, a reopening) makes the page fetch its
//    header and details as the server renders them for this viewer now
//    (/request/<id>/panels) and swap them in: debounced, one fetch at a time, with the
//    open menus, open <details>, typed text and focus kept.
// 2. The header's menus (<details data-menu>): menu keys (arrows, Home, End, Escape,
//    Tab), one open at a time, a click outside folds them, and a choice is posted in the
//    background (the same form; JSON answer), then the panels are fetched at once.
//    Without this script each menu is a disclosure of plain POST forms.
// 3. The details sheet below 1200 px: "Details" moves the details into a modal <dialog>
//    and back when it closes; focus returns to the button that opened it.
(function () {
  "use strict";

  const root = document.querySelector("[data-request-page]");
  if (!root) return;
  root.dataset.enhanced = "";
  const WIDE = window.matchMedia("(min-width: 1200px)");
  const DEBOUNCE_MS = 150;

  // --- 1. live panels --------------------------------------------------------------------

  // The frames' names come from the server (base.html's td-socket-protocol), never typed here.
  const FRAMES = JSON.parse(document.getElementById("td-socket-protocol").textContent).frames;
  const { MESSAGE, SYNC, REQUEST_STATUS, REQUEST_CHANGED } = FRAMES;
  // The system messages' event types that change what the header or details show.
  const CHANGING_EVENTS = new Set([
    "status",
    "assigned",
    "unassigned",
    "priority",
    "located",
    "incident_linked",
    "incident_unlinked",
    "rated",
  ]);

  function changesRequest(frame) {
    if (!frame || typeof frame !== "object") return false;
    if (frame.type === REQUEST_STATUS || frame.type === REQUEST_CHANGED) return true;
    const messages = frame.type === MESSAGE ? [frame.message] : frame.type === SYNC ? frame.messages : [];
    return (messages || []).some(
      (message) => message && message.kind === "system" && message.event && CHANGING_EVENTS.has(message.event.type),
    );
  }

  let timer = null;
  let inFlight = false;
  let again = false;
  let waitingForDialog = false;

  // A confirmation open in a panel (closing's <dialog>) would be swapped away under the
  // person: the swap waits for it to close.
  function confirmationOpen() {
    return document.querySelector("[data-panel] dialog[open]") !== null;
  }

  function scheduleRefresh(delay = DEBOUNCE_MS) {
    clearTimeout(timer);
    timer = setTimeout(refresh, delay);
  }

  async function refresh() {
    if (inFlight) {
      again = true;
      return;
    }
    if (confirmationOpen()) {
      waitingForDialog = true;
      return;
    }
    inFlight = true;
    again = false;
    try {
      const response = await fetch(root.dataset.panelsUrl, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "text/html" },
        redirect: "error", // signed out: the sign-in page is not a panel
      });
      const html = response.ok ? await response.text() : null;
      // Opened while the answer came: fetch again once it closes.
      if (html !== null && confirmationOpen()) waitingForDialog = true;
      else if (html !== null) swapPanels(html);
    } catch {
      // Offline or signed out: the chat says so; the next frame tries again.
    } finally {
      inFlight = false;
      if (again) scheduleRefresh(0);
    }
  }

  function focusKey(element) {
    if (!element || element === document.body) return null;
    if (element.id) return `#${CSS.escape(element.id)}`;
    for (const name of ["data-testid", "data-status-action", "data-priority-choice"]) {
      const value = element.getAttribute(name);
      if (value) return `[${name}="${CSS.escape(value)}"]`;
    }
    return null;
  }

  function swapPanels(html) {
    const fresh = new DOMParser().parseFromString(html, "text/html");
    for (const source of fresh.querySelectorAll("[data-panel-source]")) {
      const target = document.querySelector(`[data-panel="${source.dataset.panelSource}"]`);
      if (target) swapOne(target, source);
    }
    root.dispatchEvent(new CustomEvent("tenantdesk:panels", { bubbles: true }));
  }

  function swapOne(target, source) {
    const active = target.contains(document.activeElement) ? document.activeElement : null;
    const key = focusKey(active);
    const open = [...target.querySelectorAll("details[open][id]")].map((node) => node.id);
    const typed = [...target.querySelectorAll("textarea[id], input[id]:not([type=hidden])")].map((field) => [
      field.id,
      field.type === "radio" || field.type === "checkbox" ? field.checked : field.value,
    ]);
    const scroller = target.closest(".rq-details-scroll, .rq-sheet-body") || target;
    const scrollTop = scroller.scrollTop;

    target.replaceChildren(...[...source.childNodes].map((node) => document.importNode(node, true)));

    for (const id of open) document.getElementById(id)?.setAttribute("open", "");
    for (const [id, value] of typed) {
      const field = document.getElementById(id);
      if (!field || !target.contains(field)) continue;
      if (typeof value === "boolean") field.checked = value;
      else field.value = value;
    }
    scroller.scrollTop = scrollTop;
    if (active) {
      const again = key && target.querySelector(key);
      // The control is gone (a menu choice no longer offered): its menu's button, else the panel.
      const menu = !again && active.closest("details[id]");
      const fallback = menu && document.getElementById(menu.id)?.querySelector("summary");
      (again || fallback || target.querySelector("h1, h2, summary, button, a"))?.focus({ preventScroll: true });
    }
  }

  document.addEventListener("tenantdesk:chat", (event) => {
    if (changesRequest(event.detail)) scheduleRefresh();
  });
  // A confirmation closed while a refresh waited for it.
  document.addEventListener(
    "close",
    (event) => {
      if (waitingForDialog && !confirmationOpen()) {
        waitingForDialog = false;
        scheduleRefresh(0);
      }
    },
    true,
  );

  // --- 2. menus ---------------------------------------------------------------------------

  const menus = () => document.querySelectorAll("details[data-menu]");
  const itemsOf = (menu) => [...menu.querySelectorAll('[role^="menuitem"]:not([disabled])')];

  function closeMenu(menu, { focusButton = false } = {}) {
    if (!menu.open) return;
    menu.open = false;
    if (focusButton) menu.querySelector("summary").focus();
  }

  document.addEventListener(
    "toggle",
    (event) => {
      const menu = event.target;
      if (!(menu instanceof HTMLDetailsElement) || !menu.hasAttribute("data-menu") || !menu.open) return;
      for (const other of menus()) if (other !== menu) closeMenu(other);
      // Open towards the left when it would run off the screen's right edge.
      const list = menu.querySelector(".rq-menu-list");
      list.classList.remove("rq-menu-list--end");
      if (list.getBoundingClientRect().right > document.documentElement.clientWidth - 8) {
        list.classList.add("rq-menu-list--end");
      }
      const items = itemsOf(menu);
      const current = items.find((item) => item.getAttribute("aria-checked") === "true") || items[0];
      current?.focus();
    },
    true,
  );

  document.addEventListener("keydown", (event) => {
    const menu = event.target.closest && event.target.closest("details[data-menu]");
    if (!menu) return;
    const onButton = event.target.tagName === "SUMMARY";
    if (onButton && (event.key === "ArrowDown" || event.key === "ArrowUp") && !menu.open) {
      event.preventDefault();
      menu.open = true; // the toggle handler focuses the current choice
      return;
    }
    if (event.key === "Escape" && menu.open) {
      event.preventDefault();
      closeMenu(menu, { focusButton: true });
      return;
    }
    if (onButton || !menu.open) return;
    if (event.key === "Tab") {
      closeMenu(menu);
      return;
    }
    const items = itemsOf(menu);
    const at = items.indexOf(event.target);
    const next = {
      ArrowDown: items[(at + 1) % items.length],
      ArrowUp: items[(at - 1 + items.length) % items.length],
      Home: items[0],
      End: items[items.length - 1],
    }[event.key];
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });

  document.addEventListener("click", (event) => {
    // A modal confirmation opened from a menu is not "outside" it.
    if (event.target.closest && event.target.closest("dialog[open]")) return;
    for (const menu of menus()) if (menu.open && !menu.contains(event.target)) closeMenu(menu);
  });

  function showMenuError(text) {
    const node = document.querySelector("[data-menu-error]");
    if (!node) return;
    node.textContent = text;
    node.hidden = !text;
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const menu = form.closest && form.closest("details[data-menu]");
    if (event.defaultPrevented || !menu || form.method !== "post") return;
    event.preventDefault();
    const button = event.submitter;
    if (button && button.getAttribute("aria-checked") === "true") {
      closeMenu(menu, { focusButton: true }); // already so: nothing to change
      return;
    }
    const summary = menu.querySelector("summary");
    summary.focus(); // kept on the menu's button (same id after the swap)
    closeMenu(menu);
    showMenuError("");
    try {
      // getAttribute: an input named "action" (the assign forms) shadows form.action.
      const response = await fetch(form.getAttribute("action"), {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        const answer = await response.json().catch(() => null);
        showMenuError((answer && answer.error && answer.error.detail) || root.dataset.errorText || "");
      }
    } catch {
      showMenuError(root.dataset.errorText || "");
    }
    scheduleRefresh(0);
  });

  // --- 3. the details sheet -----------------------------------------------------------------

  const sheet = document.getElementById("request-details-sheet");
  const home = document.querySelector("[data-details-home]");
  const details = document.querySelector('[data-panel="details"]');
  let opener = null;

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-details-open]");
    if (!button || !sheet || WIDE.matches) return;
    opener = focusKey(button);
    sheet.querySelector("[data-details-sheet-body]").append(details);
    sheet.showModal();
    const focusOn = button.dataset.detailsFocus && details.querySelector(button.dataset.detailsFocus);
    if (focusOn) focusOn.focus();
  });
  sheet?.querySelector("[data-details-close]").addEventListener("click", () => sheet.close());
  // A tap on the backdrop (the dialog itself, outside its box) closes it too.
  sheet?.addEventListener("click", (event) => {
    if (event.target === sheet) sheet.close();
  });
  sheet?.addEventListener("close", () => {
    home.append(details);
    const back = opener && document.querySelector(opener);
    (back && back.offsetParent !== null ? back : document.querySelector("[data-details-open]"))?.focus();
  });
  WIDE.addEventListener("change", () => {
    if (WIDE.matches && sheet?.open) sheet.close();
  });
})();
