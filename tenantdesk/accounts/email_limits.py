"""How many account e-mails (password reset, confirming a new address) one address and one
client may cause in an hour, so that the forms cannot be used to flood someone's mailbox.

Counted in the `ratelimit` cache (Redis when REDIS_URL is set, so every worker counts
together; this process's memory otherwise). Each count's hour starts with its first
e-mail. Addresses are kept as hashes: the cache never holds anyone's address.

The limit fails open: when Redis cannot be reached the e-mail is allowed and the outage
logged once; a person locked out of their account is worse than one extra e-mail.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches

from tenantdesk.core.outages import REDIS_ERRORS, Outage

WINDOW_SECONDS = 3600

logger = logging.getLogger(__name__)
cache_outage = Outage("the account e-mail limit's shared cache", logger)


def _count(key: str) -> int:
    """One more in this key's hour; the count so far, this one included."""
    cache = caches["ratelimit"]
    # add() starts the hour only for a new key; incr() keeps its expiry (locmem and Redis).
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new hour
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


def _address_key(kind: str, address: str) -> str:
    digest = hashlib.sha256(address.strip().casefold().encode()).hexdigest()
    return f"account-email:{kind}:address:{digest}"


def account_email_allowed(*, kind: str, address: str, client: str | None) -> bool:
    """Counts one e-mail of this kind ("reset", "email-change") to `address` asked for by
    `client` (an IP address); False when either is over its hourly limit.

    The client is counted first and an address only when its client is within the limit:
    one client's flood does not use up the address's allowance for its owner.
    """
    try:
        if _count(f"account-email:{kind}:ip:{client or ''}") > settings.PASSWORD_RESET_LIMIT_PER_IP:
            allowed = False
        else:
            allowed = (
                _count(_address_key(kind, address)) <= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
            )
    except REDIS_ERRORS as error:
        cache_outage.failed(error)
        return True
    cache_outage.recovered()
    return allowed
