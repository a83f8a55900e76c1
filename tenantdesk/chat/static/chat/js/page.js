// What the chat changes elsewhere on the page it is embedded in (hooks documented in
// chat/panel.html). Colours follow [data-status] in CSS, so only the code changes here.

export function showRequestStatus({ status, label }) {
  for (const badge of document.querySelectorAll("[data-chat-status-badge]")) {
    badge.textContent = label;
    badge.dataset.status = status;
  }
}

export function hideWhenClosed() {
  for (const node of document.querySelectorAll("[data-chat-hide-when-closed]")) node.hidden = true;
}

export function showWhenOpen() {
  for (const node of document.querySelectorAll("[data-chat-hide-when-closed]")) node.hidden = false;
}

// The conversation moved on (a message came or went out): tells the page, whose notices
// about what came before ("Request #N has been created") have had their moment
// (tenantdesk/static/js/notices.js).
export function announceActivity(root) {
  root.dispatchEvent(new CustomEvent("tenantdesk:activity", { bubbles: true }));
}
