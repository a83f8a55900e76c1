"""The announcement e-mail: to whom, once per person per publication, in each person's
language, by the task queue after commit; and the "announcements" preference."""

import datetime
import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tenantdesk.announcements import services
from tenantdesk.notifications.announcements import notify_announcement
from tenantdesk.notifications.models import EmailDelivery, EmailPreferences
from tenantdesk.notifications.tokens import unsubscribe_token
from tests.factories import (
    BuildingFactory,
    CustomerFactory,
    LeaseFactory,
    ManagerFactory,
    PremisesFactory,
)
from tests.smtp import smtp_server
from tests.unit.notifications.email_helpers import jobs, run_worker

pytestmark = pytest.mark.django_db


def _post(author, buildings, **changes):
    now = timezone.now()
    values = {
        "title_en": "Water off on Tuesday",
        "title_ru": "Во вторник нет воды",
        "text_en": "Pipes <b>replaced</b>.\nKeep taps closed.",
        "text_ru": "Меняем трубы.\nКраны закрыть.",
        "starts_at": now + datetime.timedelta(days=1),
        "ends_at": now + datetime.timedelta(days=1, hours=4),
        "time_zone": "Europe/Moscow",
        **changes,
    }
    return services.announcement_create(author=author, buildings=buildings, **values)


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def manager(db):
    return ManagerFactory()


def test_each_member_of_a_leasing_organisation_gets_one_email(
    manager, customer, building, leased, django_capture_on_commit_callbacks
):
    colleague = CustomerFactory(organisation=customer.organisation)
    elsewhere = CustomerFactory()
    LeaseFactory(organisation=elsewhere.organisation)  # another building
    announcement = _post(manager, [building])
    assert mail.outbox == []  # the page's request sends nothing
    run_worker()
    assert _recipients() == sorted([customer.email, colleague.email])
    keys = set(EmailDelivery.objects.values_list("key", flat=True))
    assert keys == {
        f"announcement:{announcement.pk}:1:{customer.pk}",
        f"announcement:{announcement.pk}:1:{colleague.pk}",
    }
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_not_to_those_who_cannot_or_do_not_want_to_hear(manager, customer, building, leased):
    organisation = customer.organisation
    CustomerFactory(organisation=organisation, is_active=False)
    CustomerFactory(organisation=organisation, email_confirmed_at=None)
    CustomerFactory(organisation=organisation, email="")
    opted_out = CustomerFactory(organisation=organisation)
    EmailPreferences.objects.create(user=opted_out, announcements=False)
    ended = CustomerFactory()
    LeaseFactory(
        organisation=ended.organisation,
        premises=PremisesFactory(building=building),
        start=timezone.localdate() - datetime.timedelta(days=90),
        end=timezone.localdate() - datetime.timedelta(days=1),
    )
    _post(manager, [building])
    run_worker()
    assert _recipients() == [customer.email]


def test_two_buildings_of_one_organisation_make_one_email(manager, customer, building, leased):
    other = BuildingFactory()
    LeaseFactory(organisation=customer.organisation, premises=PremisesFactory(building=other))
    _post(manager, [building, other])
    run_worker()
    assert _recipients() == [customer.email]


def test_the_job_run_twice_sends_once(manager, customer, building, leased):
    announcement = _post(manager, [building])
    notify_announcement.call(announcement.pk, 1)
    notify_announcement.call(announcement.pk, 1)
    run_worker()
    assert len(mail.outbox) == 1


def test_an_edit_sends_again_only_when_asked(manager, customer, building, leased):
    announcement = _post(manager, [building])
    run_worker()
    assert len(mail.outbox) == 1
    fields = {"title_en": "Water off on Wednesday", "buildings": [building]}
    announcement = services.announcement_update(announcement=announcement, **fields)
    run_worker()
    assert len(mail.outbox) == 1
    services.announcement_update(announcement=announcement, email_again=True, **fields)
    run_worker()
    assert len(mail.outbox) == 2
    assert "Water off on Wednesday" in mail.outbox[1].subject


def test_each_person_reads_it_in_their_language(manager, customer, building, leased):
    customer.language = "ru"
    customer.save()
    english = CustomerFactory(organisation=customer.organisation, language="en")
    _post(manager, [building])
    run_worker()
    by_address = {message.to[0]: message for message in mail.outbox}
    russian = by_address[customer.email]
    assert "Во вторник нет воды" in russian.subject
    assert "Меняем трубы.\nКраны закрыть." in russian.body
    assert "Water off on Tuesday" in by_address[english.email].subject
    html = by_address[english.email].alternatives[0][0]
    assert "Pipes &lt;b&gt;replaced&lt;/b&gt;.<br>Keep taps closed." in html
    assert "Pipes <b>replaced</b>.\nKeep taps closed." in by_address[english.email].body
    assert by_address[english.email].message()["List-Unsubscribe"]


def test_an_announcement_ended_or_deleted_before_sending_sends_nothing(
    manager, customer, building, leased
):
    first = _post(manager, [building])
    services.announcement_delete(announcement=first)
    now = timezone.now()
    second = _post(manager, [building], starts_at=now - datetime.timedelta(minutes=5))
    services.announcement_end_now(announcement=second)
    run_worker()
    assert mail.outbox == []


def test_a_person_who_opts_out_before_the_sending_is_skipped(manager, customer, building, leased):
    _post(manager, [building])
    assert jobs("notify_announcement").count() == 1
    EmailPreferences.objects.create(user=customer, announcements=False)
    run_worker()
    assert mail.outbox == []


def test_a_rolled_back_post_enqueues_nothing(manager, building):
    with pytest.raises(RuntimeError), transaction.atomic():
        _post(manager, [building])
        raise RuntimeError
    assert not jobs("notify_announcement").exists()


def test_it_goes_through_a_real_smtp_server(settings, manager, customer, building, leased):
    with smtp_server(settings) as inbox:
        _post(manager, [building])
        run_worker()
        received = inbox.to(customer.email)
    assert len(received) == 1
    assert "Water off on Tuesday" in received[0][2]["Subject"]


# --- the preference -------------------------------------------------------------------------


def test_members_choose_announcements_on_their_preferences_page(client, customer):
    client.force_login(customer)
    page = client.get("/accounts/notifications").content.decode()
    checkbox = re.search(r'<input[^>]*name="announcements"[^>]*>', page).group(0)
    assert "checked" in checkbox  # on by default
    client.post("/accounts/notifications", {"missed_messages": "on", "status_changes": "on"})
    assert EmailPreferences.objects.get(user=customer).announcements is False


def test_managers_have_no_announcements_choice(client):
    manager = ManagerFactory()
    client.force_login(manager)
    assert 'name="announcements"' not in client.get("/accounts/notifications").content.decode()


def test_the_emails_unsubscribe_link_turns_announcements_off(client, customer):
    token = unsubscribe_token(user_id=customer.pk, kind="announcements")
    assert client.get(f"/email/unsubscribe/{token}").status_code == 200
    assert client.post(f"/email/unsubscribe/{token}").status_code == 200
    assert EmailPreferences.objects.get(user=customer).announcements is False
