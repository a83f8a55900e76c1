// Building the conversation's elements. Everything a person typed goes in through
// textContent only. Dates are the server's (time_label, day_label): the page never formats
// one itself, so the chat writes them exactly like the server's pages.

import { dayTitle } from "./grouping.js";

// Thumbnails are shown at most this size (CSS px), in their photo's shape.
const PHOTO_BOX = 200;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// The size a photo's thumbnail will take, known before it loads (the attachment carries the
// photo's width and height; its thumbnail has the same shape), so nothing below it moves.
function photoSize({ width, height }) {
  if (!width || !height) return null;
  const scale = Math.min(1, PHOTO_BOX / width, PHOTO_BOX / height);
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

function attachmentElement(attachment, strings) {
  const wrap = el("div", "chat-attachment");
  wrap.dataset.kind = attachment.kind;
  if (attachment.kind === "video") {
    const video = el("video", "chat-video");
    video.controls = true;
    video.preload = "metadata";
    video.src = attachment.url;
    video.setAttribute("aria-label", strings.video);
    wrap.append(video);
    return wrap;
  }
  const link = el("a");
  link.href = attachment.url;
  link.target = "_blank";
  link.rel = "noopener";
  const img = el("img", "chat-photo");
  img.src = attachment.thumbnail_url || attachment.url;
  img.alt = strings.photo;
  img.loading = "lazy";
  const size = photoSize(attachment);
  if (size) {
    img.width = size.width;
    img.height = size.height;
  }
  link.append(img);
  wrap.append(link);
  return wrap;
}

// The sender's mark: an icon drawn by CSS from [data-status] (no emoji font needed) and words.
export function setStatusMark(node, status, strings) {
  const mark = node.querySelector(".chat-status");
  if (!mark) return;
  mark.dataset.status = status;
  const icon = el("span", "chat-status-icon");
  icon.setAttribute("aria-hidden", "true");
  mark.replaceChildren(icon, strings[status] || status);
}

function bubble(message, strings) {
  const system = message.kind === "system";
  const item = el("li", `chat-message ${system ? "is-system" : message.mine ? "is-mine" : "is-theirs"}`);
  if (!system && message.by_manager) item.classList.add("is-by-manager");
  if (message.internal) item.classList.add("is-note");
  if (!system) {
    const avatar = el("span", "chat-avatar", message.author_initials || "");
    avatar.setAttribute("aria-hidden", "true");
    item.append(avatar);
  }
  const box = el("div", "chat-bubble");
  const meta = el("div", "chat-meta");
  // A manager's internal note: only managers are ever sent one; the label says so.
  if (message.internal) meta.append(el("span", "chat-note-label", strings.internalNote));
  meta.append(el("span", "chat-author", message.mine ? strings.you : message.author_label));
  const time = el("time", "chat-time", message.time_label || "");
  if (message.created_at) time.dateTime = message.created_at;
  meta.append(time);
  box.append(meta);
  if (message.text) box.append(el("div", "chat-text", message.text));
  if (message.attachments && message.attachments.length) {
    const list = el("div", "chat-attachments");
    for (const attachment of message.attachments) list.append(attachmentElement(attachment, strings));
    box.append(list);
  }
  // A note has no delivered/read: no customer ever receives it.
  if (message.mine && !system && !message.internal) box.append(el("div", "chat-status"));
  item.append(box);
  return item;
}

// A stored message, as the server sent it.
export function messageElement(message, strings) {
  const item = bubble(message, strings);
  item.dataset.messageId = String(message.id);
  if (message.client_id) item.dataset.clientId = message.client_id;
  setStatusMark(item, message.status, strings);
  return item;
}

// A message still in the outbox: no id and no time yet.
export function pendingElement(entry, strings) {
  const item = bubble(pendingMessage(entry), strings);
  item.dataset.clientId = entry.client_id;
  setStatusMark(item, "sending", strings);
  return item;
}

// An outbox entry as a message of the reader's (for the bubble and the grouping).
export function pendingMessage(entry) {
  return { mine: true, kind: "user", text: entry.text, internal: entry.internal, attachments: [] };
}

// The heading over a day's messages: "Today", "Yesterday" or the server's date.
export function dayElement(message, days) {
  const item = el("li", "chat-day");
  item.dataset.day = message.day;
  item.append(el("h3", "chat-day-label", dayTitle(message, days)));
  return item;
}

// "New messages": above the first of the other side's messages that was unread when the
// page opened. A heading, so it can be jumped to like the days.
export function unreadDividerElement(strings) {
  const item = el("li", "chat-unread-divider");
  item.dataset.chatUnreadDivider = "";
  item.append(el("h3", "chat-unread-label", strings.newMessages));
  return item;
}
