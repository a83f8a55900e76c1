"""How fast one person may post messages: CHAT_SEND_RATE per 10 s, whichever way they send
(any number of sockets, tabs and workers, and the HTTP fallback, count together).

A fixed 10-second window per user in the `ratelimit` cache: Redis when REDIS_URL is set,
so every worker counts together; this process's memory otherwise. At a window's edge a
burst of up to twice the rate can pass, which is fine for a guard against floods.

The limit fails open: when Redis cannot be reached the count continues in this process
(each worker then allows the rate on its own) and the outage is logged once. A guard
against floods must never be the reason a message is lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext as _

from tenantdesk.core.errors import RateLimited
from tenantdesk.core.outages import REDIS_ERRORS, Outage

WINDOW_SECONDS = 10
# The clock the windows are cut from (tests hold it still: a window's edge is wall time).
clock = time.time

logger = logging.getLogger(__name__)
cache_outage = Outage("the send limit's shared cache", logger)


class _ProcessCounts:
    """The fallback: counts of the current window only, in this process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._window = None
        self._counts: dict[str, int] = {}

    def incr(self, key: str, window: int) -> int:
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]


_process_counts = _ProcessCounts()


_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def _shared_client(location: str, options: dict) -> redis.Redis:
    """One redis-py client (one connection pool) per process. Django's caches are per
    thread, and under ASGI every request runs in a new thread: through the cache each
    send opened a new connection to Redis."""
    with _clients_lock:
        if location not in _clients:
            # driver_info=None: no CLIENT SETINFO, whose library-version lookup cost more
            # than the command itself.
            _clients[location] = redis.Redis.from_url(location, driver_info=None, **options)
        return _clients[location]


def _incr_in_cache(key: str) -> int:
    cache = caches["ratelimit"]
    if isinstance(cache, RedisCache):
        # One round trip: INCR, and an expiry set only when the key is new. (Django's own
        # add + incr take three: incr asks whether the key exists first.)
        full_key = cache.make_and_validate_key(key)
        config = settings.CACHES["ratelimit"]
        client = _shared_client(config["LOCATION"], config.get("OPTIONS", {}))
        pipe = client.pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, WINDOW_SECONDS * 2, nx=True)
        return pipe.execute()[0]
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        return 1


def check_send_rate(user_id: int) -> None:
    """Counts one send for the user; RateLimited once the window's allowance is used up."""
    if not send_allowed(user_id):
        raise RateLimited(_("You are sending messages too fast; wait a few seconds."))


def send_allowed(user_id: int) -> bool:
    """Counts one send for the user; False once the window's allowance is used up."""
    window = int(clock() // WINDOW_SECONDS)
    key = f"chat-send:{user_id}:{window}"
    try:
        count = _incr_in_cache(key)
    except REDIS_ERRORS as error:
        cache_outage.failed(error)
        count = _process_counts.incr(key, window)
    else:
        cache_outage.recovered()
    return count <= settings.CHAT_SEND_RATE


class SlidingWindow:
    """A cap on events of one socket (every frame costs work): `hit()` counts one and says
    whether it is over `limit` within the last WINDOW_SECONDS. Kept in the socket's own
    memory: a flood from one socket is that socket's problem, not the user's."""

    def __init__(self, limit: int):
        self.limit = limit
        self._times: deque[float] = deque()

    def hit(self) -> bool:
        now = time.monotonic()
        while self._times and now - self._times[0] > WINDOW_SECONDS:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return True
        self._times.append(now)
        return False
