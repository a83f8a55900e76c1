"""accounts.session_store reads a session as Django's database store does: the data of a
session that has not expired, nothing (and the key forgotten) for an expired, unknown or
malformed key; writing, expiry and flushing stay Django's."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends import db as django_db
from django.test import Client
from django.utils import timezone

from tenantdesk.accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_it_is_the_sites_session_engine():
    assert settings.SESSION_ENGINE == "tenantdesk.accounts.session_store"


def test_a_live_session_loads_as_djangos_store_loads_it():
    store = SessionStore()
    store["person"] = {"name": "Ёлка", "n": 3}
    store.save()

    assert SessionStore(store.session_key).load() == {"person": {"name": "Ёлка", "n": 3}}
    assert (
        SessionStore(store.session_key).load() == django_db.SessionStore(store.session_key).load()
    )


@pytest.mark.parametrize("key", ["x" * 32, "", None, "short"])
def test_an_unknown_or_malformed_key_loads_nothing_and_is_forgotten(key):
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


def test_an_expired_session_loads_nothing():
    store = SessionStore()
    store["a"] = 1
    store.set_expiry(timezone.now() + timedelta(seconds=60))
    store.save()
    SessionStore.get_model_class().objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert SessionStore(store.session_key).load() == {}
    assert django_db.SessionStore(store.session_key).load() == {}


def test_a_signed_in_page_keeps_its_person(customer):
    client = Client()
    client.force_login(customer)
    response = client.get("/request/list")
    assert response.status_code == 200
    assert response.wsgi_request.user == customer
