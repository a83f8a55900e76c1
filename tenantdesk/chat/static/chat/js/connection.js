// Keeping the page in step with the server: the socket, the catch-up after each time it
// opens, HTTP polling while it is down, the connection indicator and "Reconnect now".

import { fetchMessages } from "./api.js";
import { catchUp } from "./catchup.js";
import { Frame } from "./protocol.js";
import { ChatSocket } from "./socket.js";

const POLL_MS = 5000;
// While the socket was closed with 1013 (the server asked to wait), polling would meet the
// same outage (503 + Retry-After): it asks only this often.
const POLL_TRY_AGAIN_LATER_MS = 30000;
const CATCH_UP_RETRY_MS = 3000; // a sync refused (e.g. too many frames) on an open socket
const LABELS = { online: "online", connecting: "connecting", offline: "offline", stopped: "disconnected" };

export class Connection {
  // onFrame(frame): every frame for the store; onReachable(): the server answers again
  // (send what waits); onFinalClose(code): signed out or the chat is gone, for good.
  constructor(root, config, { store, onFrame, onReachable, onFinalClose }) {
    this.root = root;
    this.config = config;
    this.store = store;
    this.onFrame = onFrame;
    this.onReachable = onReachable;
    this.indicator = root.querySelector("[data-chat-connection]");
    this.reconnectButton = root.querySelector("[data-chat-reconnect]");
    this.pollTimer = null;
    this.polling = false;
    this.polledAt = 0;
    this.socket = new ChatSocket(config.wsPath, {
      onOpen: () => this.#opened(),
      onFrame,
      onState: (state) => this.#show(state),
      onFinalClose: (code) => {
        this.#stopPolling();
        this.#show("stopped");
        onFinalClose(code);
      },
    });
    this.reconnectButton.addEventListener("click", () => {
      this.socket.retryNow();
      this.poll({ asked: true });
    });
  }

  start() {
    this.socket.connect();
  }

  #opened() {
    this.#stopPolling();
    this.#catchUp();
    this.onReachable();
  }

  #catchUp() {
    const ws = this.socket.ws;
    let receiptsFor = this.store.ownIdsAwaitingReceipts(); // asked once, with the first page
    const viaSocket = (after) => {
      const frame = { type: Frame.SYNC, after_id: after, receipts_for: receiptsFor };
      receiptsFor = [];
      return this.socket.request(frame, (answer) => answer.type === Frame.SYNC && answer.after_id === after);
    };
    // A socket that closes meanwhile ends it, and the next one starts where its pages ended;
    // on the same socket, it tries again.
    catchUp(this.store.syncedTo, viaSocket, this.onFrame).catch(() => {
      setTimeout(() => this.socket.ws === ws && this.socket.isOpen && this.#catchUp(), CATCH_UP_RETRY_MS);
    });
  }

  async poll({ asked = false } = {}) {
    if (this.polling) return;
    const waiting = this.socket.tryAgainLater && Date.now() - this.polledAt < POLL_TRY_AGAIN_LATER_MS;
    if (waiting && !asked) return;
    this.polledAt = Date.now();
    this.polling = true;
    const viaHttp = async (after) => ({
      type: "page",
      after_id: after,
      ...(await fetchMessages(this.config.messagesUrl, { after })),
    });
    try {
      await catchUp(this.store.syncedTo, viaHttp, this.onFrame);
      this.onReachable();
    } catch {
      // Still offline; the next tick tries again.
    } finally {
      this.polling = false;
    }
  }

  #stopPolling() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  #show(state) {
    this.indicator.dataset.state = state;
    this.indicator.querySelector("[data-chat-connection-label]").textContent =
      this.config.strings[LABELS[state]];
    this.root.dataset.connection = state;
    // Offered from the first failure until the socket is back (attempts in between included).
    if (state === "online" || state === "stopped") this.reconnectButton.hidden = true;
    if (state !== "offline") return;
    this.reconnectButton.hidden = false;
    this.onFrame({ type: "connection.lost" });
    this.pollTimer ||= setInterval(() => this.poll(), POLL_MS);
  }
}
