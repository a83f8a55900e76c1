"""The request page's conversation for a browser without scripts (chat/without_script.py):
whose each message is, for the reader who opened the page, and text kept as text."""

import re

import pytest

from tenantdesk.chat.services.send import message_send
from tenantdesk.service_requests.services.status import service_request_start
from tests.unit.chat.helpers import photo_upload
from tests.unit.chat.test_inbox_pages import client_for

pytestmark = pytest.mark.django_db

ITEM = re.compile(r'<li class="chat-message ([^"]+)" data-message-id="(\d+)">(.*?)</li>', re.S)


def without_script(user, service_request) -> dict[int, tuple[str, str]]:
    """{message id: (its classes, its inner markup)} of the page's <noscript> list."""
    html = client_for(user).get(service_request.get_absolute_url()).content.decode()
    [block] = [
        part
        for part in re.findall(r"<noscript>(.*?)</noscript>", html, re.S)
        if 'data-testid="chat-messages-without-script"' in part
    ]
    # The side first ("is-mine", "is-theirs", "is-system"), then what else applies, in the
    # order the script adds them (is-by-manager, is-note, is-continued).
    return {int(pk): (classes, inner) for classes, pk, inner in ITEM.findall(block)}


def side(classes: str) -> str:
    return classes.split()[0]


def test_each_reader_sees_their_own_messages_as_theirs_with_a_status(
    customer, manager, service_request
):
    asked = message_send(
        author=customer, service_request=service_request, text="Is it <b>fixed</b>?"
    )
    service_request_start(actor=manager, service_request=service_request)
    answered = message_send(
        author=manager,
        service_request=service_request,
        text="On our way",
        attachments=[photo_upload()],
    )
    note = message_send(
        author=manager, service_request=service_request, text="Bring a ladder", internal=True
    )

    customers = without_script(customer, service_request)
    classes, inner = customers[asked.pk]
    assert classes == "is-mine"
    assert '<span class="chat-author">You</span>' in inner
    assert 'data-status="sent"' in inner and ">Sent</div>" in inner
    assert "Is it &lt;b&gt;fixed&lt;/b&gt;?" in inner  # text, not markup
    classes, inner = customers[answered.pk]
    assert classes == "is-theirs is-by-manager" and "You" not in inner
    assert "chat-status" not in inner
    assert "Manager" in inner and 'class="chat-attachment" data-kind="photo"' in inner
    assert [side(c) for c, _ in customers.values()].count("is-system") == 1
    assert note.pk not in customers

    managers = without_script(manager, service_request)
    assert side(managers[asked.pk][0]) == "is-theirs"
    assert side(managers[answered.pk][0]) == "is-mine"
    classes, inner = managers[note.pk]
    # The note follows its writer's reply within minutes, but a note never shares a reply's
    # header: its own label says what it is.
    assert classes == "is-mine is-by-manager is-note"
    assert "Internal note" in inner and "chat-status" not in inner  # a note has no receipts
