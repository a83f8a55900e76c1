"""The chat's store (chat/js/store.js) and its catch-up loop (chat/js/catchup.js), unit-tested
in the Chromium the browser tests drive: no Node. Each test opens the live server's home
page and imports the modules from their static URLs, so they run exactly as the chat page
loads them, under the site's Content-Security-Policy."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PRELUDE = """
const { ChatStore } = await import('/static/chat/js/store.js');
const { catchUp } = await import('/static/chat/js/catchup.js');
// A stored message as the server sends it; `mine` and `status` as the reader sees them.
const msg = (id, extra = {}) => ({
  id, kind: 'user', mine: false, status: 'sent', delivered_at: null, client_id: null,
  text: `m${id}`, attachments: [], day: '2026-11-27', time_label: '10:00', ...extra,
});
const ids = (messages) => messages.map((m) => m.id);
"""


@pytest.fixture
def run(asgi_server, page):
    """Runs the body of an async function after PRELUDE in the page; returns its result."""
    page.goto(asgi_server.url + "/")

    def run(body, arg=None):
        return page.evaluate(f"async (arg) => {{ {PRELUDE}\n{body} }}", arg)

    return run


def test_messages_are_kept_in_id_order_whatever_order_they_arrive_in(run):
    result = run(
        """
        const store = new ChatStore();
        const first = store.apply({type: 'earlier', messages: [msg(5), msg(7)], has_more: true});
        const live = store.apply({type: 'message', message: msg(9)});
        const sync = store.apply({type: 'sync', after_id: 5, messages: [msg(8), msg(6)],
                                  has_more: false, receipts: []});
        const older = store.apply({type: 'earlier', messages: [msg(2), msg(3)], has_more: false});
        return {
          order: ids(store.list()), firstAdded: ids(first.added), liveAdded: ids(live.added),
          syncAdded: ids(sync.added), olderAdded: ids(older.added), lastId: store.lastId,
          oldestId: store.oldestId, hasEarlier: store.hasEarlier,
        };
        """
    )
    assert result == {
        "order": [2, 3, 5, 6, 7, 8, 9],
        "firstAdded": [5, 7],
        "liveAdded": [9],
        "syncAdded": [6, 8],  # oldest first, however the page listed them
        "olderAdded": [2, 3],
        "lastId": 9,
        "oldestId": 2,
        "hasEarlier": False,
    }


def test_a_message_seen_twice_is_kept_once_and_only_its_news_counts(run):
    result = run(
        """
        const store = new ChatStore();
        store.apply({type: 'message', message: msg(4, {mine: true})});
        const again = store.apply({type: 'message', message: msg(4, {mine: true})});
        const overlapping = store.apply({type: 'page', after_id: 3, has_more: false,
          messages: [msg(4, {mine: true, status: 'delivered', delivered_at: 'x'}), msg(5)]});
        const stale = store.apply({type: 'message', message: msg(4, {mine: true})});
        return {
          order: ids(store.list()), again: [ids(again.added), again.updated.length],
          overlapping: [ids(overlapping.added), ids(overlapping.updated)],
          stale: stale.updated.length, status: store.messages.get(4).status,
        };
        """
    )
    assert result == {
        "order": [4, 5],
        "again": [[], 0],
        "overlapping": [[5], [4]],  # delivered is news; the page's copy of 4 is not new
        "stale": 0,  # an older copy does not take "delivered" back
        "status": "delivered",
    }


def test_the_other_sides_messages_are_acknowledged_once_and_never_ones_own(run):
    result = run(
        """
        const store = new ChatStore();
        const first = store.apply({type: 'earlier', has_more: false, messages: [
          msg(1), msg(2, {mine: true}), msg(3, {kind: 'system'}), msg(4, {status: 'delivered'}),
        ]});
        const again = store.apply({type: 'message', message: msg(1)});
        return [first.acknowledge, again.acknowledge];
        """
    )
    assert result == [[1], []]


def test_an_outbox_message_is_resent_after_a_reconnect_and_stored_once(run):
    result = run(
        """
        const store = new ChatStore();
        store.apply({type: 'earlier', messages: [msg(1)], has_more: false});
        const queued = store.queue('on my way', 'c-1');
        // Sent over the socket, which dropped before the answer came.
        store.apply({type: 'connection.lost'});
        const stillQueued = store.pending().map((entry) => [entry.client_id, entry.text]);
        // Sent again after the reconnect, answered "not now" once, then stored.
        const later = store.apply({type: 'error', client_id: 'c-1', code: 'rate_limited',
                                   detail: 'Too many'});
        const queuedAfterRefusal = store.pending().length;
        const stored = store.apply({type: 'message',
          message: msg(2, {mine: true, client_id: 'c-1', text: 'on my way'})});
        // The first send did reach the server: its answer (the same message) comes too.
        const duplicate = store.apply({type: 'message',
          message: msg(2, {mine: true, client_id: 'c-1', text: 'on my way'})});
        return {
          queued: queued.queued, stillQueued, later: [later.retryLater, later.error],
          queuedAfterRefusal, confirmed: stored.confirmed, added: ids(stored.added),
          duplicate: [duplicate.confirmed, ids(duplicate.added)], outbox: store.pending().length,
          order: ids(store.list()),
        };
        """
    )
    assert result == {
        "queued": {"client_id": "c-1", "text": "on my way"},
        "stillQueued": [["c-1", "on my way"]],
        "later": [True, None],
        "queuedAfterRefusal": 1,
        "confirmed": ["c-1"],
        "added": [2],
        "duplicate": [[], []],
        "outbox": 0,
        "order": [1, 2],
    }


def test_a_refused_message_leaves_the_outbox_with_its_text_and_reason(run):
    result = run(
        """
        const store = new ChatStore();
        store.queue('x'.repeat(5000), 'c-9');
        const refused = store.apply({type: 'error', client_id: 'c-9', code: 'too_long',
                                     detail: 'The message is too long.'});
        const closed = store.apply({type: 'error', code: 'closed', detail: 'Closed.'});
        const closedAgain = store.apply({type: 'request.status', status: 'closed',
                                         status_label: 'Closed', closed: true});
        return [refused.refused.text.length, refused.error, store.pending().length,
                closed.closed, closedAgain.closed, closedAgain.status, store.closed];
        """
    )
    assert result == [
        5000,
        "The message is too long.",
        0,
        True,
        False,  # already read-only: nothing new to do
        {"status": "closed", "label": "Closed"},
        True,
    ]


def test_a_live_message_overtaking_the_catch_up_loses_nothing(run):
    """The socket comes back; a live message arrives before the first page of what was
    missed. The loop pages on from each page's end, so nothing between is skipped."""
    result = run(
        """
        const server = Array.from({length: 200}, (_, i) => msg(i + 1));
        const store = new ChatStore();
        store.apply({type: 'earlier', messages: server.slice(0, 3), has_more: false});
        store.apply({type: 'connection.lost'});
        store.apply({type: 'message', message: server[199]});  // live, overtaking
        const asked = [];
        const fetchPage = async (after) => {
          asked.push(after);
          const rest = server.filter((m) => m.id > after);
          return {type: 'sync', after_id: after, messages: rest.slice(0, 50),
                  has_more: rest.length > 50, receipts: []};
        };
        const syncedBefore = store.syncedTo;
        await catchUp(store.syncedTo, fetchPage, (frame) => store.apply(frame));
        const order = ids(store.list());
        return {syncedBefore, asked, count: order.length,
                contiguous: order.every((id, i) => id === i + 1),
                syncedTo: store.syncedTo, live: store.live};
        """
    )
    assert result == {
        "syncedBefore": 3,  # the live message does not count as caught up
        "asked": [3, 53, 103, 153],
        "count": 200,
        "contiguous": True,
        "syncedTo": 200,
        "live": True,
    }


