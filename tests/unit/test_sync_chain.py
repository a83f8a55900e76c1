"""Under ASGI a page's middleware run in one thread, not a thread hop per middleware."""

import pytest
from asgiref import sync
from django.conf import settings
from django.test import AsyncClient
from django.test.utils import override_settings


def _counting_hops(monkeypatch) -> list[str]:
    hops: list[str] = []
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting)
    return hops


@pytest.mark.django_db
async def test_a_page_takes_a_few_thread_hops_whatever_the_middleware(monkeypatch):
    hops = _counting_hops(monkeypatch)
    response = await AsyncClient().get("/")
    assert response.status_code == 200
    # Django's own: request_started's receivers, the chain, CSRF's process_view, the view,
    # and closing the response (request_finished).
    assert len(hops) <= 5, hops


@pytest.mark.django_db
async def test_without_the_sync_chain_each_middleware_hops(monkeypatch):
    # What SyncChain is for: without it the same page takes a hop per middleware method.
    middleware = [m for m in settings.MIDDLEWARE if not m.endswith("SyncChain")]
    with override_settings(MIDDLEWARE=middleware):
        hops = _counting_hops(monkeypatch)
        response = await AsyncClient().get("/")
    assert response.status_code == 200
    assert len(hops) > 15, hops
