"""The client's IP address, as the lock-out and the sign-in log see it.

X-Forwarded-For is only believed when TRUSTED_PROXY_COUNT says how many of our own proxies
stand in front of the app. Each proxy appends the address it saw, so the client is the
entry TRUSTED_PROXY_COUNT places from the right; anything further left was written by the
client and may be forged. With no trusted proxy the header is ignored.
"""

import ipaddress

from django.conf import settings


def _valid_ip(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote_addr = _valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote_addr
    return _valid_ip(forwarded[-proxies]) or remote_addr
