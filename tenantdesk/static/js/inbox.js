// The live list on every signed-in page: one inbox socket per tab (/ws/inbox/), which
// keeps the navigation badge, the tab title and the request list in step, and shows
// browser notifications. The socket (reconnects with back-off, at once on focus or when
// the browser is back online) is the chat's; each time it opens, the page fetches the
// current state, which is also the catch-up after a reconnect.
//
// Each frame is also dispatched on the document as a "tenantdesk:inbox" event, for other
// scripts of the page.

import { Frame } from "../chat/js/protocol.js";
import { DeliveryReports } from "../chat/js/inbox_delivery.js";
import { ChatSocket } from "../chat/js/socket.js";
import { Notifier } from "./live/notify.js";
import { Push, stopPushOnSignOut } from "./live/push.js";
import { Refresher } from "./live/refresh.js";

// A message arriving in the chat that is open and visible here is read by that chat: its
// read event normally lowers the count first, so the count is asked a little later.
const READ_GRACE_MS = 1500;
const PUSH_SYNCED = "td-push-synced";

function openRequestId() {
  const match = window.location.pathname.match(/^\/request\/(\d+)$/);
  return match ? Number(match[1]) : null;
}

function start() {
  const element = document.getElementById("live-config");
  if (!element) return;
  const config = JSON.parse(element.textContent);
  const refresher = new Refresher(config);
  const push = new Push(config);
  const notifier = new Notifier(config, document.getElementById("notify-control"), {
    onEnabled: () => push.start().catch((error) => console.warn("push subscription failed", error)),
    onDisabled: () => push.stop().catch((error) => console.warn("push unsubscription failed", error)),
  });
  // Once per tab session: the server learns (again) that this browser's pushes are for
  // whoever is signed in now.
  if (notifier.enabled && push.available && !sessionStorage.getItem(PUSH_SYNCED)) {
    sessionStorage.setItem(PUSH_SYNCED, "1");
    push.start().catch((error) => console.warn("push subscription failed", error));
  }

  stopPushOnSignOut(push, config.logoutUrl, () => sessionStorage.removeItem(PUSH_SYNCED));

  const onFrame = (frame) => {
    document.dispatchEvent(new CustomEvent("tenantdesk:inbox", { detail: frame }));
    deliveries.received(frame); // the sender sees "delivered" (chat/js/inbox_delivery.js)
    switch (frame.type) {
      case Frame.REQUEST_MESSAGE: {
        const watching = frame.service_request_id === openRequestId() && document.visibilityState === "visible";
        refresher.request({ list: true, total: true, ...(watching && frame.other_side ? { delay: READ_GRACE_MS } : {}) });
        notifier.message(frame).catch((error) => console.warn("notification failed", error));
        break;
      }
      case Frame.REQUEST_READ:
      case Frame.REQUEST_STATUS:
        refresher.request({ list: true, total: true });
        break;
      case Frame.REQUEST_NEW:
        refresher.request({ list: true });
        break;
      default:
        break;
    }
  };

  const lang = encodeURIComponent(document.documentElement.lang || "");
  const socket = new ChatSocket(`${config.wsPath}?lang=${lang}`, {
    // Opened, or open again after a drop: whatever happened meanwhile is fetched.
    onOpen: () => refresher.request({ list: true, total: true, delay: 0 }),
    onFrame,
    onState: (state) => {
      document.documentElement.dataset.inbox = state;
    },
    onFinalClose: () => {
      document.documentElement.dataset.inbox = "stopped";
    },
  });
  const deliveries = new DeliveryReports(socket);
  socket.connect();
}

start();
