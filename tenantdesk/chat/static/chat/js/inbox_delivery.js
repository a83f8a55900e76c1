// "Delivered" from any page: the inbox socket (static/js/inbox.js) tells the server which new
// messages of the other side this page has received, so their sender sees "delivered" while
// this person only has a list (or any other page) open. Reports are gathered for a moment
// and sent as one frame (one statement on the server: services/receipts.py); a report that
// finds the socket closed is dropped: the chat page acknowledges what it shows anyway.

import { Frame } from "./protocol.js";

const GATHER_MS = 150;

export class DeliveryReports {
  constructor(socket) {
    this.socket = socket;
    this.ids = new Set();
    this.timer = null;
  }

  // A request.message frame: a person's message of the other side counts.
  received(frame) {
    if (frame.type !== Frame.REQUEST_MESSAGE || !frame.other_side || frame.system) return;
    this.ids.add(frame.message_id);
    if (!this.timer) this.timer = setTimeout(() => this.flush(), GATHER_MS);
  }

  flush() {
    this.timer = null;
    const ids = [...this.ids];
    this.ids.clear();
    if (ids.length) this.socket.send({ type: Frame.MESSAGE_DELIVERED, ids });
  }
}
