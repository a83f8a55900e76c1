"""/healthz and /readyz: liveness without dependencies, readiness naming what fails."""

import asyncio
import time

import pytest
from django.db import OperationalError
from django.test import AsyncClient
from redis.exceptions import ConnectionError as RedisConnectionError

from tenantdesk.core import health

# Words of the exceptions below that must never reach a probe's answer.
SECRET = "db-7.internal:5432 password=hunter2"


class _Broken:
    """Stands for a dependency whose every call fails as a real outage does."""

    def __init__(self, error):
        self.error = error

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise self.error

        return fail


class _BrokenCaches:
    def __getitem__(self, alias):
        return _Broken(RedisConnectionError(f"Error 111 connecting to {SECRET}"))


class _BrokenLayer:
    async def new_channel(self):
        return "specific.probe"

    async def send(self, channel, message):
        raise RedisConnectionError(f"Error 111 connecting to {SECRET}")


BREAKERS = {
    "database": ("connection", _Broken(OperationalError(f"could not connect to {SECRET}"))),
    "cache": ("caches", _BrokenCaches()),
    "channel_layer": ("get_channel_layer", lambda: _BrokenLayer()),
    "storage": ("default_storage", _Broken(OSError(f"endpoint {SECRET} unreachable"))),
}
REASONS = {
    "database": "OperationalError",
    "cache": "ConnectionError",
    "channel_layer": "ConnectionError",
    "storage": "OSError",
}


def test_healthz_answers_without_the_database(client):
    # No django_db mark: pytest-django fails the test if the view touches the database.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_while_every_dependency_is_down(client, monkeypatch):
    for attribute, broken in BREAKERS.values():
        monkeypatch.setattr(health, attribute, broken)
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_reports_every_part_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "channel_layer", "storage"}
    assert all(part["ok"] for part in body["checks"].values()), body


@pytest.mark.django_db
@pytest.mark.parametrize("part", sorted(BREAKERS))
def test_readyz_names_the_failing_part_without_its_error_text(client, monkeypatch, part):
    attribute, broken = BREAKERS[part]
    monkeypatch.setattr(health, attribute, broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == [part]
    assert body["checks"][part] == {"ok": False, "reason": REASONS[part]}
    others = {name: check["ok"] for name, check in body["checks"].items() if name != part}
    assert all(others.values()), body
    assert "hunter2" not in response.content.decode()
    assert "5432" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_logs_an_outage_once_not_on_every_probe(client, monkeypatch, caplog):
    monkeypatch.setattr(health, "_outages", {})
    monkeypatch.setattr(health, "default_storage", BREAKERS["storage"][1])
    for _ in range(3):
        assert client.get("/readyz").status_code == 503
    warnings = [r for r in caplog.records if r.name == "tenantdesk.core.health"]
    assert len(warnings) == 1
    assert "readiness: storage" in warnings[0].getMessage()


@pytest.mark.django_db(transaction=True)
async def test_a_hung_dependency_cannot_hold_the_probe(settings, monkeypatch):
    settings.READINESS_TIMEOUT_SECONDS = 0.3
    calls = 0
    release = asyncio.Event()

    async def hung_layer():
        nonlocal calls
        calls += 1
        await release.wait()  # a Redis that accepted the connection and never answers

    monkeypatch.setitem(health.CHECKS, "channel_layer", hung_layer)
    client = AsyncClient()
    started = time.monotonic()
    first, second = await asyncio.gather(client.get("/readyz"), client.get("/readyz"))
    assert time.monotonic() - started < 2
    for response in (first, second):
        assert response.status_code == 503
        assert response.json()["checks"]["channel_layer"] == {"ok": False, "reason": "timeout"}
    # The second probe waited for the check already running instead of starting another.
    assert calls == 1
    release.set()
    await health._running["channel_layer"]


@pytest.mark.django_db
def test_probes_answer_on_plain_http_with_the_https_redirect_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301  # the redirect is on for everything else
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_probes_set_no_cookie_and_answer_only_get_and_head(client):
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert not response.cookies, path
        assert client.head(path).status_code == 200
        assert client.post(path).status_code == 405


class _PubSubLikeLayer:
    """Keeps a channel subscribed until a pending receive on it is cancelled, as
    channels_redis' pub/sub layer does (it has no call to drop a channel)."""

    def __init__(self):
        self.subscribed: dict[str, asyncio.Queue] = {}

    async def new_channel(self):
        channel = f"specific.{len(self.subscribed)}"
        self.subscribed[channel] = asyncio.Queue()
        return channel

    async def send(self, channel, message):
        self.subscribed[channel].put_nowait(message)

    async def receive(self, channel):
        try:
            return await self.subscribed[channel].get()
        except asyncio.CancelledError:
            del self.subscribed[channel]
            raise


def test_the_channel_layer_probe_leaves_no_subscription_behind(monkeypatch):
    layer = _PubSubLikeLayer()
    monkeypatch.setattr(health, "get_channel_layer", lambda: layer)
    for _ in range(3):
        asyncio.run(health._channel_layer())
    assert layer.subscribed == {}
