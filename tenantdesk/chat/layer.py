"""What a socket does when the channel layer (Redis) goes away under it."""

from __future__ import annotations

import logging

from tenantdesk.chat.broadcast import layer_outage
from tenantdesk.chat.protocol import CLOSE_TRY_AGAIN_LATER
from tenantdesk.core.outages import REDIS_ERRORS

logger = logging.getLogger(__name__)


class ClosesWhenTheLayerFails:
    """Mixin for a Channels consumer: a channel layer error closes the socket with 1013.

    The layer can fail while the socket joins its groups or while it waits for the next
    broadcast. Without the layer the socket would miss messages silently, so it is closed
    with "try again later" instead of dropped: the page reconnects with back-off and
    catches up with `sync` once Redis answers. Nothing stored is lost.
    """

    accepted = False

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except REDIS_ERRORS as error:
            layer_outage.failed(error)
            try:
                if not self.accepted:  # else the client sees only a failed handshake
                    await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})
            except Exception:  # the client is gone already; nothing is left to tell it
                logger.debug("socket gone before its close after a channel layer error")

    async def accept(self, subprotocol=None, headers=None):
        await super().accept(subprotocol, headers)
        self.accepted = True
