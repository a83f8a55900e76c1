// One WebSocket to the request's chat that reconnects by itself with growing pauses.

const CLOSE_SIGNED_OUT = 4401;
const CLOSE_NOT_FOUND = 4404;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;

export class ChatSocket {
  constructor(path, handlers) {
    this.path = path;
    this.handlers = handlers; // {onOpen, onFrame, onState(state), onFinalClose(code)}
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
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
      this.attempt = 0;
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
      this.handlers.onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (event.code === CLOSE_SIGNED_OUT || event.code === CLOSE_NOT_FOUND) {
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
    // Exponential back-off with jitter, so many clients of a restarted server spread out.
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // Reconnect now (e.g. the browser says it is online again) instead of waiting.
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
}
