"""How fast one person may post messages over HTTP (the socket counts per connection).

A fixed 10-second window per user in the `ratelimit` cache: Redis when REDIS_URL is set,
so every worker counts together; this process's memory otherwise. At a window's edge a
burst of up to twice the rate can pass, which is fine for a guard against floods.
"""

import time

from django.conf import settings
from django.core.cache import caches

WINDOW_SECONDS = 10


def http_send_allowed(user_id: int) -> bool:
    """Counts one send for the user; False once the window's allowance is used up."""
    cache = caches["ratelimit"]
    key = f"chat-send:{user_id}:{int(time.time() // WINDOW_SECONDS)}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    return count <= settings.CHAT_SEND_RATE
