"""/company/saved-replies: company admins edit the saved replies in the app, managers
propose new ones, customers are refused; a proposal reaches the picker only once accepted."""

import pytest
from django.test import Client

from tenantdesk.chat.models import SavedReply
from tests.factories import CustomerFactory, ManagerFactory

pytestmark = pytest.mark.django_db

URL = "/company/saved-replies"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reply_data(**overrides):
    data = {
        "title": "Plumber coming",
        "text_en": "A plumber comes today between 2 and 4 pm.",
        "text_ru": "Сантехник придёт сегодня с 14 до 16.",
        "position": "1",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def picker_titles(client, language="en"):
    response = client.get("/chat/saved-replies", HTTP_ACCEPT_LANGUAGE=language)
    return [r["title"] for r in response.json()["replies"]]


@pytest.fixture
def boss():
    return ManagerFactory(company_admin=True)


def test_a_company_admin_adds_edits_turns_off_and_deletes(boss):
    client = signed_in(boss)
    assert client.post(URL, reply_data()).status_code == 302
    reply = SavedReply.objects.get()
    assert reply.is_active and reply.proposed_by is None
    assert picker_titles(client) == ["Plumber coming"]
    response = client.post(f"{URL}/{reply.pk}", reply_data(title="Plumber today", is_active=""))
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.title == "Plumber today" and not reply.is_active
    assert picker_titles(client) == []
    assert client.post(f"{URL}/{reply.pk}/delete").status_code == 302
    assert not SavedReply.objects.exists()


def test_bad_input_is_refused_at_the_field(boss):
    client = signed_in(boss)
    response = client.post(URL, reply_data(title="", text_ru=""))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "title" in errors and "text_ru" in errors
    assert not SavedReply.objects.exists()


def test_a_manager_proposes_and_the_company_admin_puts_it_in_use(boss):
    anna = ManagerFactory(first_name="Anna Ivanova")
    manager = signed_in(anna)
    page = manager.get(URL).content.decode()
    assert "Propose a saved reply" in page and 'name="position"' not in page
    # Whatever a proposal posts, it is not in use until accepted.
    assert manager.post(URL, reply_data(is_active="on")).status_code == 302
    proposal = SavedReply.objects.get()
    assert not proposal.is_active and proposal.proposed_by == anna
    assert picker_titles(manager) == []
    # A manager cannot accept, edit or delete.
    assert manager.post(f"{URL}/{proposal.pk}/accept").status_code == 403
    assert manager.post(f"{URL}/{proposal.pk}", reply_data()).status_code == 403
    assert manager.post(f"{URL}/{proposal.pk}/delete").status_code == 403

    admin = signed_in(boss)
    assert "proposed by Anna Ivanova" in admin.get(URL).content.decode()
    assert admin.post(f"{URL}/{proposal.pk}/accept").status_code == 302
    proposal.refresh_from_db()
    assert proposal.is_active and proposal.proposed_by is None
    assert picker_titles(manager, "ru-RU") == ["Plumber coming"]
    response = manager.get("/chat/saved-replies", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json()["replies"][0]["text"].startswith("Сантехник")


def test_customers_and_visitors_are_refused(client):
    assert client.get(URL).status_code == 302
    customer = signed_in(CustomerFactory())
    assert customer.get(URL).status_code == 403
    assert customer.post(URL, reply_data()).status_code == 403
    assert not SavedReply.objects.exists()


def test_an_unknown_reply_is_not_found(boss):
    assert signed_in(boss).get(f"{URL}/999").status_code == 404
