"""Only the site's own pages may open its WebSockets.

A browser sends the session cookie with any WebSocket to our host, whichever page opened
it, and WebSockets are not bound by the same-origin policy: the Origin header is the only
sign of who is asking. Channels' AllowedHostsOriginValidator compares host names only, so a
page on another port or scheme of the same host (http://127.0.0.1:9999 against a site on
:8000) could read a victim's chat. Here the Origin must equal one of the site's own
origins, scheme, host and port alike:

* each of CSRF_TRUSTED_ORIGINS (as Django's CSRF check reads it, "*." wildcards included);
* the Host the socket was opened to, when it is one of ALLOWED_HOSTS, on the scheme the site
  is served on (wss, or https said by the proxy through SECURE_PROXY_SSL_HEADER).

A missing or "null" Origin is refused, and so is a Host outside ALLOWED_HOSTS.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_parts(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL, the port made explicit; None if unusable."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _header(scope, name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers", []) if key.lower() == name]
    if len(values) != 1:  # absent, or sent twice: neither is a browser's honest answer
        return None
    return values[0].decode("latin-1")


def _served_scheme(scope) -> str:
    if scope.get("scheme") == "wss":
        return "https"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, expected = proxy_header
        # "HTTP_X_FORWARDED_PROTO" → b"x-forwarded-proto"
        header = name.removeprefix("HTTP_").replace("_", "-").lower().encode()
        if (_header(scope, header) or "").split(",")[0].strip() == expected:
            return "https"
    return "http"


def _trusted_origin(origin: tuple[str, str, int]) -> bool:
    scheme, host, port = origin
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        trusted_scheme, _sep, netloc = trusted.partition("://")
        # "https://*.example.com" trusts example.com and its subdomains, as Django's CSRF does.
        wildcard = netloc.startswith("*.")
        parts = _origin_parts(f"{trusted_scheme}://{netloc.removeprefix('*.')}")
        if parts is None or parts[0] != scheme or parts[2] != port:
            continue
        if host == parts[1] or (wildcard and host.endswith("." + parts[1])):
            return True
    return False


def is_own_origin(scope) -> bool:
    """Whether this WebSocket handshake comes from one of the site's own pages."""
    origin_header = _header(scope, b"origin")
    origin = _origin_parts(origin_header) if origin_header else None
    host_header = _header(scope, b"host")
    if origin is None or not host_header:
        return False
    domain, _port = split_domain_port(host_header)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    if _trusted_origin(origin):
        return True
    served = _origin_parts(f"{_served_scheme(scope)}://{host_header}")
    return served is not None and origin == served


class SameOriginValidator:
    """ASGI middleware: refuses a WebSocket handshake from any page but the site's own."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not is_own_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
