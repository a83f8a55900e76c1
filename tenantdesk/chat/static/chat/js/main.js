// The chat panel: conversation, live updates, composer, offline queue.
//
// Page hooks (data attributes, documented in chat/panel.html):
//   [data-chat-status-badge]   gets the new status label (text), data-status and, if it has
//                              Bootstrap text-bg-* colours, the status's colour
//   [data-chat-hide-when-closed] is hidden once the request is closed (e.g. status buttons)

import { fetchMessages, postDelivered, postMessage } from "./api.js";
import { messageElement, setStatusMark } from "./render.js";
import { ChatSocket } from "./socket.js";

const POLL_MS = 5000;
const STATUS_BADGE_CLASSES = {
  pending: "text-bg-warning",
  in_progress: "text-bg-primary",
  closed: "text-bg-secondary",
};
const RATE_LIMIT_RETRY_MS = 3000;
// Refusals that say "not now" rather than "not this": the message stays queued.
const RETRY_LATER_CODES = new Set(["rate_limited", "unavailable"]);

function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  // Fallback for plain-HTTP origins where randomUUID is unavailable.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

class Chat {
  constructor(root, config) {
    this.root = root;
    this.config = config;
    this.strings = config.strings;
    this.renderOptions = {
      strings: config.strings,
      language: config.language,
      timeZone: config.timeZone,
    };
    this.list = root.querySelector("[data-chat-messages]");
    this.log = root.querySelector("[data-chat-log]");
    this.empty = root.querySelector("[data-chat-empty]");
    this.earlierButton = root.querySelector("[data-chat-load-earlier]");
    this.indicator = root.querySelector("[data-chat-connection]");
    this.notice = root.querySelector("[data-chat-notice]");
    this.form = root.querySelector("[data-chat-composer]");
    this.textarea = root.querySelector("[data-chat-text]");
    this.fileInput = root.querySelector("[data-chat-files]");
    this.previews = root.querySelector("[data-chat-previews]");
    this.progress = root.querySelector("[data-chat-progress]");
    this.progressBar = root.querySelector("[data-chat-progress] .progress-bar");
    this.sendButton = root.querySelector("[data-chat-send]");
    this.counter = root.querySelector("[data-chat-counter]");
    this.formError = root.querySelector("[data-chat-form-error]");

    this.lastId = 0; // newest stored message this page has
    this.oldestId = null; // oldest one shown, for "load earlier"
    this.outbox = new Map(); // client_id -> {text}: typed, not yet confirmed by the server
    this.files = [];
    this.uploading = false;
    this.closed = Boolean(config.closed);
    this.pendingAcks = new Set();
    this.ackTimer = null;
    this.pollTimer = null;
  }

  start() {
    this.addMessages(this.config.initial.messages);
    this.setEarlier(this.config.initial.has_more);
    this.bindComposer();
    this.earlierButton.addEventListener("click", () => this.loadEarlier());
    if (this.closed) this.applyClosed();
    this.socket = new ChatSocket(this.config.wsPath, {
      onOpen: () => this.onOpen(),
      onFrame: (frame) => this.onFrame(frame),
      onState: (state) => this.setConnection(state),
      onFinalClose: (code) => this.onFinalClose(code),
    });
    this.socket.connect();
    window.addEventListener("online", () => {
      this.socket.retryNow();
      this.flushOutbox();
    });
    this.scrollToEnd();
  }

  // --- conversation --------------------------------------------------------------------

  findById(id) {
    return this.list.querySelector(`[data-message-id="${Number(id)}"]`);
  }

  insertInOrder(node, id) {
    // Stored messages are ordered by id; pending ones (no id yet) stay at the end.
    for (let other = this.list.lastElementChild; other; other = other.previousElementSibling) {
      if (other.dataset.messageId && Number(other.dataset.messageId) < id) {
        other.after(node);
        return;
      }
    }
    this.list.prepend(node);
  }

