// One WebSocket to the request's chat that reconnects by itself.
//
// Pauses between attempts grow (with jitter, so the clients of a restarted server spread
// out), but while someone is looking at the page they stay short, and the page tries at
// once when it gets focus, becomes visible again or the browser says it is online.
// Closed with 1013 ("try again later": the database or Redis is away), it backs off for
// real: longer pauses, up to half a minute, and no retry on focus, so that a server
// coming back is not met by every open tab at once (the close codes: protocol.js).

import { Close, FINAL_CLOSES } from "./protocol.js";

const FIRST_DELAY_MS = 500;
const MAX_DELAY_VISIBLE_MS = 3000;
const MAX_DELAY_HIDDEN_MS = 15000;
const TRY_AGAIN_FIRST_DELAY_MS = 2000;
const TRY_AGAIN_MAX_DELAY_MS = 30000;
// A socket closed sooner than this after opening (the server accepts, then closes with
// 1013 while the database is away) does not count as a success: the pauses keep growing.
const STABLE_OPEN_MS = 10000;
const ANSWER_TIMEOUT_MS = 10000;

export class ChatSocket {
  constructor(path, handlers) {
    this.path = path;
    this.handlers = handlers; // {onOpen, onFrame, onState(state), onFinalClose(code)}
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.tryAgainLater = false; // the last close was 1013: the server asked to wait
    this.openedAt = 0;
    this.waiters = new Set(); // requests waiting for their answer frame
    const retry = () => {
      if (!this.tryAgainLater) this.retryNow();
    };
    window.addEventListener("online", retry);
    window.addEventListener("focus", retry);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") retry();
    });
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.handlers.onState("connecting");
    const ws = new WebSocket(`${scheme}://${window.location.host}${this.path}`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.openedAt = Date.now();
      this.handlers.onState("online");
      this.handlers.onOpen();
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      for (const waiter of this.waiters) {
        if (waiter.isAnswer(frame)) {
          this.waiters.delete(waiter);
          waiter.resolve(frame);
          return;
        }
      }
      document.dispatchEvent(new CustomEvent("tenantdesk:chat", { detail: frame }));
      this.handlers.onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const waiter of this.waiters) waiter.reject(new Error("the socket closed"));
      this.waiters.clear();
      if (this.openedAt && Date.now() - this.openedAt >= STABLE_OPEN_MS) this.attempt = 0;
      this.openedAt = 0;
      this.tryAgainLater = event.code === Close.TRY_AGAIN_LATER;
      // Only signed out and not found are final. Every other close reconnects, RESTARTING
      // among them: a worker restarting (deploy/README.md, upgrades) closes its sockets so.
      if (FINAL_CLOSES.has(event.code)) {
        this.stopped = true;
        this.handlers.onFinalClose(event.code);
        return;
      }
      this.handlers.onState("offline");
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    if (this.stopped) return;
    const visible = document.visibilityState === "visible";
    const first = this.tryAgainLater ? TRY_AGAIN_FIRST_DELAY_MS : FIRST_DELAY_MS;
    let cap = visible ? MAX_DELAY_VISIBLE_MS : MAX_DELAY_HIDDEN_MS;
    if (this.tryAgainLater) cap = TRY_AGAIN_MAX_DELAY_MS;
    const base = Math.min(cap, first * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // Reconnect now instead of waiting out the pause (the person asked: "Reconnect now").
  retryNow() {
    if (this.stopped || this.isOpen) return;
    if (this.ws && this.ws.readyState === WebSocket.CONNECTING) return;
    this.attempt = 0;
    this.connect();
  }

  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // Sends a frame and resolves with the first frame `isAnswer` accepts; rejects when the
  // socket is not open, closes first, or no answer comes in time (an error frame instead).
  request(frame, isAnswer) {
    return new Promise((resolve, reject) => {
      const waiter = {
        isAnswer,
        resolve: (answer) => {
          clearTimeout(waiter.timer);
          resolve(answer);
        },
        reject: (error) => {
          clearTimeout(waiter.timer);
          reject(error);
        },
      };
      waiter.timer = setTimeout(() => {
        this.waiters.delete(waiter);
        waiter.reject(new Error("no answer"));
      }, ANSWER_TIMEOUT_MS);
      this.waiters.add(waiter);
      if (!this.send(frame)) {
        this.waiters.delete(waiter);
        waiter.reject(new Error("the socket is not open"));
      }
    });
  }
}
