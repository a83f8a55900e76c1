"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Django must be set up before the routing (which imports models) is imported.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from tenantdesk.chat.routing import websocket_urlpatterns  # noqa: E402
from tenantdesk.core.body_limit import RequestBodyLimit  # noqa: E402
from tenantdesk.core.request_id import RequestId  # noqa: E402
from tenantdesk.core.websocket_origin import SameOriginValidator  # noqa: E402

# Outermost: every log line of a request or a socket carries its id, the 413s and
# refused handshakes of the layers below included (core/request_id.py).
application = RequestId(
    ProtocolTypeRouter(
        {
            # Oversized bodies are refused by route before Django reads them.
            "http": RequestBodyLimit(django_asgi_app),
            # Only the site's own pages (scheme, host and port) may open a socket. The socket
            # reads its session itself (chat.consumers), in the one database trip it needs.
            "websocket": SameOriginValidator(URLRouter(websocket_urlpatterns)),
        }
    )
)
