// The request page's closure loop (templates: _status_actions.html, _closure.html).
//
// 1. Closing asks first: a form marked data-confirm-dialog="<id>" opens that <dialog>
//    instead of posting; its "confirm" button posts the form, Cancel or Escape keep the
//    request open. The native dialog keeps focus inside and returns it to the button.
//    Without this script the form simply posts (progressive enhancement).
// 2. When the chat shows the request closed or reopened by someone else (it updates
//    [data-chat-status-badge]), a notice offers a reload: what this page offers (the
//    composer, the rating, reopening) follows the status it was rendered with.
(function () {
  "use strict";

  function confirmBeforeSubmit(form) {
    const dialog = document.getElementById(form.dataset.confirmDialog);
    if (!dialog || typeof dialog.showModal !== "function") return;
    let confirmed = false;
    form.addEventListener("submit", (event) => {
      if (confirmed) return;
      event.preventDefault();
      dialog.returnValue = "";
      dialog.showModal();
    });
    dialog.addEventListener("close", () => {
      if (dialog.returnValue !== "confirm") return;
      confirmed = true;
      form.requestSubmit();
    });
  }

  function offerReloadOnStatusChange() {
    const header = document.getElementById("request-header");
    const notice = document.querySelector("[data-status-change-notice]");
    const badge = header && header.querySelector("[data-chat-status-badge]");
    if (!notice || !badge) return;
    const renderedClosed = header.dataset.status === "closed";
    new MutationObserver(() => {
      const closedNow = badge.dataset.status === "closed";
      if (closedNow === renderedClosed) return;
      notice.querySelector("[data-status-change-text]").textContent = closedNow
        ? notice.dataset.closedText
        : notice.dataset.reopenedText;
      notice.hidden = false;
    }).observe(badge, { attributes: true, attributeFilter: ["data-status"] });
  }

  for (const form of document.querySelectorAll("form[data-confirm-dialog]")) {
    confirmBeforeSubmit(form);
  }
  offerReloadOnStatusChange();
})();
