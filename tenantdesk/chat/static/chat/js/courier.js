// What the page sends on its own: the outbox's messages, and "delivered" for the other
// side's messages it has shown. Over the socket when it is open, else over HTTP; the
// answers come back as frames for the store.

import { postDelivered, postMessage } from "./api.js";

// Acknowledgements wait this long, so a page of messages makes one frame.
const ACK_BATCH_MS = 50;

export class Courier {
  constructor({ socket, store, messagesUrl, deliveredUrl, onFrame }) {
    this.socket = socket;
    this.store = store;
    this.messagesUrl = messagesUrl;
    this.deliveredUrl = deliveredUrl;
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
    if (this.socket.send({ type: "message.delivered", ids })) return;
    try {
      await postDelivered(this.deliveredUrl, ids);
    } catch {
      for (const id of ids) this.acks.add(id); // sent again on the next chance
    }
  }

  // Sends every outbox message: each time the socket opens, all of them again, since an
  // answer may have been lost with the connection. The server stores a client_id once.
  flushOutbox() {
    for (const entry of this.store.pending()) {
      const frame = { type: "message.send", client_id: entry.client_id, text: entry.text };
      if (!this.socket.send(frame)) this.#post(entry);
    }
  }

  async #post({ client_id: clientId, text }) {
    if (this.posting.has(clientId)) return;
    this.posting.add(clientId);
    try {
      const message = await postMessage(this.messagesUrl, { text, clientId });
      this.onFrame({ type: "message", message });
    } catch (error) {
      // A network failure keeps it queued; a refusal is the server's answer, as on the socket.
      if (error.status >= 400 && error.status < 500) {
        this.onFrame({ type: "error", client_id: clientId, code: error.code, detail: error.message });
      }
    } finally {
      this.posting.delete(clientId);
    }
  }
}
