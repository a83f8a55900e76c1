"""Probes for nginx, process managers and the scale test: /healthz and /readyz.

/healthz (liveness) answers 200 "ok" from the worker's event loop and touches nothing
else: a worker whose database or Redis is down is still alive, and restarting it would
not bring them back.

/readyz (readiness) asks each dependency a worker needs to serve the chat:

* database: a `SELECT 1` on the default connection (the pool's, in production);
* cache: a round trip to every configured cache (Redis for the send limit in production);
* channel_layer: a message sent to a private channel of the configured layer and received
  back, the path every broadcast takes between workers;
* storage: `exists()` on a probe key of the default storage (local disk or the bucket).

All run at once, each bounded by READINESS_TIMEOUT_SECONDS. A check that does not answer
in time is left to finish on its own (a hung Redis cannot hold the probe), and a later
probe waits for that same check instead of piling another one on the hung dependency.
The answer names each part and, for a failing one, only a short reason ("timeout" or the
exception's class): exception messages may carry host names, paths or credentials.
Failures are logged once per outage (core.outages), not once per probe.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tenantdesk.core.outages import RETRY_AFTER_SECONDS, Outage

logger = logging.getLogger(__name__)

STORAGE_PROBE_KEY = ".readyz-probe"
# Checks that block (database, cache, storage) run in threads of their own, so a hung
# dependency ties up these and never the threads that serve requests and sockets.
_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")
# The check of each part still running, shared by the probes that arrive meanwhile.
_running: dict[str, asyncio.Future] = {}
_outages: dict[str, Outage] = {}


class ProbeFailed(Exception):
    """A dependency answered, but not what the probe asked for."""


def _in_thread(func: Callable[[], None]) -> Callable[[], Awaitable[None]]:
    return sync_to_async(func, thread_sensitive=False, executor=_threads)


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            if cursor.fetchone() != (1,):
                raise ProbeFailed("unexpected answer")
    finally:
        connection.close()  # back to the pool; this thread keeps nothing open


def _cache() -> None:
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    for alias in settings.CACHES:
        cache = caches[alias]
        cache.set(key, value, timeout=10)
        answer = cache.get(key)
        cache.delete(key)
        if answer != value:
            raise ProbeFailed(f"cache {alias!r} did not keep the probe")


def _storage() -> None:
    # The answer does not matter (the key is never written); reaching the storage does:
    # S3 answers a HEAD request, a local disk a stat().
    default_storage.exists(STORAGE_PROBE_KEY)


async def _forget(layer, channel: str) -> None:
    """Leave the probe's channel as a consumer that goes away leaves its own: with a
    pending receive cancelled. channels_redis' pub/sub layer unsubscribes then; without
    it every probe would leave a subscription behind in this worker."""
    pending = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    pending.cancel()
    await asyncio.gather(pending, return_exceptions=True)


async def _channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise ProbeFailed("no channel layer configured")
    channel = await layer.new_channel()
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "readyz.probe", "token": token})
    message = await layer.receive(channel)
    await _forget(layer, channel)
    if message.get("token") != token:
        raise ProbeFailed("the layer returned another message")


CHECKS: dict[str, Callable[[], Awaitable[None]]] = {
    "database": _in_thread(_database),
    "cache": _in_thread(_cache),
    "channel_layer": _channel_layer,
    "storage": _in_thread(_storage),
}


def _retrieve(future: asyncio.Future) -> None:
    # A check abandoned after its timeout may fail later: take its exception, so asyncio
    # does not report it as never retrieved.
    if not future.cancelled():
        future.exception()


def _started(name: str) -> asyncio.Future:
    future = _running.get(name)
    # A future of another event loop (tests run one per test) cannot be awaited here.
    if future is None or future.done() or future.get_loop() is not asyncio.get_running_loop():
        future = asyncio.ensure_future(CHECKS[name]())
        future.add_done_callback(_retrieve)
        _running[name] = future
    return future


async def _check(name: str, timeout: float) -> dict:
    started = time.monotonic()
    future = _started(name)
    # asyncio.wait, not wait_for: wait_for would wait for the cancelled check to unwind,
    # and a check stuck on a hung socket unwinds only when that socket times out.
    done, _pending = await asyncio.wait({future}, timeout=timeout)
    outage = _outages.setdefault(name, Outage(f"readiness: {name}", logger))
    if not done:
        reason = "timeout"
        outage.failed(TimeoutError(f"no answer within {timeout} s"))
    elif future.exception() is not None:
        error = future.exception()
        reason = type(error).__name__
        outage.failed(error)
    else:
        outage.recovered()
        return {"ok": True, "ms": round((time.monotonic() - started) * 1000)}
    return {"ok": False, "reason": reason}


async def readiness() -> tuple[bool, dict[str, dict]]:
    """(every part ready, each part's result), the checks run at once."""
    timeout = settings.READINESS_TIMEOUT_SECONDS
    results = await asyncio.gather(*(_check(name, timeout) for name in CHECKS))
    parts = dict(zip(CHECKS, results, strict=True))
    return all(part["ok"] for part in parts.values()), parts


# Both views are exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT), read no session
# and take no body: a probe from nginx or a process manager gets the answer itself.
@never_cache
@require_safe
async def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
async def readyz(request):
    ready, parts = await readiness()
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": parts,
        "failing": [name for name, part in parts.items() if not part["ok"]],
    }
    response = JsonResponse(body, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
