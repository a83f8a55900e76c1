// Good news at the top of a page ("Request #4 has been created", "Status changed") says its
// piece and goes: after some seconds, or as soon as the conversation below moves on (the chat
// announces "tenantdesk:activity"). Not while the pointer or the keyboard is on it.
// Warnings and errors (no data-notice-transient) stay until closed.
(() => {
  const SHOW_MS = 10000;
  const RETRY_MS = 2000;
  const notices = [...document.querySelectorAll("[data-notice-transient]")];
  if (!notices.length) return;

  // Fades out (ui.css's .fade) and goes; at once when motion is reduced.
  const dismiss = (notice) => {
    if (!notice.isConnected) return;
    notice.classList.remove("show");
    const fades = notice.classList.contains("fade") && getComputedStyle(notice).transitionDuration !== "0s";
    if (fades) notice.addEventListener("transitionend", () => notice.remove(), { once: true });
    else notice.remove();
  };
  const dismissWhenIdle = (notice) => {
    if (notice.matches(":hover, :focus-within")) setTimeout(() => dismissWhenIdle(notice), RETRY_MS);
    else dismiss(notice);
  };

  for (const notice of notices) setTimeout(() => dismissWhenIdle(notice), SHOW_MS);
  document.addEventListener("tenantdesk:activity", () => notices.forEach(dismiss), { once: true });
})();
