// The composer: the text (a box that grows from one line to six, then scrolls), the
// character count, chosen files with their previews (from the Attach button, dropped on the
// chat or pasted), and the upload of a message with files (over HTTP, with progress). A
// text-only message is handed to onText and travels through the outbox.
//
// A problem with the chosen files (type, size, count) is said at once, in the page's
// language, and goes away with the next change of the files: the message always describes
// the files as they are now.

import { postMessage } from "./api.js";
import { checkFiles } from "./files.js";

export function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  // Plain-HTTP origins other than localhost have no randomUUID.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Composer {
  // config: {messagesUrl, maxLength, maxAttachments, strings}; onText(text); onUploaded(message)
  constructor(form, config, { onText, onUploaded, dropZone }) {
    this.form = form;
    this.config = config;
    this.strings = config.strings;
    this.onText = onText;
    this.onUploaded = onUploaded;
    const find = (selector) => form.querySelector(selector);
    this.textarea = find("[data-chat-text]");
    this.fileInput = find("[data-chat-files]");
    this.previews = find("[data-chat-previews]");
    this.progress = find("[data-chat-progress]");
    this.progressBar = find("[data-chat-progress] .chat-progress-bar");
    this.sendButton = find("[data-chat-send]");
    this.counter = find("[data-chat-counter]");
    this.error = find("[data-chat-form-error]");
    // Managers only (chat/panel.html): the "Internal note" switch.
    this.noteToggle = find("[data-chat-note-toggle]");
    this.files = [];
    this.previewUrls = [];
    this.uploading = false;
    this.closed = false;
    this.uploadClientId = null;
    this.defaultPlaceholder = this.textarea.placeholder;
    this.dropZone = dropZone;
    this.#bind();
    this.#bindFiles();
    this.update();
  }

  #bind() {
    this.textarea.addEventListener("input", () => {
      // A refused send is about the text as it was: editing it is the fix. File problems stay
      // until the files change.
      if (this.errorFrom && this.errorFrom !== "files") this.showError("");
      this.update();
    });
    this.textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    if (this.noteToggle) this.noteToggle.addEventListener("change", () => this.#showNoteMode());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!this.canSend()) return;
      this.showError("");
      const text = this.textarea.value.trim();
      const internal = this.isNote();
      if (this.files.length) {
        this.#upload(text, internal);
      } else {
        this.textarea.value = "";
        this.onText(text, internal);
      }
      this.update();
    });
  }

  isNote() {
    return Boolean(this.noteToggle && this.noteToggle.checked);
  }

  // The composer looks different while it writes a note, so nobody sends one by mistake
  // (or a reply as a note).
  #showNoteMode() {
    const note = this.isNote();
    this.form.classList.toggle("is-note", note);
    this.textarea.placeholder = note ? this.strings.notePlaceholder : this.defaultPlaceholder;
  }

  canSend() {
    const text = this.textarea.value.trim();
    if (this.closed || this.uploading || text.length > this.config.maxLength) return false;
    return text.length > 0 || this.files.length > 0;
  }

  update() {
    this.sendButton.disabled = !this.canSend();
    const length = this.textarea.value.trim().length;
    this.counter.textContent = `${length} / ${this.config.maxLength}`;
    this.counter.classList.toggle("is-over", length > this.config.maxLength);
    this.#autosize();
  }

  // One line when empty, growing with the text up to the CSS max-height (six lines), then
  // scrolling. Measured from scrollHeight after resetting, so it shrinks again too.
  #autosize() {
    const box = this.textarea;
    box.style.height = "auto";
    const border = box.offsetHeight - box.clientHeight;
    box.style.height = `${box.scrollHeight + border}px`;
  }

  // A message the server refused for good comes back to be edited, unless something new
  // has been typed meanwhile.
  restore(text) {
    if (this.closed || this.textarea.value.trim()) return;
    this.textarea.value = text;
    this.update();
  }

  // `from`: what the message is about ("files", "text" or a send): a change to that clears it.
  showError(text, from = "send") {
    this.error.textContent = text || "";
    this.error.hidden = !text;
    this.errorFrom = text ? from : null;
  }

  // Signed out, or the chat is gone: nothing can be sent any more.
  disable() {
    this.closed = true;
    for (const control of this.form.querySelectorAll("textarea, input, button")) control.disabled = true;
  }

  // The request is closed: the composer goes away.
  close() {
    this.disable();
    this.form.hidden = true;
  }

  // The request was reopened: the composer comes back as the page would render it.
  reopen() {
    this.closed = false;
    this.form.hidden = false;
    for (const control of this.form.querySelectorAll("textarea, input, button")) control.disabled = false;
    this.update();
  }

  async #upload(text, internal) {
    // Clicking again after a lost answer retries the same message: the server keeps one.
    this.uploadClientId ||= newClientId();
    this.uploading = true;
    this.progress.hidden = false;
    this.#setProgress(0);
    this.update();
    try {
      const message = await postMessage(
        this.config.messagesUrl,
        { text, clientId: this.uploadClientId, files: this.files, internal },
        (fraction) => this.#setProgress(fraction),
      );
      // Keep whatever was typed while the upload ran.
      if (this.textarea.value.trim() === text) this.textarea.value = "";
      this.#setFiles([]);
      this.onUploaded(message);
    } catch (error) {
      this.showError(error.message && error.status ? error.message : this.strings.uploadFailed);
    } finally {
      this.uploading = false;
      this.progress.hidden = true;
      this.update();
    }
  }

  #setProgress(fraction) {
    const percent = Math.round(fraction * 100);
    this.progressBar.style.width = `${percent}%`;
    this.progressBar.textContent = `${percent}%`;
    this.progress.setAttribute("aria-valuenow", String(percent));
  }

  #bindFiles() {
    this.fileInput.addEventListener("change", () => {
      this.addFiles([...this.fileInput.files]);
      this.fileInput.value = "";
    });
    // Pasted photos (a screenshot, a copied image) are attached; pasted text stays text.
    this.textarea.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files || [])];
      if (!files.length) return;
      event.preventDefault();
      this.addFiles(files);
    });
    const zone = this.dropZone;
    if (!zone) return;
    const overlay = zone.querySelector("[data-chat-drop]");
    const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
    let depth = 0; // dragenter/leave fire for every child crossed
    const show = (on) => {
      if (overlay) overlay.hidden = !on;
    };
    zone.addEventListener("dragenter", (event) => {
      if (!carriesFiles(event) || this.closed) return;
      depth += 1;
      show(true);
    });
    zone.addEventListener("dragover", (event) => {
      if (!carriesFiles(event) || this.closed) return;
      event.preventDefault(); // allows the drop
      event.dataTransfer.dropEffect = "copy";
    });
    zone.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (!depth) show(false);
    });
    zone.addEventListener("drop", (event) => {
      depth = 0;
      show(false);
      if (!carriesFiles(event) || this.closed) return;
      event.preventDefault();
      this.addFiles([...event.dataTransfer.files]);
      this.textarea.focus();
    });
  }

  // Files from the button, a drop or a paste: the ones that can be sent are added, the
  // others said (files.js).
  addFiles(files) {
    const { accepted, problem } = checkFiles(files, this.files.length, this.config);
    this.#setFiles([...this.files, ...accepted], problem);
  }

  // Other files make another message: a new client_id for the next upload. A file problem
  // shown before is about files that are no longer being added: it goes.
  #setFiles(files, problem = "") {
    if (problem || this.errorFrom) this.showError(problem, "files");
    this.files = files;
    this.uploadClientId = null;
    this.#renderPreviews();
    this.update();
  }

  #renderPreviews() {
    for (const url of this.previewUrls) URL.revokeObjectURL(url);
    this.previewUrls = [];
    this.previews.replaceChildren(...this.files.map((file, index) => this.#preview(file, index)));
    this.previews.hidden = this.files.length === 0;
  }

  #preview(file, index) {
    const item = document.createElement("div");
    item.className = "chat-preview";
    const url = URL.createObjectURL(file);
    this.previewUrls.push(url);
    const video = file.type.startsWith("video/");
    const media = document.createElement(video ? "video" : "img");
    if (video) {
      media.muted = true;
      media.preload = "metadata";
    } else {
      media.alt = file.name;
    }
    media.src = url;
    const name = document.createElement("span");
    name.className = "chat-preview-name";
    name.textContent = file.name;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chat-preview-remove";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `${this.strings.remove}: ${file.name}`);
    remove.addEventListener("click", () => {
      this.#setFiles(this.files.filter((_, i) => i !== index));
      this.textarea.focus(); // the button is gone: focus goes back to the message
    });
    item.append(media, name, remove);
    return item;
  }
}
