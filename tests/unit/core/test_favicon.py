"""Browsers ask for /favicon.ico on their own: it leads to the site's SVG icon."""

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_ico_redirects_to_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"


def test_every_page_links_its_icon(client):
    body = client.get("/accounts/login").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in body
