// The conversation as the store has it: messages in id order with a heading wherever the day
// changes and "New messages" above what was unread when the page opened, the outbox's
// messages after them, "load earlier", the empty note. The DOM follows the store and is
// never read back as state.

import { continues } from "./grouping.js";
import {
  dayElement,
  messageElement,
  pendingElement,
  pendingMessage,
  setStatusMark,
  unreadDividerElement,
} from "./render.js";

// Closer than this to the bottom counts as "reading the newest messages".
const PINNED_PX = 40;

export class ConversationView {
  // config: {strings, userId, groupSeconds, today, yesterday} (chat/panel.py)
  constructor(root, store, config) {
    this.store = store;
    this.strings = config.strings;
    this.config = config;
    this.days = { today: config.today, yesterday: config.yesterday, strings: config.strings };
    this.log = root.querySelector("[data-chat-log]");
    this.list = root.querySelector("[data-chat-messages]");
    this.empty = root.querySelector("[data-chat-empty]");
    this.earlierButton = root.querySelector("[data-chat-load-earlier]");
    this.nodes = new Map(); // "m<id>" | "p<client_id>" | "d<day>" -> element
    this.pinned = true; // the reader is at the newest message (or has not scrolled yet)
    this.ownScrollTop = null; // where scrollToEnd put the view last
    this.log.addEventListener("scroll", () => {
      // Our own scrolling says nothing about the reader, even when content has grown since.
      if (this.log.scrollTop === this.ownScrollTop) return;
      this.pinned = this.distanceFromBottom() < PINNED_PX;
    });
    // Photos and videos that finish loading, a narrower window, a taller composer: whatever
    // changes the size, a reader at the bottom stays at the bottom.
    // Every child of the log counts, not only the list: "Load earlier" or the empty line
    // appearing moves the bottom too.
    const keepPinned = () => this.pinned && this.scrollToEnd();
    const sizes = new ResizeObserver(keepPinned);
    for (const child of this.log.children) sizes.observe(child);
    sizes.observe(this.log);
  }

  distanceFromBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
    this.ownScrollTop = this.log.scrollTop;
    this.pinned = true;
  }

  // Brings the DOM in line with the store after `changes` (from store.apply or store.queue).
  render(changes, { prepended = false } = {}) {
    const fromBottom = this.distanceFromBottom();
    for (const message of changes.updated) {
      const node = this.nodes.get(`m${message.id}`);
      if (node) setStatusMark(node, message.status, this.strings);
    }
    this.#reconcile();
    this.empty.hidden = !this.store.isEmpty;
    this.earlierButton.hidden = !this.store.hasEarlier;
    const ownNews = changes.queued || changes.added.some((message) => message.mine);
    if (prepended) {
      // Older messages went in above: keep the one the reader was looking at in place.
      this.log.scrollTop = this.log.scrollHeight - this.log.clientHeight - fromBottom;
    } else if (this.pinned || ownNews) {
      this.scrollToEnd();
    }
  }

  // Walks the wanted order and moves, adds or removes only the elements that differ; each
  // message is marked as continuing its author's group or not (grouping.js).
  #reconcile() {
    const wanted = [];
    const grouped = new Map(); // element -> continues the message before it
    let previous = null;
    const add = (node, message) => {
      if (message) {
        grouped.set(node, continues(previous, message, this.config.groupSeconds));
        previous = message;
      } else {
        previous = null; // a heading or divider starts a new group
      }
      wanted.push(node);
    };
    let day = null;
    for (const message of this.store.list()) {
      if (message.day && message.day !== day) {
        day = message.day;
        add(this.#node(`d${day}`, () => dayElement(message, this.days)));
      }
      if (message.id === this.store.unreadFrom) {
        add(this.#node("unread", () => unreadDividerElement(this.strings)));
      }
      add(this.#node(`m${message.id}`, () => messageElement(message, this.strings)), message);
    }
    for (const entry of this.store.pending()) {
      const message = { ...pendingMessage(entry), author_id: this.config.userId, day: this.config.today };
      add(this.#node(`p${entry.client_id}`, () => pendingElement(entry, this.strings)), message);
    }
    const keep = new Set(wanted);
    for (const [key, node] of this.nodes) {
      if (!keep.has(node)) {
        node.remove();
        this.nodes.delete(key);
      }
    }
    let cursor = this.list.firstElementChild;
    for (const node of wanted) {
      if (grouped.has(node)) node.classList.toggle("is-continued", grouped.get(node));
      if (node === cursor) cursor = cursor.nextElementSibling;
      else this.list.insertBefore(node, cursor);
    }
  }

  // The element of a stored message, once rendered.
  messageNode(id) {
    return this.nodes.get(`m${id}`) || null;
  }

  #node(key, make) {
    let node = this.nodes.get(key);
    if (!node) {
      node = make();
      this.nodes.set(key, node);
    }
    return node;
  }

  setLoadingEarlier(loading) {
    this.earlierButton.disabled = loading;
    this.earlierButton.textContent = loading ? this.strings.loading : this.strings.loadEarlier;
  }
}