def test_a_drop_right_after_an_overtaking_live_message_still_catches_up_the_overtaken(run):
    """With two workers, message 5 can arrive live before 4 (each worker publishes after
    its own commit). If the socket drops before 4 arrives, the catch-up must still start
    below 4: live extensions of the last 10 s are taken back, settled ones are kept."""
    result = run(
        """
        let clock = 1000000;
        const store = new ChatStore({now: () => clock});
        store.apply({type: 'earlier', messages: [msg(1), msg(2)], has_more: false});
        store.apply({type: 'sync', after_id: 2, messages: [], has_more: false, receipts: []});
        store.apply({type: 'message', message: msg(3)});
        clock += 20000;  // 3 came live 20 s ago: settled
        store.apply({type: 'message', message: msg(5)});  // overtook 4
        clock += 300;
        store.apply({type: 'connection.lost'});
        const from = store.syncedTo;
        const server = [1, 2, 3, 4, 5, 6].map((id) => msg(id));
        const added = [];
        await catchUp(store.syncedTo, async (after) => ({
          type: 'sync', after_id: after, messages: server.filter((m) => m.id > after),
          has_more: false, receipts: [],
        }), (frame) => added.push(...ids(store.apply(frame).added)));
        return {from, added, order: ids(store.list()), syncedTo: store.syncedTo};
        """
    )
    assert result == {"from": 3, "added": [4, 6], "order": [1, 2, 3, 4, 5, 6], "syncedTo": 6}


