"""Every page's title is "<the page> · Tenant Desk"; the home page's is the site's name."""

import re

import pytest

from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def test_the_home_page_is_called_by_the_sites_name(client):
    assert title(client.get("/")) == "Tenant Desk"


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/accounts/login", "Sign in · Tenant Desk"),
        ("/accounts/register", "Register an organisation · Tenant Desk"),
        ("/no-such-page", "Page not found · Tenant Desk"),
    ],
)
def test_signed_out_pages_name_themselves_then_the_site(client, path, expected):
    assert title(client.get(path)) == expected


def test_signed_in_pages_name_themselves_then_the_site(client, customer):
    client.force_login(customer)
    service_request = make_service_request(customer, title="Leaking pipe")
    assert title(client.get("/request/new")) == "New request · Tenant Desk"
    assert title(client.get("/request/list")) == "Requests · Tenant Desk"
    assert (
        title(client.get(f"/request/{service_request.pk}"))
        == f"#{service_request.pk} Leaking pipe · Tenant Desk"
    )


def test_russian_titles_keep_the_separator(client):
    response = client.get("/accounts/login", HTTP_ACCEPT_LANGUAGE="ru")
    assert title(response) == "Войти · Tenant Desk"