  addMessage(message) {
    if (this.findById(message.id)) return;
    const nearEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    const node = messageElement(message, this.renderOptions);
    const pending =
      message.client_id &&
      this.list.querySelector(`li[data-client-id="${CSS.escape(message.client_id)}"]:not([data-message-id])`);
    if (pending) pending.remove();
    if (message.client_id) this.outbox.delete(message.client_id);
    this.insertInOrder(node, message.id);
    this.lastId = Math.max(this.lastId, message.id);
    if (this.oldestId === null || message.id < this.oldestId) this.oldestId = message.id;
    if (!message.mine && message.kind === "user" && message.status !== "delivered") {
      this.queueAck(message.id);
    }
    this.empty.hidden = true;
    if (nearEnd || message.mine) this.scrollToEnd();
  }

  addMessages(messages) {
    for (const message of messages) this.addMessage(message);
    this.empty.hidden = this.list.children.length > 0;
  }

  setEarlier(hasMore) {
    this.earlierButton.hidden = !hasMore;
  }

  async loadEarlier() {
    this.earlierButton.disabled = true;
    this.earlierButton.textContent = this.strings.loading;
    try {
      const before = this.oldestId;
      const page = await fetchMessages(this.config.messagesUrl, { before });
      const firstBefore = this.list.firstElementChild;
      const offset = this.log.scrollHeight - this.log.scrollTop;
      for (const message of page.messages) this.addMessage(message);
      // Keep the message the reader was looking at in place.
      if (firstBefore) this.log.scrollTop = this.log.scrollHeight - offset;
      this.setEarlier(page.has_more);
    } catch {
      // Leave the button so the reader can try again.
    } finally {
      this.earlierButton.disabled = false;
      this.earlierButton.textContent = this.strings.loadEarlier;
    }
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  undeliveredOwnIds() {
    const marks = this.list.querySelectorAll("li[data-message-id] .chat-status[data-status=sent]");
    return [...marks].map((mark) => Number(mark.closest("li").dataset.messageId)).slice(-500);
  }

  setReceipt(receipt) {
    const node = this.findById(receipt.id);
    if (node) setStatusMark(node, receipt.status, this.strings);
  }

  queueAck(id) {
    this.pendingAcks.add(id);
    clearTimeout(this.ackTimer);
    this.ackTimer = setTimeout(() => this.sendAcks(), 50);
  }

  async sendAcks() {
    const ids = [...this.pendingAcks];
    if (!ids.length) return;
    this.pendingAcks.clear();
    if (this.socket.send({ type: "message.delivered", ids })) return;
    try {
      await postDelivered(this.config.deliveredUrl, ids);
    } catch {
      for (const id of ids) this.pendingAcks.add(id); // sent again on the next chance
    }
  }

  // --- socket ----------------------------------------------------------------------------

  onOpen() {
    this.stopPolling();
    this.socket.send({ type: "sync", after_id: this.lastId, receipts_for: this.undeliveredOwnIds() });
    this.sendAcks();
    this.flushOutbox();
  }

  onFrame(frame) {
    switch (frame.type) {
      case "message":
        this.addMessage(frame.message);
        break;
      case "sync":
        for (const receipt of frame.receipts || []) this.setReceipt(receipt);
        this.addMessages(frame.messages);
        // Page on from the end of this page, not from lastId: live messages that arrived
        // during the catch-up have raised lastId past messages still to fetch.
        if (frame.has_more && frame.messages.length) {
          const pageEnd = Math.max(...frame.messages.map((message) => message.id));
          this.socket.send({ type: "sync", after_id: pageEnd });
        }
        break;
      case "receipt":
        this.setReceipt(frame);
        break;
      case "request.status":
        this.onStatus(frame);
        break;
      case "error":
        this.onError(frame);
        break;
      default:
        break;
    }
  }

  onError(frame) {
    const pending = frame.client_id && this.outbox.get(frame.client_id);
    if (pending && RETRY_LATER_CODES.has(frame.code)) {
      setTimeout(() => this.flushOutbox(), RATE_LIMIT_RETRY_MS);
      return;
    }
    if (pending) {
      // Refused for good (too long, closed, …): take it back into the composer to edit.
      this.outbox.delete(frame.client_id);
      const node = this.list.querySelector(`li[data-client-id="${CSS.escape(frame.client_id)}"]`);
      if (node && !node.dataset.messageId) node.remove();
      if (!this.textarea.value.trim() && !this.closed) {
        this.textarea.value = pending.text;
        this.updateSendButton();
      }
      this.empty.hidden = this.list.children.length > 0;
    }
    if (frame.code === "closed") {
      this.closed = true;
      this.applyClosed();
    }
    this.showFormError(frame.detail);
  }

  onStatus(frame) {
    for (const badge of document.querySelectorAll("[data-chat-status-badge]")) {
      badge.textContent = frame.status_label;
      badge.dataset.status = frame.status;
      // Keep the request page's badge colours (Bootstrap text-bg-*) in step, if it uses them.
      const colours = Object.values(STATUS_BADGE_CLASSES);
      if (colours.some((name) => badge.classList.contains(name))) {
        badge.classList.remove(...colours);
        badge.classList.add(STATUS_BADGE_CLASSES[frame.status] || "text-bg-secondary");
      }
    }
    if (frame.closed) {
      this.closed = true;
      this.applyClosed();
    }
  }

  onFinalClose(code) {
    this.stopPolling();
    this.setConnection("stopped");
    this.notice.hidden = false;
    this.notice.textContent = code === 4401 ? this.strings.signedOut : this.strings.notFound;
    this.disableComposer();
  }

  setConnection(state) {
    const label = {
      online: this.strings.online,
      connecting: this.strings.connecting,
      offline: this.strings.offline,
      stopped: this.strings.disconnected,
    }[state];
    this.indicator.dataset.state = state;
    this.indicator.querySelector("[data-chat-connection-label]").textContent = label;
    this.root.dataset.connection = state;
    if (state === "offline") this.startPolling();
  }

  // While the socket is down the page keeps working over HTTP.
  startPolling() {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => this.poll(), POLL_MS);
  }

