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

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from tenantdesk.core.outages import REDIS_ERRORS, Outage

logger = logging.getLogger(__name__)
# The channel layer (Redis in production) as this process sees it.
layer_outage = Outage("the chat's channel layer", logger)
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


async def send_collected(outbox: list) -> None:
    """From the event loop: send what `collecting()` kept, in order."""
    layer = get_channel_layer()
    for group, event in outbox if layer is not None else ():
        with _reported(group):
            await layer.group_send(group, event)


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
