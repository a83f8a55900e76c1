// The chat's state, and nothing else: no DOM, no network. Everything the page learns arrives
// as a frame (the socket's own, or the same shape built from an HTTP answer); `apply(frame)`
// folds it in and says what changed, and the view and the transports act on that.
//
// Frames, besides the socket's message / sync / receipt / request.status / error:
//   {type: "page", after_id, messages, has_more}   an HTTP page of what came after after_id
//   {type: "earlier", messages, has_more}          the first page, or one from "load earlier"
//   {type: "connection.lost"}                      the socket closed: live frames may be missing

import { Frame } from "./protocol.js";

// Refusals that say "not now" rather than "not this": the message stays in the outbox.
const RETRY_LATER = new Set(["rate_limited", "unavailable"]);
const STATUS_RANK = { sending: 0, sent: 1, delivered: 2, read: 3 };
// Own messages whose receipt a reconnecting page asks for (the server caps it too).
const RECEIPTS_FOR_MAX = 500;
// Receipts for messages this page does not have (yet): kept until the message arrives.
const EARLY_RECEIPTS_MAX = 1000;
// How long a live message may be overtaken. Ids follow the order messages are stored, but
// each worker publishes its own after storing, so with several workers a later message
// can arrive first (make scale-test sees it). A socket that drops within this time of
// extending the catch-up point takes the extension back: the catch-up then fetches again
// what came live meanwhile (kept once), and with it any message still on its way.
const SETTLE_MS = 10000;

function rank(status) {
  return STATUS_RANK[status] ?? -1;
}

// A person's message of the other side: its sender waits to hear it was delivered and read.
function fromTheOtherSide(message) {
  return !message.mine && message.kind === "user";
}

// The receipt's news, copied onto the message it belongs to.
function raise(message, receipt) {
  message.status = receipt.status;
  if (receipt.delivered_at) message.delivered_at = receipt.delivered_at;
  if (receipt.read_at) message.read_at = receipt.read_at;
}

function emptyChanges() {
  return {
    added: [], // stored messages new to the page, oldest first
    updated: [], // messages whose status rose (sent -> delivered -> read)
    confirmed: [], // client_ids of outbox entries the server has now stored
    queued: null, // the outbox entry just typed
    acknowledge: [], // ids of the other side's messages to report as delivered
    readable: [], // ids of the other side's messages not read yet: to watch for being seen
    refused: null, // an outbox entry the server refused for good: {client_id, text}
    retryLater: false, // an outbox entry refused for now: send the outbox again later
    error: null, // a refusal's text for the person
    status: null, // {status, label} of the request, when it changed
    closed: false, // the request has just become read-only
    reopened: false, // … or has just stopped being so
  };
}

export class ChatStore {
  // readUpTo: the reader's read position when the page opened (the server's cursor).
  constructor({ closed = false, readUpTo = 0, now = () => Date.now() } = {}) {
    this.now = now;
    // Live extensions of syncedTo not yet settled: {at, before} (the point before them).
    this.unsettled = [];
    this.messages = new Map(); // id -> message, as the server sent it (status kept current)
    this.ids = []; // the ids, ascending: the conversation's order
    this.outbox = new Map(); // client_id -> {client_id, text}: typed, not yet stored
    this.earlyReceipts = new Map(); // id -> receipt
    this.lastId = 0; // the newest message the page has, however it came
    // The page has every message up to syncedTo. A catch-up starts there, not at lastId:
    // a live message can arrive before the pages of what was missed.
    this.syncedTo = 0;
    // The socket is open and caught up, so live messages come in order and extend syncedTo.
    this.live = false;
    this.hasEarlier = false;
    this.closed = closed;
    // The newest message the reader has read (as reported, or known when the page opened).
    this.readUpTo = readUpTo;
    // The first of the other side's messages that was unread when the page opened: the
    // "New messages" divider goes above it. Fixed once the first page is in.
    this.unreadFrom = null;
  }

  get oldestId() {
    return this.ids.length ? this.ids[0] : null;
  }

  get isEmpty() {
    return this.ids.length === 0 && this.outbox.size === 0;
  }

  list() {
    return this.ids.map((id) => this.messages.get(id));
  }

  pending() {
    return [...this.outbox.values()];
  }

  // Own messages not yet shown as read: a reconnecting page asks for their receipts.
  ownIdsAwaitingReceipts() {
    return this.list()
      .filter((message) => message.mine && message.kind === "user")
      .filter((message) => rank(message.status) < rank("read"))
      .map((message) => message.id)
      .slice(-RECEIPTS_FOR_MAX);
  }

  // The reader has seen the other side's messages up to `id` (read.js decides when): the
  // new read position to report, or null when it does not move forward.
  seen(id) {
    if (!(id > this.readUpTo)) return null;
    this.readUpTo = id;
    return id;
  }

  // A text typed in the composer, kept until the server has stored it. `internal`: a
  // manager's internal note (docs/internal-notes.md).
  queue(text, clientId, internal = false) {
    const changes = emptyChanges();
    const entry = { client_id: clientId, text };
    if (internal) entry.internal = true; // a reply's entry keeps its shape
    this.outbox.set(clientId, entry);
    changes.queued = entry;
    return changes;
  }

