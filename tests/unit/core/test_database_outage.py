"""During a database outage pages answer 503 with Retry-After (the site's plain page, in
the page's language, no traceback) and JSON endpoints a JSON 503, not a 500; the probes
say what is true: alive (/healthz), not ready (/readyz, naming the database)."""

import logging
import sys

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, ProgrammingError
from django.test import Client, RequestFactory
from django.urls import reverse

from tenantdesk.core import views
from tenantdesk.core.database_outage import DatabaseOutageMiddleware
from tenantdesk.core.outages import RETRY_AFTER_SECONDS
from tests.unit.chat.helpers import make_service_request
from tests.unit.outage import database_fixture  # noqa: F401  (the `database` fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(customer):
    client = Client()
    client.force_login(customer)
    return client


def _outage_warnings(records):
    return [r for r in records.records if r.getMessage().startswith("the database is")]


def test_a_page_answers_503_with_retry_after_in_the_pages_language(signed_in, database, records):
    database.stop()
    response = signed_in.get(reverse("service_requests:list"), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert "Мы скоро вернёмся" in page and "503" in page
    assert "Traceback" not in page and "OperationalError" not in page

    english = signed_in.get(reverse("service_requests:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 503
    assert "We will be back in a moment" in english.content.decode()
    # One warning for the outage, not an error with a traceback per request.
    assert len(_outage_warnings(records)) == 1
    assert not [r for r in records.records if r.levelno >= logging.ERROR]

    database.start()
    assert signed_in.get(reverse("service_requests:list")).status_code == 200
    assert [r.getMessage() for r in _outage_warnings(records)][-1] == (
        "the database is available again"
    )


def test_a_json_endpoint_answers_a_json_503_with_retry_after(signed_in, customer, database):
    service_request = make_service_request(customer)
    database.stop()
    response = signed_in.get(
        reverse("chat:messages", args=[service_request.pk]), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["error"]["code"] == "unavailable"


def test_an_outage_raised_in_a_middleware_gets_the_503_page_too(rf: RequestFactory):
    # Django answers a middleware's exception with the 500 handler at once (no other
    # middleware sees it): the handler asks whether it was an outage.
    request = rf.get("/request/")
    try:
        raise OperationalError("the session could not be read")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = views.server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == str(RETRY_AFTER_SECONDS)

    try:
        raise IntegrityError("duplicate key")  # a conflict, not an outage
    except IntegrityError:
        response = views.server_error(request)
    assert response.status_code == 500 and "Retry-After" not in response


def test_only_connection_level_errors_are_an_outage(rf: RequestFactory):
    middleware = DatabaseOutageMiddleware(lambda request: None)
    request = rf.get("/")
    assert middleware.process_exception(request, IntegrityError("duplicate key")) is None
    assert middleware.process_exception(request, ProgrammingError("no such column")) is None
    assert middleware.process_exception(request, InterfaceError("closed")).status_code == 503


def test_the_probes_tell_the_truth_during_the_outage(database):
    database.stop()
    client = Client()
    assert client.get("/healthz").status_code == 200  # alive: a restart would not help
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert ready.json()["failing"] == ["database"]
    database.start()
    assert client.get("/readyz").status_code == 200
