"""Unread counts on the pages: the navigation's total, the tab title and each row of the
request list, in the markup the live updates rely on (chat/templatetags/unread.py)."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.templatetags.unread import unread_label
from tenantdesk.service_requests.models import ServiceRequest
from tests.unit.chat.helpers import make_service_request, status_change

pytestmark = pytest.mark.django_db

LIST = "/request/list"


def page(user, url=LIST, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def send(author, service_request, text="hello"):
    return message_send(author=author, service_request=service_request, text=text)


def nav_badge(html: str) -> str:
    match = re.search(r'<span [^>]*id="nav-unread"[^>]*>[^<]*</span>', html)
    assert match, "no navigation badge"
    return match.group(0)


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def base_title(html: str) -> str:
    return re.search(r'<meta name="td-base-title" content="([^"]*)">', html).group(1)


def row(html: str, service_request) -> str:
    start = html.index(f'data-request-id="{service_request.pk}"')
    return html[start : html.index("</li>", start)]


def test_the_navigation_title_and_rows_show_unread_counts(customer, manager, service_request):
    quiet = make_service_request(customer, title="Quiet")
    for text in ("one", "two", "three"):
        send(manager, service_request, text)
    send(customer, service_request, "mine")  # one's own: never unread

    html = page(customer)
    badge = nav_badge(html)
    assert 'data-unread-total="3"' in badge and ">3</span>" in badge
    assert "hidden" not in badge and 'aria-label="3 unread messages"' in badge
    # Inside the Requests link of the navigation.
    assert re.search(
        r'href="/request/list">(?:(?!</a>).)*>Requests</span><span [^>]*id="nav-unread"', html, re.S
    )
    assert title(html) == "(3) Requests · Tenant Desk"
    assert base_title(html) == "Requests · Tenant Desk"
    assert 'id="request-list-rows"' in html
    counted = row(html, service_request)
    assert 'data-unread-count="3"' in counted and 'aria-label="3 unread messages"' in counted
    assert "hidden" not in re.search(r"<span [^>]*data-unread-count[^>]*>", counted).group(0)
    assert re.search(r'<span [^>]*data-unread-count="0"[^>]* hidden>0</span>', row(html, quiet))


def test_the_manager_counts_the_customers_messages(customer, manager, service_request):
    send(customer, service_request, "help")
    html = page(manager)
    assert 'data-unread-total="1"' in nav_badge(html)
    assert 'data-unread-count="1"' in row(html, service_request)
    assert title(html).startswith("(1) ")


def test_nothing_unread_keeps_the_badge_hidden_and_the_title_plain(customer, service_request):
    html = page(customer)
    badge = nav_badge(html)
    assert 'data-unread-total="0"' in badge and " hidden" in badge
    assert title(html) == base_title(html) == "Requests · Tenant Desk"


def test_reading_lowers_the_counts(customer, manager, service_request):
    first = send(manager, service_request, "one")
    send(manager, service_request, "two")
    messages_mark_read(reader=customer, service_request=service_request, up_to_id=first.pk)
    html = page(customer)
    assert 'data-unread-total="1"' in nav_badge(html)
    assert 'data-unread-count="1"' in row(html, service_request)


def test_a_closed_request_leaves_the_total_but_keeps_its_row_count(
    customer, manager, service_request
):
    send(customer, service_request, "help")
    status_change(service_request, manager, ServiceRequest.Status.CLOSED)
    html = page(manager, f"{LIST}?status=all")
    assert 'data-unread-total="0"' in nav_badge(html)
    assert 'data-unread-count="1"' in row(html, service_request)


def test_another_organisations_messages_are_never_counted(
    customer, other_customer, manager, service_request
):
    theirs = make_service_request(other_customer, title="Theirs")
    send(manager, theirs, "for them")
    html = page(customer)
    assert 'data-unread-total="0"' in nav_badge(html)
    assert f'data-request-id="{theirs.pk}"' not in html


def test_every_page_carries_the_total_and_the_request_page_its_title(
    customer, manager, service_request
):
    service_request.title = 'Pipe <b>"burst"</b> & flood'
    service_request.save()
    send(manager, service_request)
    html = page(customer, reverse("service_requests:detail", args=[service_request.pk]))
    number = service_request.pk
    escaped = f"#{number} Pipe &lt;b&gt;&quot;burst&quot;&lt;/b&gt; &amp; flood · Tenant Desk"
    # Escaped once, in the title and in the attribute alike.
    assert title(html) == f"(1) {escaped}"
    assert base_title(html) == escaped
    assert 'data-unread-total="1"' in nav_badge(html)


def test_signed_out_visitors_get_no_badge_and_nothing_is_counted(client, monkeypatch):
    def must_not_count(**kwargs):
        raise AssertionError("counted unread messages for a signed-out visitor")

    monkeypatch.setattr("tenantdesk.chat.context_processors.unread_total", must_not_count)
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'id="nav-unread"' not in html
    assert title(html) == base_title(html) == "Sign in · Tenant Desk"


def test_the_counts_speak_russian_with_its_plural_forms(customer, manager, service_request):
    for count in range(5):
        send(manager, service_request, f"m{count}")
    html = page(customer, language="ru")
    assert 'aria-label="5 непрочитанных сообщений"' in nav_badge(html)
    assert title(html).startswith("(5) ")
    with translation.override("ru"):
        assert unread_label(1) == "1 непрочитанное сообщение"
        assert unread_label(3) == "3 непрочитанных сообщения"
        assert unread_label(21) == "21 непрочитанное сообщение"
    # A label for any count, per plural category, for the live updates.
    labels = re.search(r'data-unread-labels="([^"]*)"', nav_badge(html)).group(1)
    assert "{count} непрочитанных сообщения" in labels.replace("&quot;", '"')
