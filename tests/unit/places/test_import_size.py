"""A 50 MB import file is refused with a clear 413 page before the application reads it
(core/body_limit.py, by route), and nginx is told the same limit for the import route."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import ManagerFactory
from tests.unit.chat.helpers import session_cookie
from tests.unit.core.test_body_limit import CHUNK, Body, call, in_db, multipart
from tests.unit.core.test_nginx_body_sizes import _app_limit, _nginx_body_limit

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1000 * 1000


def _admin_cookie():
    return session_cookie(ManagerFactory(company_admin=True))


async def test_a_50_mb_import_is_refused_with_413_before_a_byte_is_read():
    cookie = await in_db(_admin_cookie)
    result = await call(
        reverse("places:import"),
        Body(size=50 * MB),
        content_type="multipart/form-data; boundary=x",
        cookie=cookie,
    )
    assert result.status == 413
    assert result.pulled == 0
    body = result.body.decode()
    assert "The request is too large" in body


async def test_a_50_mb_import_sent_without_a_length_is_cut_off_at_the_limit():
    cookie = await in_db(_admin_cookie)
    result = await call(
        reverse("places:import"),
        Body(size=50 * MB),
        content_type="multipart/form-data; boundary=x",
        cookie=cookie,
        declare_length=False,
    )
    assert result.status == 413
    limit = settings.REQUEST_BODY_MAX_BYTES + settings.PLACES_IMPORT_MAX_BYTES
    assert result.pulled <= limit + CHUNK


async def test_a_file_a_little_over_the_setting_gets_the_forms_message():
    cookie = await in_db(_admin_cookie)
    size = settings.PLACES_IMPORT_MAX_BYTES + 1000
    body, content_type = multipart({}, [("big.csv", b"x" * size, "text/csv")], file_field="file")
    result = await call(reverse("places:import"), body, content_type=content_type, cookie=cookie)
    assert result.status == 400
    assert "the largest allowed is 5.0" in result.body.decode()


def test_nginx_admits_the_import_route_what_the_application_does():
    path = reverse("places:import")
    assert _app_limit(path) == settings.REQUEST_BODY_MAX_BYTES + settings.PLACES_IMPORT_MAX_BYTES
    assert _nginx_body_limit(path) == _app_limit(path)
    assert _nginx_body_limit(reverse("places:import_apply")) == settings.REQUEST_BODY_MAX_BYTES
