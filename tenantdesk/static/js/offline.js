// Registers the site's service worker (static/js/service-worker.js, served at
// /live/service-worker.js) for every visitor, so a page that cannot load offline shows the
// offline page instead of the browser's error. Web Push registers the same worker.
if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/live/service-worker.js", { scope: "/" }).catch(() => {});
  });
}
