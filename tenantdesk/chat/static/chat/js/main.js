// The chat panel, wired together: the store (state, store.js), the conversation view
// (conversation.js), the composer (composer.js), the connection (socket, catch-up, polling:
// connection.js), what the reader has seen (read.js) and what the page sends on its own
// (courier.js). Page hooks: chat/panel.html.
//
// Every frame, from the socket or built from an HTTP answer, goes through handle(): the store
// folds it in, and what changed is shown and acted on.

import { fetchMessages } from "./api.js";
import { Composer, newClientId } from "./composer.js";
import { Connection } from "./connection.js";
import { ConversationView } from "./conversation.js";
import { Courier } from "./courier.js";
import { announceActivity, hideWhenClosed, showRequestStatus, showWhenOpen } from "./page.js";
import { Close, Frame } from "./protocol.js";
import { ReadTracker } from "./read.js";
import { fitAboveKeyboard } from "./viewport.js";
import { ChatStore } from "./store.js";

const RETRY_LATER_MS = 3000; // after "too many messages" or "database unavailable"

function startChat(root, config) {
  const { strings } = config;
  const store = new ChatStore({ closed: config.closed, readUpTo: config.readUpTo });
  const view = new ConversationView(root, store, config);
  // "Connecting…" and the rest are the script's to say: a page without scripts never shows them.
  root.querySelector("[data-chat-connection]").hidden = false;
  const connection = new Connection(root, config, {
    store,
    onFrame: handle,
    onReachable: () => {
      courier.flushAcks();
      courier.flushRead();
      courier.flushOutbox();
    },
    onFinalClose,
  });
  const courier = new Courier({ socket: connection.socket, store, ...config, onFrame: handle });
  const reads = new ReadTracker({
    onSeen: (id) => {
      const upTo = store.seen(id);
      if (upTo !== null) courier.reportRead(upTo);
    },
  });
  const composer = new Composer(root.querySelector("[data-chat-composer]"), config, {
    onText: sendText,
    onUploaded: (message) => handle({ type: Frame.MESSAGE, message }),
    dropZone: root,
  });
  fitAboveKeyboard(root, composer.textarea);

  // Every frame's messages learn whether they are the reader's own: the server sends one
  // text per language to every reader (chat/ws/outgoing.py), with the author's id.
  function handle(frame) {
    const messages = frame.message ? [frame.message] : frame.messages || [];
    for (const message of messages) message.mine = message.author_id === config.userId;
    react(store.apply(frame), frame.type);
  }

  function react(changes, frameType) {
    const older = frameType === "earlier"; // the first page, or "load earlier"
    view.render(changes, { prepended: older });
    for (const id of changes.readable) reads.watch(view.messageNode(id), id);
    courier.acknowledge(changes.acknowledge);
    if (changes.retryLater) setTimeout(() => courier.flushOutbox(), RETRY_LATER_MS);
    if (changes.refused) composer.restore(changes.refused.text);
    if (changes.error) composer.showError(changes.error);
    if (changes.status) showRequestStatus(changes.status);
    if (changes.closed) showClosed();
    if (changes.reopened) showReopened();
    if (changes.queued || (changes.added.length && !older)) announceActivity(root);
  }

  function sendText(text, internal = false) {
    react(store.queue(text, newClientId(), internal), "queue");
    courier.flushOutbox();
  }

  function showNotice(text) {
    const notice = root.querySelector("[data-chat-notice]");
    notice.hidden = false;
    notice.textContent = text;
  }

  function onFinalClose(code) {
    showNotice(code === Close.SIGNED_OUT ? strings.signedOut : strings.notFound);
    composer.disable();
  }

  function showClosed() {
    composer.close();
    showNotice(strings.closed);
    hideWhenClosed();
  }

  function showReopened() {
    composer.reopen();
    const notice = root.querySelector("[data-chat-notice]");
    notice.hidden = true;
    notice.textContent = "";
    showWhenOpen();
  }

  async function loadEarlier() {
    view.setLoadingEarlier(true);
    try {
      const page = await fetchMessages(config.messagesUrl, { before: store.oldestId });
      handle({ type: "earlier", ...page });
    } catch {
      // The button stays for another try.
    } finally {
      view.setLoadingEarlier(false);
    }
  }

  root.querySelector("[data-chat-load-earlier]").addEventListener("click", loadEarlier);
  window.addEventListener("online", () => courier.flushOutbox());
  handle({ type: "earlier", ...config.initial });
  if (config.closed) showClosed();
  connection.start();
  return { store, view, composer, connection, socket: connection.socket, courier, reads, sendText };
}

const root = document.querySelector("[data-chat]");
const configNode = document.getElementById("chat-config");
if (root && configNode) {
  // Kept on the element for the console and the browser tests.
  root.chat = startChat(root, JSON.parse(configNode.textContent));
}
