"""Two production workers share one Redis channel layer and one PostgreSQL database.

A customer on one worker and a manager on the other talk in real time; the manager's
worker is killed and restarted while the manager is connected, and after reconnecting
`sync` returns exactly the messages it missed: none lost, none twice.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.stack import (
    SEED_CHAT,
    STORED_TEXTS,
    production_stack,
    ws_connect,
    ws_next,
    ws_quiet,
    ws_reconnect,
    ws_send_text,
)

pytestmark = pytest.mark.services


@pytest.fixture
def stack(tmp_path):
    with production_stack(tmp_path, workers=2) as stack:
        yield stack


def test_messages_cross_workers_and_survive_a_worker_restart(stack):
    data = stack.python(SEED_CHAT)
    worker_a, worker_b = stack.workers
    request_id = data["request"]

    async def scenario():
        customer = await ws_connect(worker_a.port, request_id, data["customer"])
        manager = await ws_connect(worker_b.port, request_id, data["manager"])
        try:
            # 1. A message crosses from worker A to worker B, and the receipt comes back.
            client_id = await ws_send_text(customer, "hello from A")
            sent = (await ws_next(customer, "message"))["message"]
            seen = (await ws_next(manager, "message"))["message"]
            assert seen["id"] == sent["id"] and seen["text"] == "hello from A"
            await manager.send(json.dumps({"type": "message.delivered", "ids": [seen["id"]]}))
            receipt = await ws_next(customer, "receipt")
            assert receipt["id"] == sent["id"] and receipt["status"] == "delivered"

            # And back from B to A.
            await ws_send_text(manager, "reply from B")
            reply = (await ws_next(customer, "message"))["message"]
            assert reply["text"] == "reply from B"
            assert (await ws_next(manager, "message"))["message"]["id"] == reply["id"]
            last_seen = max(seen["id"], reply["id"])

            # 2. Worker B dies under the connected manager.
            worker_b.kill()
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(manager.recv(), 5)

            missed_texts = [f"while B was down {i}" for i in range(3)]
            missed_ids = []
            for text in missed_texts:
                await ws_send_text(customer, text)
                missed_ids.append((await ws_next(customer, "message"))["message"]["id"])

            # 3. B comes back; the manager reconnects and syncs from the last id it saw.
            await asyncio.to_thread(worker_b.start)
            manager2 = await ws_reconnect(worker_b.port, request_id, data["manager"])
            try:
                await manager2.send(json.dumps({"type": "sync", "after_id": last_seen}))
                synced = await ws_next(manager2, "sync")
                assert [m["id"] for m in synced["messages"]] == missed_ids
                assert [m["text"] for m in synced["messages"]] == missed_texts
                assert synced["has_more"] is False

                # Live again, exactly once.
                await ws_send_text(customer, "after the restart")
                await ws_next(customer, "message")
                live = (await ws_next(manager2, "message"))["message"]
                assert live["text"] == "after the restart"
                assert await ws_quiet(manager2)

                # A retry of the first message through the other worker is stored once.
                customer_b = await ws_connect(worker_b.port, request_id, data["customer"])
                await ws_send_text(customer_b, "hello from A", client_id=client_id)
                retried = (await ws_next(customer_b, "message"))["message"]
                await customer_b.close()
                assert retried["id"] == sent["id"]
            finally:
                await manager2.close()
        finally:
            await customer.close()
            await manager.close()

    try:
        asyncio.run(scenario())
    except BaseException as error:
        raise AssertionError(f"{error!r}\n{stack.logs()}") from error

    assert stack.python(STORED_TEXTS) == [
        "hello from A",
        "reply from B",
        "while B was down 0",
        "while B was down 1",
        "while B was down 2",
        "after the restart",
    ]
