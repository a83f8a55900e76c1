"""Telling open sockets what happened, once it is committed.

Services call `after_commit(group, event)`. Normally the event goes out through the channel
layer when the transaction commits, from the calling thread (a page's request, a signal).
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


def send_now(group: str, event: dict) -> None:
    """From synchronous code: send through the channel layer."""
    layer = get_channel_layer()
    if layer is not None:
        with _reported(group):
            async_to_sync(layer.group_send)(group, event)


def send_all_now(outbox: list) -> None:
    """From synchronous code: send each (group, event) through the channel layer, in one
    trip to the event loop (a trip per event costs a fresh loop and Redis connection)."""
    if outbox and get_channel_layer() is not None:
        with _reported(outbox[0][0] if len(outbox) == 1 else f"{len(outbox)} groups"):
            async_to_sync(send_collected)(outbox)


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
