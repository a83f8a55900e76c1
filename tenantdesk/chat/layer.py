"""What a socket does when the channel layer (Redis) or the database (PostgreSQL) goes
away under it, and the layer production uses: channels_redis' pub/sub layer, watched so
that an outage is noticed.

Without the layer a socket would miss messages silently, and without the database it can
neither open (its session is read there) nor store a frame, so it is closed with 1013
("try again later") instead: the page reconnects with back-off and catches up with `sync`
once the dependency answers. Nothing stored is lost.
"""

from __future__ import annotations

import asyncio
import logging

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close

from tenantdesk.chat.ws.protocol import Close
from tenantdesk.core.outages import DATABASE_ERRORS, REDIS_ERRORS, Outage, database_outage

logger = logging.getLogger(__name__)
# The channel layer (Redis in production) as this process sees it.
layer_outage = Outage("the chat's channel layer", logger)

# Put into every socket's queue when the layer loses Redis (see _WatchedShard).
LAYER_LOST = {"type": "layer.lost"}


class ClosesWhenADependencyFails:
    """Mixin for a Channels consumer: a channel layer or database failure closes the socket
    with 1013, whether it raises (joining groups, reading the session at the handshake, a
    recheck on an event, the queue layer's receive) or is only reported (the pub/sub
    layer's `layer.lost` event, or a frame's database error, already answered with an
    error frame: close_if_database_away)."""

    accepted = False

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except (*DATABASE_ERRORS, *REDIS_ERRORS) as error:
            outage = database_outage if isinstance(error, DATABASE_ERRORS) else layer_outage
            outage.failed(error)
            try:
                if not self.accepted:  # else the client sees only a failed handshake
                    await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": int(Close.TRY_AGAIN_LATER)})
            except Exception:  # the client is gone already; nothing is left to tell it
                logger.debug("socket gone before its close after a dependency failed")

    async def accept(self, subprotocol=None, headers=None):
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def layer_lost(self, event):
        await self.close(code=Close.TRY_AGAIN_LATER)

    async def close_if_database_away(self, error: BaseException) -> bool:
        """After a frame failed and was answered: if the database is away, close with 1013
        too, so the page backs off and reconnects instead of sending more into it."""
        if not isinstance(error, DATABASE_ERRORS):
            return False
        database_outage.failed(error)
        await self.close(code=Close.TRY_AGAIN_LATER)
        return True


class _WatchedShard(RedisSingleShardConnection):
    """channels_redis' connection to one Redis, reporting when its subscription breaks.

    The pub/sub layer keeps receiving in a background task that logs a failure and tries
    again a second later; redis-py then reconnects and subscribes anew, but whatever was
    published meanwhile is gone and no socket would know. Here the first failure of an
    outage sends LAYER_LOST to every socket of this process (they close with 1013 and
    catch up on reconnect), and the outage is logged once (core.outages)."""

    lost = False

    def _ensure_redis(self):
        fresh = self._redis is None
        super()._ensure_redis()
        if fresh:
            self._pubsub.get_message = self._watched(self._pubsub.get_message)

    def _watched(self, get_message):
        async def watched(*args, **kwargs):
            try:
                message = await get_message(*args, **kwargs)
            except (TimeoutError, asyncio.CancelledError, GeneratorExit):
                raise
            except Exception as error:
                self._lose(error)
                raise
            if self.lost:
                self.lost = False
                layer_outage.recovered()
            return message

        return watched

    def _lose(self, error: Exception) -> None:
        layer_outage.failed(error)
        if self.lost:
            return
        self.lost = True
        data = self.channel_layer.channel_layer.serialize(LAYER_LOST)
        for queue in self.channel_layer.channels.values():
            queue.put_nowait(data)

    async def publish_many(self, items: list[tuple[str, bytes]]) -> None:
        """Several PUBLISHes in one round trip (a pipeline), under the shard's lock as
        channels_redis' own publish takes it: one message's broadcasts (its request and
        the inbox groups) cost one trip to Redis, not one each, one after the other."""
        async with self._lock:
            self._ensure_redis()
            async with self._redis.pipeline(transaction=False) as pipe:
                for channel, message in items:
                    pipe.publish(channel, message)
                await pipe.execute()


class _WatchedLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, hosts=None, **kwargs):
        super().__init__(*args, hosts=hosts, **kwargs)
        self._shards = [_WatchedShard(shard.host, self) for shard in self._shards]

    async def group_send_many(self, sends: list[tuple[str, dict]]) -> None:
        """group_send for each (group, message), in one round trip per Redis shard."""
        by_shard: dict[_WatchedShard, list[tuple[str, bytes]]] = {}
        for group, message in sends:
            channel = self._get_group_channel_name(group)
            by_shard.setdefault(self._get_shard(channel), []).append(
                (channel, self.channel_layer.serialize(message))
            )
        await asyncio.gather(*(shard.publish_many(items) for shard, items in by_shard.items()))


class WatchedPubSubChannelLayer(RedisPubSubChannelLayer):
    """The pub/sub layer (one PUBLISH per broadcast, no per-channel queues in Redis) with
    its outages reported to the sockets. Written against channels_redis 4.3."""

    async def group_send_many(self, sends: list[tuple[str, dict]]) -> None:
        """Each (group, message) sent, one round trip to Redis for them all."""
        await self._get_layer().group_send_many(sends)

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        if loop not in self._layers:  # as the base class does, with the watched layer
            self._layers[loop] = _WatchedLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return self._layers[loop]
