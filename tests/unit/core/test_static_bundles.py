"""Static bundles (core/static_bundles.py): a page's stylesheets as one file, built from the
sources in order, served in development and collected, hashed and compressed for production."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tenantdesk.core.static_bundles import BUNDLES, bundle_text
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", BUNDLES)
def test_a_bundle_holds_its_sources_whole_and_in_order(name):
    text = bundle_text(name)
    positions = []
    for source in BUNDLES[name]:
        with open(finders.find(source), encoding="utf-8") as file:
            lines = file.read().splitlines()
        positions.append(text.index(f"/* --- {source} --- */"))
        assert all(line in text for line in lines if "url(" not in line), source
    assert positions == sorted(positions)


def test_urls_in_a_bundled_stylesheet_point_where_the_source_pointed():
    text = bundle_text("bundles/request-page.css")
    # chat/css/chat.css's url("../img/send.svg") is chat/img/send.svg
    assert 'url("../chat/img/send.svg")' in text
    assert 'url("../img/' not in text
    rebased = re.findall(r'url\("\.\./([^"]+)"\)', text)
    assert len(rebased) >= 8  # chat.css's icons
    for url in rebased:
        assert finders.find(url), url


def test_the_request_page_links_one_stylesheet_besides_the_layouts(customer):
    service_request = make_service_request(customer)
    client = Client()
    client.force_login(customer)
    body = client.get(f"/request/{service_request.pk}").content.decode()
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', body)
    assert links == ["/static/bundles/site.css", "/static/bundles/request-page.css"]
    served = b"".join(client.get("/static/bundles/request-page.css").streaming_content)
    assert b".chat-composer" in served and b".rq-page" in served
