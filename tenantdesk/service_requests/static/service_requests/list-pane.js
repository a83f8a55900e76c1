// The list pane beside an open chat on a wide screen (issue 23).
//
// On a list page: remember the list's URL (its filters, tab and page) for this tab's
// session. On a request's page with <aside data-list-pane hidden>: from 1200 px up, fetch
// that list as a fragment (the same URL with pane=1: the list view's own access and
// selectors) into the aside, mark the open request's row (aria-current), and bring the
// pane back to where it was scrolled. The pane's rows stay live like the list's
// (static/js/live/refresh.js fetches data-pane-url again and dispatches
// tenantdesk:list-updated).

const URL_KEY = "td-list-url";
const SCROLL_KEY = "td-list-pane-scroll";
const WIDE = window.matchMedia("(min-width: 1200px)");

function listPath() {
  try {
    return JSON.parse(document.getElementById("live-config")?.textContent || "{}").listUrl || "/request/list";
  } catch {
    return "/request/list";
  }
}

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage turned off: the pane shows the default list
  }
}

const pane = document.querySelector("aside[data-list-pane]");

if (!pane) {
  // A list page: remember it (without a pane parameter, whatever the address said).
  if (document.getElementById("request-list-rows")) {
    const here = new URL(window.location.href);
    here.searchParams.delete("pane");
    storage()?.setItem(URL_KEY, here.pathname + here.search);
  }
} else {
  setUpPane(pane);
}

function paneUrl() {
  const path = listPath();
  let url = new URL(path, window.location.origin);
  const stored = storage()?.getItem(URL_KEY);
  if (stored) {
    const candidate = new URL(stored, window.location.origin);
    // Only our own list's address; anything else stored there is ignored.
    if (candidate.origin === window.location.origin && candidate.pathname === path) url = candidate;
  }
  url.searchParams.set("pane", "1");
  return url.pathname + url.search;
}

function currentId(aside) {
  return aside.dataset.requestId || (window.location.pathname.match(/\/request\/(\d+)\/?$/) || [])[1] || "";
}

function markCurrent(aside) {
  const id = currentId(aside);
  for (const link of aside.querySelectorAll("[data-request-id] > a")) {
    if (link.closest("[data-request-id]").dataset.requestId === id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function setUpPane(aside) {
  let filled = false;
  let loading = false;

  async function fill() {
    if (filled || loading) return;
    loading = true;
    const url = paneUrl();
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" }, cache: "no-store", credentials: "same-origin" });
      // Signed out meanwhile (the sign-in page) or an error: no pane.
      if (!response.ok || response.redirected) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const fragment = fresh.querySelector("[data-list-pane-fragment]");
      if (!fragment) return;
      aside.dataset.paneUrl = url;
      aside.replaceChildren(document.adoptNode(fragment));
      if (!aside.getAttribute("aria-label")) aside.setAttribute("aria-label", fragment.querySelector("h2")?.textContent || "");
      markCurrent(aside);
      filled = true;
      show();
      const top = Number(storage()?.getItem(SCROLL_KEY));
      if (Number.isFinite(top) && top > 0) aside.scrollTop = top;
      const current = aside.querySelector("a[aria-current]");
      if (current) {
        const box = current.getBoundingClientRect();
        const frame = aside.getBoundingClientRect();
        if (box.top < frame.top || box.bottom > frame.bottom) current.scrollIntoView({ block: "nearest" });
      }
    } catch {
      // Offline: the chat works without its pane.
    } finally {
      loading = false;
    }
  }

  function show() {
    aside.hidden = !(WIDE.matches && filled);
  }

  let pending = false;
  aside.addEventListener(
    "scroll",
    () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        storage()?.setItem(SCROLL_KEY, String(Math.round(aside.scrollTop)));
      });
    },
    { passive: true },
  );
  document.addEventListener("tenantdesk:list-updated", () => markCurrent(aside));
  WIDE.addEventListener("change", () => {
    if (WIDE.matches) fill();
    show();
  });
  if (WIDE.matches) fill();
}