  stopPolling() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  async poll() {
    try {
      // Every page of what was missed, each after the previous page's end.
      let after = this.lastId;
      for (;;) {
        const page = await fetchMessages(this.config.messagesUrl, { after });
        this.addMessages(page.messages);
        if (!page.has_more || !page.messages.length) break;
        after = Math.max(...page.messages.map((message) => message.id));
      }
      this.sendAcks();
      this.flushOutbox();
    } catch {
      // Still offline; the next tick tries again.
    }
  }

  // --- sending ---------------------------------------------------------------------------

  // Sends every queued text message once: over the socket when it is open, else over HTTP.
  // A message that reaches the server twice is stored once (its client_id).
  async flushOutbox() {
    for (const [clientId, item] of this.outbox) {
      if (item.inFlight) continue;
      if (this.socket.send({ type: "message.send", client_id: clientId, text: item.text })) continue;
      item.inFlight = true;
      try {
        const message = await postMessage(this.config.messagesUrl, { text: item.text, clientId });
        this.addMessage(message);
      } catch (error) {
        if (error.status >= 400 && error.status < 500) {
          this.onError({ client_id: clientId, code: error.code, detail: error.message });
        }
      } finally {
        item.inFlight = false;
      }
    }
  }

  sendText(text) {
    const clientId = newClientId();
    this.outbox.set(clientId, { text });
    const node = messageElement(
      { pending: true, mine: true, kind: "user", text, client_id: clientId, attachments: [] },
      this.renderOptions,
    );
    this.list.append(node);
    this.empty.hidden = true;
    this.scrollToEnd();
    this.flushOutbox();
  }

  async sendWithFiles(text) {
    // Clicking again after a lost answer retries the same message: the server keeps one.
    this.uploadClientId ||= newClientId();
    const clientId = this.uploadClientId;
    this.uploading = true;
    this.progress.hidden = false;
    this.setProgress(0);
    this.updateSendButton();
    try {
      const message = await postMessage(
        this.config.messagesUrl,
        { text, clientId, files: this.files },
        (fraction) => this.setProgress(fraction),
      );
      this.addMessage(message);
      // Keep whatever was typed while the upload ran.
      if (this.textarea.value.trim() === text) this.textarea.value = "";
      this.clearFiles();
    } catch (error) {
      this.showFormError(error.message && error.status ? error.message : this.strings.uploadFailed);
    } finally {
      this.uploading = false;
      this.progress.hidden = true;
      this.updateSendButton();
    }
  }

