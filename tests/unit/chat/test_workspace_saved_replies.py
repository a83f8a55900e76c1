"""Saved replies from the outside: the JSON endpoint answers managers only, in the page's
language, in use and in order; the picker is on managers' chat pages only; the admin site
edits both languages."""

import pytest

from tenantdesk.chat.models import SavedReply
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db

URL = "/chat/saved-replies"


@pytest.fixture
def replies():
    return [
        SavedReply.objects.create(
            title="Plumber today",
            text_en="A plumber will come today.",
            text_ru="Сантехник придёт сегодня.",
            position=2,
        ),
        SavedReply.objects.create(
            title="Need a photo",
            text_en="Please send a photo.",
            text_ru="Пришлите фото.",
            position=1,
        ),
        SavedReply.objects.create(
            title="Retired", text_en="Old text.", text_ru="Старый текст.", is_active=False
        ),
    ]


def test_signed_out_visitors_get_401(client, replies):
    response = client.get(URL)
    assert response.status_code == 401
    assert "Plumber" not in response.content.decode()


@pytest.mark.parametrize("who", ["customer", "other_customer"])
def test_customers_get_403_and_no_texts(client, request, replies, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert "plumber" not in response.content.decode().lower()


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Please send a photo.", "A plumber will come today."]),
        ("ru", ["Пришлите фото.", "Сантехник придёт сегодня."]),
    ],
)
def test_managers_get_the_replies_in_use_in_order_in_their_language(
    client, manager, replies, language, texts
):
    client.force_login(manager)
    response = client.get(URL, headers={"Accept-Language": language})
    assert response.status_code == 200
    got = response.json()["replies"]
    assert [reply["text"] for reply in got] == texts
    assert [reply["title"] for reply in got] == ["Need a photo", "Plumber today"]


def test_only_get_is_allowed(client, manager):
    client.force_login(manager)
    assert client.post(URL).status_code == 405


def test_the_picker_is_on_managers_chat_pages_only(client, customer, manager):
    service_request = make_service_request(customer)
    client.force_login(customer)
    html = client.get(service_request.get_absolute_url()).content.decode()
    assert "data-saved-replies" not in html and "saved_replies.js" not in html
    client.force_login(manager)
    html = client.get(service_request.get_absolute_url()).content.decode()
    assert 'data-url="/chat/saved-replies"' in html and "saved_replies.js" in html


def test_the_admin_site_edits_both_languages(admin_client, replies):
    page = admin_client.get("/admin/chat/savedreply/add/").content.decode()
    assert 'name="text_en"' in page and 'name="text_ru"' in page
    response = admin_client.post(
        "/admin/chat/savedreply/add/",
        {
            "title": "Done",
            "text_en": "Done.",
            "text_ru": "Готово.",
            "is_active": "on",
            "position": 0,
        },
    )
    assert response.status_code == 302
    assert SavedReply.objects.filter(title="Done", text_ru="Готово.").exists()
    listing = admin_client.get("/admin/chat/savedreply/").content.decode()
    assert "Plumber today" in listing
