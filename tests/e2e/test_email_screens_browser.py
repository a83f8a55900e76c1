"""The e-mails as a mail client shows them, and the e-mail pages of the site, in a browser.

The digest and the closing e-mail are made by the real pipeline (the chat's services, the
task worker's loop, Django's mail API into the test outbox), in English and Russian; each
HTML part is put into a page with page.set_content and saved as
test-artifacts/screenshots/email-<kind>-<lang>.png to be looked at. The page must load
nothing at all (no remote image, no tracking pixel) and pass axe.
The preferences page and the unsubscribe confirmation are visited like any page.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connection

from tenantdesk.chat.models import Attachment
from tenantdesk.chat.services.send import message_send
from tenantdesk.notifications.models import EmailPreferences
from tenantdesk.notifications.tokens import unsubscribe_token
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.closure import service_request_reopen
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    ManagerFactory,
    OrganisationFactory,
    image_bytes,
)
from tests.unit.chat.helpers import make_service_request
from tests.unit.notifications.email_helpers import move_back, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "en": {
        "organisation": "Demo Tenant LLC",
        "title": "Flickering light in the meeting room",
        "customer": ("Ivan", "Petrov"),
        "messages": [
            "Good morning! The electrician will come today at 14:00.",
            "Please make sure someone can open the meeting room.\nHe will bring a new lamp.",
        ],
        "photo": "lamp-before.jpg",
    },
    "ru": {
        "organisation": "ООО «Демо Арендатор»",
        "title": "Мигает свет в переговорной",
        "customer": ("Иван", "Петров"),
        "messages": [
            "Доброе утро! Электрик придёт сегодня в 14:00.",
            "Пожалуйста, пусть кто-нибудь откроет переговорную.\nОн принесёт новую лампу.",
        ],
        "photo": "лампа-до.jpg",
    },
}


def _in_a_thread(function, *args):
    # This process runs Playwright's event loop, where the chat's broadcast (async_to_sync)
    # cannot run: the site's own code runs in a thread of its own, as in a web worker.
    def run():
        try:
            return function(*args)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _conversation(language):
    """A request of a customer who uses `language`, with a manager's two messages, a
    photo and a status change, then closed: the digest and the closing e-mail for them."""
    texts = TEXTS[language]
    organisation = OrganisationFactory(name=texts["organisation"])
    first, last = texts["customer"]
    customer = CustomerFactory(
        organisation=organisation, first_name=first, last_name=last, language=language
    )
    manager = ManagerFactory(first_name="Anna", last_name="Ivanova", language="en")
    service_request = make_service_request(
        customer, title=texts["title"], office="214", type=ServiceRequest.Type.ELECTRICAL
    )
    service_request_change_status(
        actor=manager, service_request=service_request, status=ServiceRequest.Status.IN_PROGRESS
    )
    message_send(author=manager, service_request=service_request, text=texts["messages"][0])
    photo = message_send(author=manager, service_request=service_request, text=texts["messages"][1])
    attachment = Attachment(
        message=photo,
        kind="photo",
        content_type="image/jpeg",
        size=48_213,
        original_name=texts["photo"],
    )
    attachment.file.save("lamp.jpg", ContentFile(image_bytes()), save=True)
    move_back(301)
    run_worker()
    (digest,) = [m for m in mail.outbox if m.to == [customer.email]]
    mail.outbox.clear()
    service_request_change_status(
        actor=manager, service_request=service_request, status=ServiceRequest.Status.CLOSED
    )
    run_worker()
    (closing,) = [m for m in mail.outbox if m.to == [customer.email]]
    mail.outbox.clear()
    return digest, closing, service_request


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_digest_and_the_closing_email_as_a_mail_client_shows_them(
    new_context, screenshot, language
):
    digest, closing, service_request = _in_a_thread(_conversation, language)
    page = new_context(viewport={"width": 760, "height": 900}).new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    for kind, message in (("digest", digest), ("closing", closing)):
        html = message.alternatives[0][0]
        page.set_content(html, wait_until="load")
        assert requested == [], f"the {kind} e-mail loaded {requested}"
        assert page.locator("html").get_attribute("lang") == language
        button = page.get_by_role(
            "link", name="Open the chat" if language == "en" else "Открыть чат"
        )
        assert button.count() == 1
        assert button.get_attribute("href") == f"http://testserver/request/{service_request.pk}"
        assert_accessible(page)
        screenshot(page, f"email-{kind}-{language}")
    page.set_content(digest.alternatives[0][0])
    body = page.inner_text("body")
    for text in TEXTS[language]["messages"]:
        assert text.split("\n")[0] in body
    assert TEXTS[language]["photo"] in body
    assert ("In progress" if language == "en" else "В работе") in body


def test_the_preferences_page_and_the_unsubscribe_link(asgi_server, new_context, screenshot):
    organisation = OrganisationFactory(name="Demo Tenant LLC")
    customer = CustomerFactory(organisation=organisation, first_name="Ivan", last_name="Petrov")
    for language, locale in (("en", "en-GB"), ("ru", "ru-RU")):
        page = new_context(locale=locale).new_page()
        sign_in(page, asgi_server.url, customer.username, PASSWORD)
        page.goto(f"{asgi_server.url}/accounts/notifications")
        missed = page.get_by_label(missed_label(language))
        assert missed.is_checked()
        assert_accessible(page)
        screenshot(page, f"email-preferences-{language}")
        missed.uncheck()
        page.get_by_role("button", name="Save" if language == "en" else "Сохранить").click()
        page.get_by_text(
            "Your e-mail preferences are saved."
            if language == "en"
            else "Настройки писем сохранены."
        ).wait_for()
        assert not page.get_by_label(missed_label(language)).is_checked()
        assert EmailPreferences.objects.get(user=customer).missed_messages is False
        EmailPreferences.objects.filter(user=customer).update(missed_messages=True)

    # The link from an e-mail, opened in a browser without a session.
    token = unsubscribe_token(user_id=customer.pk, kind="status_changes")
    page = new_context(locale="ru-RU").new_page()
    page.goto(f"{asgi_server.url}/email/unsubscribe/{token}")
    assert_accessible(page)
    screenshot(page, "email-unsubscribe-ru")
    assert EmailPreferences.objects.get(user=customer).status_changes is True  # only asked
    page.get_by_role("button", name="Отписаться").click()
    page.get_by_test_id("unsubscribed").wait_for()
    assert EmailPreferences.objects.get(user=customer).status_changes is False
    response = page.goto(f"{asgi_server.url}/email/unsubscribe/broken")
    assert response.status == 400
    assert_accessible(page)
    screenshot(page, "email-unsubscribe-invalid-ru")


def missed_label(language: str) -> str:
    return "Messages I missed" if language == "en" else "Пропущенные сообщения"


# --- issue 12: the reopen e-mail and the way to the preferences page ---------------------

REOPEN_REASONS = {
    "en": "The light still flickers after the repair.\nIt started again this morning.",
    "ru": "Свет всё ещё мигает после ремонта.\nСегодня утром началось снова.",
}


def _reopening(language):
    """A request closed by its assignee and reopened by its customer with a reason: the
    reopen e-mail for the assignee, who uses `language`."""
    texts = TEXTS[language]
    organisation = OrganisationFactory(name=texts["organisation"])
    first, last = texts["customer"]
    customer = CustomerFactory(
        organisation=organisation, first_name=first, last_name=last, language=language
    )
    manager = ManagerFactory(first_name="Anna", last_name="Ivanova", language=language)
    service_request = make_service_request(
        customer, title=texts["title"], office="214", type=ServiceRequest.Type.ELECTRICAL
    )
    ServiceRequest.objects.filter(pk=service_request.pk).update(assignee=manager)
    service_request.refresh_from_db()
    service_request_change_status(
        actor=manager, service_request=service_request, status=ServiceRequest.Status.CLOSED
    )
    run_worker()
    mail.outbox.clear()
    service_request.refresh_from_db()
    service_request_reopen(
        actor=customer, service_request=service_request, reason=REOPEN_REASONS[language]
    )
    run_worker()
    (reopened,) = mail.outbox
    assert reopened.to == [manager.email]
    mail.outbox.clear()
    return reopened, service_request


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_reopen_email_as_a_mail_client_shows_it(new_context, screenshot, language):
    message, service_request = _in_a_thread(_reopening, language)
    page = new_context(viewport={"width": 760, "height": 900}).new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.set_content(message.alternatives[0][0], wait_until="load")
    assert requested == [], f"the reopen e-mail loaded {requested}"
    assert page.locator("html").get_attribute("lang") == language
    button = page.get_by_role("link", name="Open the chat" if language == "en" else "Открыть чат")
    assert button.get_attribute("href") == f"http://testserver/request/{service_request.pk}"
    settings_link = page.get_by_role(
        "link",
        name="Choose which e-mails you get"
        if language == "en"
        else "Выбрать, какие письма получать",
    )
    assert settings_link.get_attribute("href") == "http://testserver/accounts/notifications"
    body = page.inner_text("body")
    for line in REOPEN_REASONS[language].split("\n"):
        assert line in body
    assert TEXTS[language]["title"] in body
    assert_accessible(page)
    screenshot(page, f"email-reopened-{language}")


@pytest.mark.parametrize("language,locale", [("en", "en-GB"), ("ru", "ru-RU")])
def test_the_navigation_leads_to_the_email_settings(
    asgi_server, new_context, screenshot, language, locale
):
    manager = ManagerFactory(first_name="Anna", last_name="Ivanova")
    page = new_context(locale=locale).new_page()
    sign_in(page, asgi_server.url, manager.username, PASSWORD)
    page.locator(".td-account__button").click()  # the person's menu in the sidebar (issue 23)
    page.get_by_role(
        "link", name="E-mail settings" if language == "en" else "Настройки писем"
    ).click()
    page.wait_for_url(f"{asgi_server.url}/accounts/notifications")
    # A manager chooses status changes too now: a customer's reopening.
    status = page.get_by_label("Status changes" if language == "en" else "Изменения статуса")
    assert status.is_checked()
    assert page.get_by_test_id("nav-email-settings").get_attribute("aria-current") == "page"
    assert_accessible(page)
    screenshot(page, f"email-preferences-manager-{language}")
