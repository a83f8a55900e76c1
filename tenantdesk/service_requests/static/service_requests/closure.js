// Closing asks first (templates: _status_actions.html): a form marked
// data-confirm-dialog="<id>" opens that <dialog> instead of posting; its "confirm" button
// posts the form, Cancel or Escape keep the request open. The native dialog keeps focus
// inside and returns it to the button. Without this script the form simply posts
// (progressive enhancement). Delegated from the document: the header is swapped in live
// (request-page.js), and the new forms need no binding of their own.
//
// Runs before request-page.js (script order), whose submit handler leaves alone a submit
// this one stopped (event.defaultPrevented).
(function () {
  "use strict";

  const confirmed = new WeakSet();

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirmDialog) return;
    if (confirmed.has(form)) {
      confirmed.delete(form);
      return;
    }
    const dialog = document.getElementById(form.dataset.confirmDialog);
    if (!dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    // Focus goes back here when the dialog closes (the menu item may be folded away).
    const opener = document.activeElement;
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      () => {
        if (dialog.returnValue === "confirm") {
          confirmed.add(form);
          form.requestSubmit();
        }
        if (opener && opener.isConnected && opener.offsetParent !== null) opener.focus();
        else form.closest("details")?.querySelector("summary")?.focus();
      },
      { once: true },
    );
    dialog.showModal();
  });
})();
