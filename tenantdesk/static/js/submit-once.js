// A form marked data-submit-once sends once: its submit buttons are disabled while it is on
// its way (a slow photo upload invites a second click), and say so (data-busy-text).
// The server refuses a duplicate anyway (the form's submission key); this spares the wait.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-submit-once]") || event.defaultPrevented) return;
  form.setAttribute("aria-busy", "true");
  for (const button of form.querySelectorAll("button[type=submit]")) {
    button.dataset.idleText = button.textContent;
    if (button.dataset.busyText) button.textContent = button.dataset.busyText;
    // Disabled during the submit event, the form is still sent (without this button, which
    // has no name), and a second click finds nothing to press.
    button.disabled = true;
  }
});

// Back to the page from the browser's cache (the back button): the form can be sent again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll("form[data-submit-once][aria-busy]")) {
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("button[type=submit]")) {
      button.disabled = false;
      if (button.dataset.idleText) button.textContent = button.dataset.idleText;
    }
  }
});
