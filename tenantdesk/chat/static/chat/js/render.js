// Building message elements. Everything a person typed goes in through textContent only.

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// Times are shown in the site's time zone (settings.TIME_ZONE), like every date the server
// renders on the same page, not in whatever zone the browser's machine is set to.
export function formatTime(iso, language, timeZone) {
  if (!iso) return "";
  const date = new Date(iso);
  const day = new Intl.DateTimeFormat("en-CA", { timeZone, dateStyle: "short" });
  const sameDay = day.format(date) === day.format(new Date());
  const options = sameDay
    ? { hour: "2-digit", minute: "2-digit", timeZone }
    : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone };
  return new Intl.DateTimeFormat(language, options).format(date);
}

function attachmentElement(attachment, strings) {
  const wrap = el("div", "chat-attachment");
  wrap.dataset.kind = attachment.kind;
  if (attachment.kind === "video") {
    const video = document.createElement("video");
    video.controls = true;
    video.preload = "metadata";
    video.src = attachment.url;
    video.className = "chat-video";
    video.setAttribute("aria-label", strings.video);
    wrap.append(video);
  } else {
    const link = document.createElement("a");
    link.href = attachment.url;
    link.target = "_blank";
    link.rel = "noopener";
    const img = document.createElement("img");
    img.src = attachment.thumbnail_url || attachment.url;
    img.alt = strings.photo;
    img.loading = "lazy";
    img.className = "chat-photo";
    link.append(img);
    wrap.append(link);
  }
  return wrap;
}

export function setStatusMark(node, status, strings) {
  const mark = node.querySelector(".chat-status");
  if (!mark) return;
  mark.dataset.status = status;
  const symbol = { sending: "🕓", sent: "✓", delivered: "✓✓", failed: "!" }[status] || "";
  mark.textContent = `${symbol} ${strings[status] || status}`;
}

// A stored message (from the server) or a pending one ({pending: true, text, client_id}).
export function messageElement(message, { strings, language, timeZone }) {
  const item = el("li", "chat-message");
  const system = message.kind === "system";
  item.classList.add(system ? "is-system" : message.mine ? "is-mine" : "is-theirs");
  if (message.id) item.dataset.messageId = String(message.id);
  if (message.client_id) item.dataset.clientId = message.client_id;

  const bubble = el("div", "chat-bubble");
  const meta = el("div", "chat-meta");
  const author = el("span", "chat-author", message.mine ? strings.you : message.author_label);
  meta.append(author);
  const time = el("time", "chat-time", formatTime(message.created_at, language, timeZone));
  if (message.created_at) time.dateTime = message.created_at;
  meta.append(time);
  bubble.append(meta);

  if (message.text) bubble.append(el("div", "chat-text", message.text));
  if (message.attachments && message.attachments.length) {
    const list = el("div", "chat-attachments");
    for (const attachment of message.attachments) list.append(attachmentElement(attachment, strings));
    bubble.append(list);
  }
  if (message.mine && !system) {
    bubble.append(el("div", "chat-status"));
    item.append(bubble);
    setStatusMark(item, message.pending ? "sending" : message.status, strings);
  } else {
    item.append(bubble);
  }
  return item;
}
