// What the page sends on its own: the outbox's messages, "delivered" for the other side's
// messages it has received and "read" up to the newest one the reader has seen (read.js).
// Over the socket when it is open, else over HTTP; the answers come back as frames for
// the store.

import { postDelivered, postMessage, postRead } from "./api.js";
import { Frame } from "./protocol.js";

// Acknowledgements wait this long, so a page of messages makes one frame.
const ACK_BATCH_MS = 50;

export class Courier {
  constructor({ socket, store, messagesUrl, deliveredUrl, readUrl, onFrame }) {
    this.socket = socket;
    this.store = store;
    this.messagesUrl = messagesUrl;
    this.deliveredUrl = deliveredUrl;
    this.readUrl = readUrl;
    this.readUpTo = 0; // the newest read position this page has reported (or must)
    this.readSent = { id: 0, via: null }; // the last report: its id, and its socket or "http"
    this.onFrame = onFrame;
    this.acks = new Set();
    this.ackTimer = null;
    this.posting = new Set(); // client_ids on their way over HTTP
  }

  acknowledge(ids) {
    if (!ids.length) return;
    for (const id of ids) this.acks.add(id);
    clearTimeout(this.ackTimer);
    this.ackTimer = setTimeout(() => this.flushAcks(), ACK_BATCH_MS);
  }

  async flushAcks() {
    const ids = [...this.acks];
    if (!ids.length) return;
    this.acks.clear();
    if (this.socket.send({ type: Frame.MESSAGE_DELIVERED, ids })) return;
    try {
      await postDelivered(this.deliveredUrl, ids);
    } catch {
      for (const id of ids) this.acks.add(id); // sent again on the next chance
    }
  }

  // The reader's read position moved forward (already batched by the read tracker).
  reportRead(upToId) {
    if (upToId <= this.readUpTo) return;
    this.readUpTo = upToId;
    this.flushRead();
  }

  // Also called whenever the server is reachable again. A report counts as made once an
  // HTTP answer came, or while the socket it went over is still open: one sent just before
  // its socket closed may have been lost, so it goes again (the server ignores a repeat).
  async flushRead() {
    const upToId = this.readUpTo;
    if (!upToId || this.#readReported(upToId)) return;
    if (this.socket.send({ type: Frame.MESSAGE_READ, up_to_id: upToId })) {
      this.readSent = { id: upToId, via: this.socket.ws };
      return;
    }
    try {
      await postRead(this.readUrl, upToId);
      if (upToId === this.readUpTo) this.readSent = { id: upToId, via: "http" };
    } catch {
      // Sent again on the next chance.
    }
  }

  #readReported(upToId) {
    const { id, via } = this.readSent;
    return id === upToId && (via === "http" || (via === this.socket.ws && this.socket.isOpen));
  }

  // Sends every outbox message: each time the socket opens, all of them again, since an
  // answer may have been lost with the connection. The server stores a client_id once.
  flushOutbox() {
    for (const entry of this.store.pending()) {
      const frame = { type: Frame.MESSAGE_SEND, client_id: entry.client_id, text: entry.text };
      if (entry.internal) frame.internal = true;
      if (!this.socket.send(frame)) this.#post(entry);
    }
  }

  async #post({ client_id: clientId, text, internal }) {
    if (this.posting.has(clientId)) return;
    this.posting.add(clientId);
    try {
      const message = await postMessage(this.messagesUrl, { text, clientId, internal });
      this.onFrame({ type: Frame.MESSAGE, message });
    } catch (error) {
      // A network failure keeps it queued; a refusal is the server's answer, as on the socket.
      if (error.status >= 400 && error.status < 500) {
        this.onFrame({ type: Frame.ERROR, client_id: clientId, code: error.code, detail: error.message });
      }
    } finally {
      this.posting.delete(clientId);
    }
  }
}