def test_a_catch_up_cut_short_resumes_where_its_pages_ended(run):
    result = run(
        """
        const server = Array.from({length: 120}, (_, i) => msg(i + 1));
        const store = new ChatStore();
        store.apply({type: 'earlier', messages: server.slice(0, 10), has_more: false});
        store.apply({type: 'connection.lost'});
        store.apply({type: 'message', message: server[119]});
        const page = (after) => {
          const rest = server.filter((m) => m.id > after);
          return {type: 'sync', after_id: after, messages: rest.slice(0, 50),
                  has_more: rest.length > 50, receipts: []};
        };
        let calls = 0;
        // The socket drops after the first page: the loop's next request fails.
        const dropping = async (after) => {
          if (++calls > 1) throw new Error('socket closed');
          return page(after);
        };
        await catchUp(store.syncedTo, dropping, (frame) => store.apply(frame)).catch(() => {});
        store.apply({type: 'connection.lost'});
        const resumeFrom = store.syncedTo;
        // Offline, the page polls over HTTP: the same loop, HTTP pages.
        await catchUp(store.syncedTo, async (after) => ({...page(after), type: 'page'}),
                      (frame) => store.apply(frame));
        const order = ids(store.list());
        return {resumeFrom, count: order.length, live: store.live, syncedTo: store.syncedTo};
        """
    )
    # HTTP pages extend what the page has but never make it "live": that is the socket's.
    assert result == {"resumeFrom": 60, "count": 120, "live": False, "syncedTo": 120}


def test_receipts_that_arrive_before_their_message_are_kept_for_it(run):
    result = run(
        """
        const store = new ChatStore();
        const early = store.apply({type: 'receipt', id: 7, status: 'delivered',
                                   delivered_at: '2026-11-27T10:00:00+03:00'});
        // A sync frame carries receipts first, then the messages they belong to.
        const sync = store.apply({type: 'sync', after_id: 0, has_more: false,
          receipts: [{id: 8, status: 'delivered', delivered_at: 'y'}],
          messages: [msg(7, {mine: true}), msg(8, {mine: true}), msg(9, {mine: true})]});
        const byId = Object.fromEntries(store.list().map((m) => [m.id, m.status]));
        return {early: early.updated.length, added: ids(sync.added), byId,
                awaiting: store.ownIdsAwaitingReceipts(), left: store.earlyReceipts.size};
        """
    )
    assert result == {
        "early": 0,
        "added": [7, 8, 9],
        "byId": {"7": "delivered", "8": "delivered", "9": "sent"},
        "awaiting": [7, 8, 9],  # not read yet: what a reconnecting page asks receipts for
        "left": 0,
    }


