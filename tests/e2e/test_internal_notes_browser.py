"""Internal notes in Chromium, over real sockets: a manager switches the composer to
"Internal note" with the keyboard and sends; a second manager's open page shows the note
live, labelled and styled apart; the customer's open page never shows it, neither live nor
after a reload. Screenshots in English and Russian."""

import re

import pytest
from playwright.sync_api import expect

from tenantdesk.chat.models import Message
from tenantdesk.chat.services.send import message_send
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_read_state_browser import open_chat, open_context
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en-GB": {
        "label": "Internal note",
        "note": "The landlord pays for this repair; do not quote a price.",
        "reply": "A plumber comes at 15:00.",
    },
    "ru-RU": {
        "label": "Внутренняя заметка",
        "note": "Ремонт оплачивает арендодатель; цену не называть.",
        "reply": "Сантехник придёт в 15:00.",
    },
}


@pytest.fixture
def people():
    organisation = OrganisationFactory(name="Rosa Dental LLC")
    customer = CustomerFactory(organisation=organisation, username="rosa")
    manager = ManagerFactory(username="ivanova")
    second_manager = ManagerFactory(username="petrov")
    service_request = make_service_request(customer, title="Leaking pipe in office 101")
    message_send(
        author=customer, service_request=service_request, text="Water under the sink again."
    )
    return customer, manager, second_manager, service_request


@pytest.mark.parametrize("locale", ["en-GB", "ru-RU"])
def test_a_note_reaches_managers_live_and_never_the_customer(
    asgi_server, new_context, screenshot, people, locale
):
    customer, manager, second_manager, service_request = people
    words = WORDS[locale]
    base = asgi_server.url
    cust = open_chat(open_context(new_context, base, customer, locale), base, service_request)
    second = open_chat(
        open_context(new_context, base, second_manager, locale), base, service_request
    )
    mgr = open_chat(open_context(new_context, base, manager, locale), base, service_request)

    # The customer's page has no switch at all.
    expect(cust.locator("[data-chat-note-toggle]")).to_have_count(0)

    # The switch by keyboard: Tab from the text area reaches it (after the attach button),
    # Space turns it on; its label names it in the page's language.
    toggle = mgr.get_by_role("switch", name=words["label"])
    expect(toggle).not_to_be_checked()
    mgr.focus("[data-chat-text]")
    for _ in range(5):
        mgr.keyboard.press("Tab")
        if toggle.evaluate("node => node === document.activeElement"):
            break
    expect(toggle).to_be_focused()
    mgr.keyboard.press("Space")
    expect(toggle).to_be_checked()
    expect(mgr.locator("[data-chat-composer]")).to_have_class("chat-composer is-note")
    mgr.fill("[data-chat-text]", words["note"])
    screenshot(mgr, f"internal-note-composer-{locale[:2]}")  # the composer in note mode
    mgr.focus("[data-chat-text]")
    mgr.keyboard.press("Enter")

    # The writer and the second manager see it live, labelled and styled apart.
    for page in (mgr, second):
        note = page.locator(".chat-message.is-note", has_text=words["note"])
        expect(note).to_be_visible(timeout=10_000)
        expect(note.locator(".chat-note-label")).to_have_text(words["label"])
        expect(note.locator(".chat-status")).to_have_count(0)  # no delivered/read for a note
        # Retried: the bubble sent is replaced by the stored one, and a replaced node
        # has no computed style.
        expect(note.locator(".chat-bubble")).to_have_css(
            "background-image", re.compile("repeating-linear-gradient")
        )
    assert Message.objects.get(text=words["note"]).internal is True

    # Back to a reply: the customer gets that one, and never the note.
    toggle.uncheck()
    mgr.fill("[data-chat-text]", words["reply"])
    mgr.click("[data-chat-send]")
    # The reply was sent after the note, through the same request's broadcast, in order: had
    # the note reached the customer's page, it would be there before the reply.
    expect(cust.locator(".chat-message", has_text=words["reply"])).to_be_visible(timeout=10_000)
    assert words["note"] not in cust.content()
    expect(cust.locator(".chat-message.is-note")).to_have_count(0)
    expect(second.locator(".chat-message", has_text=words["reply"])).to_be_visible()

    cust.reload()
    cust.wait_for_selector("[data-chat-connection][data-state=online]")
    expect(cust.locator(".chat-message", has_text=words["reply"])).to_be_visible()
    assert words["note"] not in cust.content()
    # And a manager's reload still has it, in order, between the two messages.
    second.reload()
    second.wait_for_selector("[data-chat-connection][data-state=online]")
    texts = second.locator(".chat-message .chat-text").all_inner_texts()
    assert texts == ["Water under the sink again.", words["note"], words["reply"]]

    assert_accessible(second)
    screenshot(second, f"internal-note-{locale[:2]}")
    screenshot(cust, f"internal-note-customer-view-{locale[:2]}")
