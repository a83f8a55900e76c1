"""/readyz on Redis: the channel layer probe leaves no subscription behind in the worker."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from tenantdesk.core import health
from tests.integration.stack import redis_url

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_probes_on_the_pubsub_layer_leave_no_subscription(settings):
    redis_url()  # skips (fails under TENANTDESK_REQUIRE) without Redis
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("PubSubChannelLayer")

    async def probe_often():
        for _ in range(10):
            ready, parts = await health.readiness()
            assert ready, parts
        # channels_redis' own bookkeeping (4.3): queues of this process, and what each
        # connection to Redis is subscribed to.
        layer = get_channel_layer()._get_layer()
        return len(layer.channels), sum(len(shard._subscribed_to) for shard in layer._shards)

    assert asyncio.run(probe_often()) == (0, 0)
