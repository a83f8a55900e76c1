"""chat.broadcast.send_now from every kind of caller (issue 25): the frame reaches a listener
on the channel layer, whichever thread called it and whether or not that thread runs an
event loop.

A sync function called on a thread whose event loop is running (a signal fired from async
code, the browser tests' own thread, which Playwright's sync API keeps a loop running in)
cannot use async_to_sync: before the fix the broadcast was logged as failed and dropped.
"""

import asyncio
import logging
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from tenantdesk.chat.broadcast import send_now

# Generous: the machine is shared and may be busy; an arriving frame ends the wait at once.
ARRIVAL_SECONDS = 5


async def from_plain_sync_code(send):
    # A thread of its own, no event loop in it, not started by sync_to_async: a management
    # command, the task worker, a WSGI request.
    await asyncio.to_thread(send)


async def called_on_the_running_loop(send):
    # Plain sync code on the loop's own thread; it cannot be awaited, it returns at once.
    send()


async def from_a_sync_to_async_thread(send):
    await sync_to_async(send)()


async def from_a_database_sync_to_async_thread(send):
    await database_sync_to_async(send)()


CALLERS = [
    from_plain_sync_code,
    called_on_the_running_loop,
    from_a_sync_to_async_thread,
    from_a_database_sync_to_async_thread,
]


@pytest.fixture
async def listener():
    """A channel in a group of its own, as a socket's would be: (layer, group, channel)."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = f"broadcast-test-{uuid.uuid4().hex}"
    await layer.group_add(group, channel)
    yield layer, group, channel
    await layer.group_discard(group, channel)


@pytest.mark.parametrize("caller", CALLERS, ids=lambda caller: caller.__name__)
async def test_the_frame_arrives_whoever_calls_send_now(listener, caller, caplog):
    layer, group, channel = listener
    event = {"type": "access.changed", "marker": uuid.uuid4().hex}

    with caplog.at_level(logging.ERROR, logger="tenantdesk.chat.broadcast"):
        await caller(lambda: send_now(group, event))
        received = await asyncio.wait_for(layer.receive(channel), ARRIVAL_SECONDS)

    assert received == event
    assert caplog.records == []  # not reported as failed either


async def test_sends_made_on_the_loop_arrive_in_the_order_they_were_made(listener):
    # The one on the loop is sent later, by a task: several in a row must not overtake
    # each other (a "session ended" after an "access changed" stays after it).
    layer, group, channel = listener
    events = [{"type": "access.changed", "n": n} for n in range(5)]
    for event in events:
        send_now(group, event)

    received = [await asyncio.wait_for(layer.receive(channel), ARRIVAL_SECONDS) for _ in events]
    assert received == events


async def test_a_send_on_the_loop_that_fails_is_reported_not_lost_silently(
    listener, monkeypatch, caplog
):
    layer, group, channel = listener
    failed = asyncio.Event()

    async def refuse(*args, **kwargs):
        failed.set()
        raise ValueError("refused")

    # Both ways a send leaves: one group_send, or the Redis layers' pipelined group_send_many.
    monkeypatch.setattr(layer, "group_send", refuse)
    monkeypatch.setattr(layer, "group_send_many", refuse, raising=False)
    with caplog.at_level(logging.ERROR, logger="tenantdesk.chat.broadcast"):
        send_now(group, {"type": "access.changed"})
        await asyncio.wait_for(failed.wait(), ARRIVAL_SECONDS)
    assert [record.getMessage() for record in caplog.records] == [
        f"chat broadcast to {group} failed"
    ]
