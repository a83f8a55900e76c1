"""/accounts/notifications and the one-click unsubscribe link, from the outside."""

from unittest import mock

import pytest
from django.test import Client

from tenantdesk.notifications.models import EmailPreferences
from tenantdesk.notifications.recipients import customer_recipients
from tenantdesk.notifications.tokens import unsubscribe_token
from tests.factories import CustomerFactory
from tests.unit.chat.helpers import make_service_request

URL = "/accounts/notifications"


def _prefs(user):
    return (
        EmailPreferences.objects.filter(user=user)
        .values("missed_messages", "status_changes", "new_requests")
        .first()
    )


# --- the preferences page -----------------------------------------------------------------


def test_the_page_needs_a_signed_in_person(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login?next=/accounts/notifications")
    response = client.post(URL, {"missed_messages": "on"})
    assert response.status_code == 302
    assert not EmailPreferences.objects.exists()


def test_a_customer_chooses_missed_messages_and_status_changes(client, customer):
    client.force_login(customer)
    body = client.get(URL).content.decode()
    assert 'name="missed_messages"' in body and 'name="status_changes"' in body
    assert 'name="new_requests"' not in body
    # Everything on until they choose (announcements too: members only, issue 22).
    assert body.count("checked") == 3
    assert f"<strong>{customer.email}</strong>" in body

    response = client.post(URL, {"status_changes": "on", "new_requests": "off"}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Your e-mail preferences are saved." in response.content.decode()
    # A customer cannot switch the managers' kind (it is not on their form).
    assert _prefs(customer) == {
        "missed_messages": False,
        "status_changes": True,
        "new_requests": True,
    }


def test_a_manager_chooses_missed_messages_new_requests_and_status_changes(client, manager):
    # Status changes: a customer's reopening (issue 12).
    client.force_login(manager)
    body = client.get(URL).content.decode()
    assert 'name="new_requests"' in body and 'name="status_changes"' in body
    assert "reopens a closed request" in body
    client.post(URL, {"missed_messages": "on"})
    assert _prefs(manager)["new_requests"] is False
    assert _prefs(manager)["missed_messages"] is True


def test_the_page_speaks_russian(client, customer):
    client.force_login(customer)
    body = client.get(URL, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Уведомления по почте" in body and "Изменения статуса" in body
    response = client.post(URL, {}, HTTP_ACCEPT_LANGUAGE="ru", follow=True)
    assert "Настройки писем сохранены." in response.content.decode()


def test_someone_without_an_address_is_told(client, customer):
    customer.email = ""
    customer.save()
    client.force_login(customer)
    assert "has no e-mail address" in client.get(URL).content.decode()


def test_the_page_needs_a_csrf_token(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.post(URL, {}).status_code == 403
    assert not EmailPreferences.objects.exists()


# --- one-click unsubscribe ----------------------------------------------------------------


def _link(user, kind="missed_messages"):
    return f"/email/unsubscribe/{unsubscribe_token(user_id=user.pk, kind=kind)}"


def test_opening_the_link_asks_and_changes_nothing(client, customer):
    response = client.get(_link(customer))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Stop the e-mails “Messages I missed”?" in body
    assert '<form method="post">' in body
    assert not EmailPreferences.objects.exists()


@pytest.mark.parametrize("kind", ["missed_messages", "status_changes", "new_requests"])
def test_the_mail_clients_one_click_post_turns_that_kind_off(customer, kind):
    # RFC 8058: a POST with this body, no session, no CSRF token.
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _link(customer, kind),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert 'data-testid="unsubscribed"' in response.content.decode()
    prefs = _prefs(customer)
    assert prefs.pop(kind) is False
    assert all(prefs.values())  # only that kind


def test_a_second_click_is_harmless(client, customer):
    client.post(_link(customer))
    assert client.post(_link(customer)).status_code == 200
    assert _prefs(customer)["missed_messages"] is False


def test_a_link_made_for_another_person_turns_off_only_theirs(client, customer):
    colleague = CustomerFactory(organisation=customer.organisation)
    client.force_login(customer)
    client.post(_link(colleague))
    assert _prefs(colleague)["missed_messages"] is False
    assert _prefs(customer) is None


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "eyJ1IjoxLCJrIjoibWlzc2VkX21lc3NhZ2VzIn0:1xWvy5:forgedforgedforgedforgedforgedforgedforged",
    ],
)
def test_a_bad_token_gets_a_clear_400_page_and_changes_nothing(client, customer, token):
    for method in (client.get, client.post):
        response = method(f"/email/unsubscribe/{token}")
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.content.decode()
    assert not EmailPreferences.objects.exists()


def test_an_expired_token_gets_the_400_page(client, customer, settings):
    link = _link(customer)
    settings.UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS = 90
    with mock.patch("django.core.signing.time.time", return_value=10**10):
        response = client.post(link)
    assert response.status_code == 400
    assert not EmailPreferences.objects.exists()


def test_a_token_of_an_unknown_kind_or_a_deactivated_person_is_refused(client, customer):
    response = client.post(_link(customer, kind="everything"))
    assert response.status_code == 400
    customer.is_active = False
    customer.save()
    assert client.post(_link(customer)).status_code == 400
    assert not EmailPreferences.objects.exists()


def test_the_invalid_link_page_speaks_russian(client):
    response = client.get("/email/unsubscribe/nonsense", HTTP_ACCEPT_LANGUAGE="ru")
    assert "Эта ссылка для отписки недействительна" in response.content.decode()


def test_unsubscribed_people_get_no_more_of_that_kind(customer, manager):
    # The recipients' query leaves them out (the digest tests cover the sending side).
    service_request = make_service_request(customer)  # its author follows it
    assert list(customer_recipients(service_request, preference="missed_messages")) == [customer]
    Client().post(_link(customer))
    assert list(customer_recipients(service_request, preference="missed_messages")) == []
    assert list(customer_recipients(service_request, preference="status_changes")) == [customer]