def test_own_messages_go_sent_delivered_read_and_never_back(run):
    result = run(
        """
        const store = new ChatStore();
        store.apply({type: 'earlier', has_more: false, messages: [
          msg(1, {mine: true}), msg(2, {mine: true}), msg(3, {mine: true}),
        ]});
        const seen = [];
        const step = (frame) => {
          const changes = store.apply(frame);
          seen.push(changes.updated.map((m) => `${m.id}:${m.status}`));
        };
        step({type: 'receipt', id: 1, status: 'delivered', delivered_at: 'd1'});
        step({type: 'receipt', id: 1, status: 'read', read_at: 'r1'});
        // Late news of an earlier step changes nothing.
        step({type: 'receipt', id: 1, status: 'delivered', delivered_at: 'd1'});
        // Read without a delivered receipt first (read implies delivered).
        step({type: 'receipt', id: 2, status: 'read', read_at: 'r2'});
        // A page that was away learns it from sync's receipts.
        step({type: 'sync', after_id: 3, messages: [], has_more: false,
              receipts: [{id: 3, status: 'read', delivered_at: 'd3', read_at: 'r3'}]});
        // A copy of the message from an older page does not take "read" back either.
        step({type: 'page', after_id: 0, has_more: false, messages: [msg(3, {mine: true})]});
        const one = store.messages.get(1);
        const three = store.messages.get(3);
        return {seen, one: [one.status, one.delivered_at, one.read_at],
                three: [three.status, three.delivered_at, three.read_at],
                awaiting: store.ownIdsAwaitingReceipts()};
        """
    )
    assert result == {
        "seen": [["1:delivered"], ["1:read"], [], ["2:read"], ["3:read"], []],
        "one": ["read", "d1", "r1"],
        "three": ["read", "d3", "r3"],
        "awaiting": [],  # all read: nothing left to ask for
    }


def test_a_read_receipt_before_its_message_wins_over_an_earlier_delivered_one(run):
    result = run(
        """
        const store = new ChatStore();
        store.apply({type: 'receipt', id: 4, status: 'read', read_at: 'r4'});
        store.apply({type: 'receipt', id: 4, status: 'delivered', delivered_at: 'd4'});
        store.apply({type: 'message', message: msg(4, {mine: true})});
        const four = store.messages.get(4);
        return [four.status, four.read_at];
        """
    )
    assert result == ["read", "r4"]


def test_the_other_sides_unread_messages_are_watched_and_the_read_position_only_moves_on(run):
    """readable: what the read tracker watches (the other side's people's messages beyond
    the read position); unreadFrom: where "New messages" goes; seen(): the position."""
    result = run(
        """
        const store = new ChatStore({readUpTo: 5});
        const first = store.apply({type: 'earlier', has_more: true, messages: [
          msg(4), msg(5), msg(6, {status: 'read'}), msg(7, {mine: true}),
          msg(8, {kind: 'system'}), msg(9),
        ]});
        const unreadFrom = store.unreadFrom;
        const moves = [store.seen(6), store.seen(6), store.seen(3), store.seen(9)];
        const live = store.apply({type: 'message', message: msg(10)});
        const older = store.apply({type: 'earlier', has_more: false, messages: [msg(2)]});
        return {readable: first.readable, acknowledge: first.acknowledge, unreadFrom, moves,
                readUpTo: store.readUpTo, live: live.readable, older: older.readable,
                unreadFromAfter: store.unreadFrom};
        """
    )
    assert result == {
        # 6 was read by a colleague, but not by this reader: still to be seen here.
        "readable": [6, 9],
        # Only what is still "sent" is reported delivered; read implies delivered.
        "acknowledge": [4, 5, 9],
        "unreadFrom": 6,
        "moves": [6, None, None, 9],
        "readUpTo": 9,
        "live": [10],
        "older": [],  # below the read position
        "unreadFromAfter": 6,  # fixed when the page opened
    }