  apply(frame) {
    const changes = emptyChanges();
    const handler = {
      // The socket's frames (their names: protocol.js) …
      [Frame.MESSAGE]: () => this.#message(frame.message, changes),
      [Frame.SYNC]: () => this.#page(frame, changes, { socket: true }),
      [Frame.RECEIPT]: () => this.#receipt(frame, changes),
      [Frame.REQUEST_STATUS]: () => this.#status(frame, changes),
      [Frame.ERROR]: () => this.#error(frame, changes),
      // … and the page's own, built from HTTP answers and the socket's state.
      page: () => this.#page(frame, changes, { socket: false }),
      earlier: () => this.#earlier(frame, changes),
      "connection.lost": () => {
        this.live = false;
        this.#unsettle();
      },
    }[frame.type];
    if (handler) handler();
    changes.added.sort((a, b) => a.id - b.id);
    return changes;
  }

  #message(message, changes) {
    this.#add(message, changes);
    if (this.live) this.#extendLive(message.id);
  }

  // syncedTo moves on with what came live, remembering where it was, for SETTLE_MS.
  #extendLive(to) {
    if (to <= this.syncedTo) return;
    const now = this.now();
    this.unsettled = this.unsettled.filter((entry) => now - entry.at < SETTLE_MS);
    this.unsettled.push({ at: now, before: this.syncedTo });
    this.syncedTo = to;
  }

  // The socket dropped: what came live lately may have overtaken a message still on its way.
  #unsettle() {
    const now = this.now();
    const recent = this.unsettled.find((entry) => now - entry.at < SETTLE_MS);
    if (recent) this.syncedTo = Math.min(this.syncedTo, recent.before);
    this.unsettled = [];
  }

  // A page of what came after frame.after_id, complete up to its own end.
  #page(frame, changes, { socket }) {
    for (const receipt of frame.receipts || []) this.#receipt(receipt, changes);
    for (const message of frame.messages) this.#add(message, changes);
    const pageEnd = Math.max(frame.after_id, ...frame.messages.map((message) => message.id));
    // Only a page that starts inside what the page already has extends it.
    if (frame.after_id > this.syncedTo) return;
    this.syncedTo = Math.max(this.syncedTo, pageEnd);
    if (socket && !frame.has_more) {
      // The socket joined before it asked, so whatever came after this page has come live.
      this.#extendLive(this.lastId);
      this.live = true;
    }
  }

  #earlier(frame, changes) {
    const first = this.ids.length === 0;
    for (const message of frame.messages) this.#add(message, changes);
    this.hasEarlier = frame.has_more;
    // The first page is the newest messages: complete up to its end.
    if (!first) return;
    this.syncedTo = this.lastId;
    const firstUnread = this.list().find(
      (message) => fromTheOtherSide(message) && message.id > this.readUpTo,
    );
    this.unreadFrom = firstUnread ? firstUnread.id : null;
  }

  #add(message, changes) {
    const known = this.messages.get(message.id);
    if (known) {
      // A duplicate (a retry, a sync page overlapping a live message): only news counts.
      if (rank(message.status) > rank(known.status)) {
        raise(known, message);
        changes.updated.push(known);
      }
      return;
    }
    const stored = { ...message };
    const early = this.earlyReceipts.get(stored.id);
    if (early) {
      this.earlyReceipts.delete(stored.id);
      if (rank(early.status) > rank(stored.status)) raise(stored, early);
    }
    this.messages.set(stored.id, stored);
    this.#insertId(stored.id);
    this.lastId = Math.max(this.lastId, stored.id);
    if (stored.mine && stored.client_id && this.outbox.delete(stored.client_id)) {
      changes.confirmed.push(stored.client_id);
    }
    if (fromTheOtherSide(stored) && stored.status === "sent") changes.acknowledge.push(stored.id);
    if (fromTheOtherSide(stored) && stored.id > this.readUpTo) changes.readable.push(stored.id);
    changes.added.push(stored);
  }

  #insertId(id) {
    // Nearly always appended or prepended; a binary search covers the rest.
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.ids[middle] < id) low = middle + 1;
      else high = middle;
    }
    this.ids.splice(low, 0, id);
  }

  #receipt(receipt, changes) {
    const message = this.messages.get(receipt.id);
    if (!message) {
      // Its message is still on its way (or older than the page shows): keep it for then,
      // the furthest one if two came (delivered, then read).
      const kept = this.earlyReceipts.get(receipt.id);
      if (kept && rank(kept.status) >= rank(receipt.status)) return;
      if (!kept && this.earlyReceipts.size >= EARLY_RECEIPTS_MAX) {
        this.earlyReceipts.delete(this.earlyReceipts.keys().next().value);
      }
      this.earlyReceipts.set(receipt.id, receipt);
      return;
    }
    if (rank(receipt.status) > rank(message.status)) {
      raise(message, receipt);
      changes.updated.push(message);
    }
  }

  #status(frame, changes) {
    changes.status = { status: frame.status, label: frame.status_label };
    if (frame.closed) this.#close(changes);
    else if (this.closed) {
      // Reopened (a customer's reopen, or a manager's step back): the chat takes messages again.
      this.closed = false;
      changes.reopened = true;
    }
  }

  #error(frame, changes) {
    const entry = frame.client_id ? this.outbox.get(frame.client_id) : null;
    if (entry && RETRY_LATER.has(frame.code)) {
      changes.retryLater = true;
      return;
    }
    if (entry) {
      // Refused for good (too long, closed, …): it goes back to the person to edit.
      this.outbox.delete(frame.client_id);
      changes.refused = entry;
    }
    if (frame.code === "closed") this.#close(changes);
    changes.error = frame.detail || null;
  }

  #close(changes) {
    if (!this.closed) changes.closed = true;
    this.closed = true;
  }
}