  setProgress(fraction) {
    const percent = Math.round(fraction * 100);
    this.progressBar.style.width = `${percent}%`;
    this.progressBar.textContent = `${percent}%`;
    this.progress.setAttribute("aria-valuenow", String(percent));
  }

  // --- composer --------------------------------------------------------------------------

  bindComposer() {
    this.textarea.addEventListener("input", () => this.updateSendButton());
    this.textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.fileInput.addEventListener("change", () => {
      this.addFiles([...this.fileInput.files]);
      this.fileInput.value = "";
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!this.canSend()) return;
      this.hideFormError();
      const text = this.textarea.value.trim();
      if (this.files.length) {
        this.sendWithFiles(text);
      } else {
        this.sendText(text);
        this.textarea.value = "";
      }
      this.updateSendButton();
    });
    this.updateSendButton();
  }

  canSend() {
    const text = this.textarea.value.trim();
    if (this.closed || this.uploading) return false;
    if (text.length > this.config.maxLength) return false;
    return text.length > 0 || this.files.length > 0;
  }

  updateSendButton() {
    this.sendButton.disabled = !this.canSend();
    const length = this.textarea.value.trim().length;
    this.counter.textContent = `${length} / ${this.config.maxLength}`;
    this.counter.classList.toggle("text-danger", length > this.config.maxLength);
  }

  addFiles(files) {
    for (const file of files) {
      if (this.files.length >= this.config.maxAttachments) {
        this.showFormError(this.strings.tooManyFiles);
        break;
      }
      this.files.push(file);
      this.uploadClientId = null; // other files: another message
    }
    this.renderPreviews();
    this.updateSendButton();
  }

  clearFiles() {
    this.files = [];
    this.uploadClientId = null;
    this.renderPreviews();
  }

  renderPreviews() {
    for (const url of this.previewUrls || []) URL.revokeObjectURL(url);
    this.previewUrls = [];
    this.previews.replaceChildren();
    this.files.forEach((file, index) => {
      const item = document.createElement("div");
      item.className = "chat-preview";
      const url = URL.createObjectURL(file);
      this.previewUrls.push(url);
      let media;
      if (file.type.startsWith("video/")) {
        media = document.createElement("video");
        media.muted = true;
        media.preload = "metadata";
      } else {
        media = document.createElement("img");
        media.alt = file.name;
      }
      media.src = url;
      const name = document.createElement("span");
      name.className = "chat-preview-name";
      name.textContent = file.name;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn-close";
      remove.setAttribute("aria-label", `${this.strings.remove}: ${file.name}`);
      remove.addEventListener("click", () => {
        this.files.splice(index, 1);
        this.uploadClientId = null;
        this.renderPreviews();
        this.updateSendButton();
      });
      item.append(media, name, remove);
      this.previews.append(item);
    });
    this.previews.hidden = this.files.length === 0;
  }

  showFormError(text) {
    this.formError.textContent = text || "";
    this.formError.hidden = !text;
  }

  hideFormError() {
    this.showFormError("");
  }

  disableComposer() {
    this.form.querySelectorAll("textarea, input, button").forEach((control) => {
      control.disabled = true;
    });
  }

  applyClosed() {
    this.disableComposer();
    this.form.hidden = true;
    this.notice.hidden = false;
    this.notice.textContent = this.strings.closed;
    for (const node of document.querySelectorAll("[data-chat-hide-when-closed]")) node.hidden = true;
  }
}

function init() {
  const root = document.querySelector("[data-chat]");
  const configNode = document.getElementById("chat-config");
  if (!root || !configNode) return;
  const chat = new Chat(root, JSON.parse(configNode.textContent));
  root.chat = chat; // for debugging in the console
  chat.start();
}

init();
