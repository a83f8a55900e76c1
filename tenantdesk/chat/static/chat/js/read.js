// What the reader has seen. A message of the other side counts as read only once it has
// been on screen (IntersectionObserver: inside the chat's scrolled log and the window)
// while the tab is visible and has focus. A tab opened in the background, a minimised
// window or another window in front marks nothing; coming back to it counts what is on
// screen then. The newest such message is reported, at most once per READ_BATCH_MS, not
// one report per message.

const READ_BATCH_MS = 400;
// Thresholds at which the observer reports, fine enough for the rule in onScreen().
const THRESHOLDS = [0, 0.25, 0.5, 0.75, 1];

// The person is looking at this tab.
export function attentive() {
  return document.visibilityState === "visible" && document.hasFocus();
}

// At least half of the message, or (a message taller than that) half of the screen.
function onScreen(entry) {
  if (!entry.isIntersecting) return false;
  const screen = entry.rootBounds ? entry.rootBounds.height : window.innerHeight;
  return entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= screen / 2;
}

export class ReadTracker {
  // onSeen(id): the newest message seen so far, called again only with a newer one.
  constructor({ onSeen }) {
    this.onSeen = onSeen;
    this.watched = new Map(); // element -> message id, not seen yet
    this.onScreenNow = new Map(); // element -> message id, on screen at the last report
    this.timer = null;
    this.observer = new IntersectionObserver((entries) => this.#observed(entries), {
      threshold: THRESHOLDS,
    });
    const check = () => this.#schedule();
    document.addEventListener("visibilitychange", check);
    window.addEventListener("focus", check);
  }

  watch(element, id) {
    if (!element || this.watched.has(element)) return;
    this.watched.set(element, id);
    this.observer.observe(element);
  }

  #observed(entries) {
    for (const entry of entries) {
      const id = this.watched.get(entry.target);
      if (id !== undefined && onScreen(entry)) this.onScreenNow.set(entry.target, id);
      else this.onScreenNow.delete(entry.target);
    }
    this.#schedule();
  }

  // One report per batch: a page of messages scrolled into view makes one frame.
  #schedule() {
    if (this.timer === null && this.onScreenNow.size) {
      this.timer = setTimeout(() => this.#report(), READ_BATCH_MS);
    }
  }

  #report() {
    this.timer = null;
    // Still on screen, and the person is looking: otherwise the next focus or scroll
    // decides again.
    if (!attentive() || !this.onScreenNow.size) return;
    const newest = Math.max(...this.onScreenNow.values());
    for (const [element, id] of this.watched) {
      if (id > newest) continue;
      this.observer.unobserve(element);
      this.watched.delete(element);
      this.onScreenNow.delete(element);
    }
    this.onSeen(newest);
  }
}
