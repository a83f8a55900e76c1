"""Telling open sockets what happened, once it is committed.

Services call `after_commit(group, event)`. Normally the event goes out through the channel
layer when the transaction commits, from the calling thread (a page's request, a signal);
`send_now` works from any thread, one running an event loop included (see there).
A socket instead runs its services inside `collecting()` in the database thread and sends
what was collected itself, on the event loop, once the thread has returned
(`send_collected`): the database thread is not held while Redis answers, and nothing is
ever sent for data that was rolled back.

A channel layer outage never turns a stored message (or a sign-out) into an error: clients
catch up with `sync` when they reconnect; the outage is logged once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from tenantdesk.chat.layer import layer_outage
from tenantdesk.core.dbthread import in_database_thread
from tenantdesk.core.outages import REDIS_ERRORS

logger = logging.getLogger(__name__)
_collector = threading.local()


def after_commit(group: str, event: dict) -> None:
    """Send the event to the group once the current transaction commits (now, outside one)."""

    def fire():
        outbox = getattr(_collector, "outbox", None)
        if outbox is not None:
            outbox.append((group, event))
        else:
            send_now(group, event)

    transaction.on_commit(fire)


@contextmanager
def collecting() -> Iterator[list]:
    """Within the block, committed events are kept in the yielded list instead of sent."""
    _collector.outbox = outbox = []
    try:
        yield outbox
    finally:
        del _collector.outbox


@contextmanager
def sent_together() -> Iterator[None]:
    """For synchronous code (the HTTP send): what the block's writes broadcast once
    committed is kept, then sent when the block ends in one trip to the event loop and,
    on Redis, one pipeline, as a socket's write_and_broadcast sends it. A message was
    three trips (its request's group, then the two inboxes'), each an async_to_sync hop
    and a Redis round trip. Within a block that already collects, the outer one sends."""
    if getattr(_collector, "outbox", None) is not None:
        yield
        return
    with collecting() as outbox:
        try:
            yield
        finally:
            # Only what was committed is in the outbox: sent even if the block then failed.
            send_all_now(list(outbox))


def send_now(group: str, event: dict) -> None:
    """From synchronous code, on any thread: send through the channel layer."""
    send_all_now([(group, event)])


def send_all_now(outbox: list) -> None:
    """From synchronous code, on any thread: send each (group, event) through the channel
    layer, in one trip to the event loop (a trip per event costs a fresh loop and Redis
    connection).

    A thread without a running event loop (a request's, the task worker's, a
    sync_to_async or database thread) sends before this returns. On a thread whose loop
    is running (a signal fired from async code, the browser tests' thread that
    Playwright's loop runs in) async_to_sync refuses and this cannot wait: the sends are
    handed to that loop as a task, after the ones handed to it before."""
    if not outbox or get_channel_layer() is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(send_collected)(outbox)
    else:
        _send_on_loop(loop, outbox)


# Per event loop: the last send handed to it by send_all_now, still running; gone once
# done. Only that loop's thread touches its entry.
_loop_sends: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}


def _send_on_loop(loop: asyncio.AbstractEventLoop, outbox: list) -> None:
    previous = _loop_sends.get(loop)

    async def send():
        if previous is not None:  # in order: its outcome was reported by itself
            await asyncio.wait([previous])
        await send_collected(outbox)

    # Kept here until done: the loop holds only a weak reference to a task.
    task = _loop_sends[loop] = loop.create_task(send())

    def forget(done: asyncio.Task) -> None:
        if _loop_sends.get(loop) is done:
            del _loop_sends[loop]

    task.add_done_callback(forget)


async def send_collected(outbox: list) -> None:
    """From the event loop: send what `collecting()` kept, in order: in one round trip
    to Redis where the layer can (chat.layer's group_send_many, a pipeline), else one
    group_send after the other (the in-memory layer)."""
    layer = get_channel_layer()
    if layer is None or not outbox:
        return
    many = getattr(layer, "group_send_many", None)
    if many is not None:
        with _reported(outbox[0][0] if len(outbox) == 1 else f"{len(outbox)} groups"):
            await many(outbox)
        return
    for group, event in outbox:
        with _reported(group):
            await layer.group_send(group, event)


async def write_and_broadcast(func, *args, **kwargs):
    """From the event loop: func in a database thread (core.dbthread), then what it
    broadcast, sent from the loop once the thread is done."""

    def work():
        with collecting() as outbox:
            return func(*args, **kwargs), outbox

    result, outbox = await in_database_thread(work)
    await send_collected(outbox)
    return result


# Per request: [its lock, how many sends hold or wait for it]; gone when none do.
_request_turns: dict[int, list] = {}


@asynccontextmanager
async def in_turn(service_request_id: int):
    """This worker's writes to one request, one at a time, each with its broadcast.

    The database threads finish in any order: without turns a message could overtake,
    on its way out, the one stored just before it in the same request."""
    turn = _request_turns.setdefault(service_request_id, [asyncio.Lock(), 0])
    turn[1] += 1
    try:
        async with turn[0]:
            yield
    finally:
        turn[1] -= 1
        if not turn[1]:
            del _request_turns[service_request_id]


@contextmanager
def _reported(group: str) -> Iterator[None]:
    try:
        yield
    except REDIS_ERRORS as error:
        layer_outage.failed(error)
    except Exception:
        logger.exception("chat broadcast to %s failed", group)
    else:
        layer_outage.recovered()
