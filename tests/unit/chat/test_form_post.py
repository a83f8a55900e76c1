"""The composer's plain form, posted by a page without JavaScript (chat/panel.html → POST
/chat/<id>/messages asking for HTML): stored and back to the chat, or the page again with
the reason; the script's JSON answers are unchanged."""

import uuid

import pytest

from tenantdesk.chat.models import Message
from tests.unit.chat.test_inbox_pages import client_for

pytestmark = pytest.mark.django_db

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def post_form(user, service_request, **data):
    return client_for(user).post(f"/chat/{service_request.pk}/messages", data, HTTP_ACCEPT=HTML)


def test_a_form_post_stores_the_message_and_goes_back_to_the_chat(customer, service_request):
    client_id = str(uuid.uuid4())
    response = post_form(
        customer, service_request, text="Hello without scripts", client_id=client_id
    )
    assert response.status_code == 303
    assert response["Location"] == f"{service_request.get_absolute_url()}#chat"
    # Posted again (a reload, a double click): still one message.
    again = post_form(customer, service_request, text="Hello without scripts", client_id=client_id)
    assert again.status_code == 303
    assert Message.objects.filter(text="Hello without scripts").count() == 1


def test_a_refused_form_post_is_the_page_again_with_the_reason_and_the_text(
    customer, service_request
):
    response = post_form(customer, service_request, text=" ", client_id=str(uuid.uuid4()))
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        'data-chat-form-error role="alert" >' in html
        or 'data-chat-form-error role="alert">' in html
    )
    assert not Message.objects.filter(service_request=service_request, kind="user").exists()

    too_long = "x" * 5000
    response = post_form(customer, service_request, text=too_long, client_id=str(uuid.uuid4()))
    assert response.status_code == 400
    assert f">{too_long}</textarea>" in response.content.decode()


def test_a_customer_cannot_post_a_note_by_form(customer, service_request):
    response = post_form(
        customer, service_request, text="psst", internal="true", client_id=str(uuid.uuid4())
    )
    assert response.status_code == 403
    assert not Message.objects.filter(text="psst").exists()


def test_another_organisations_request_is_still_a_404(other_customer, service_request):
    response = post_form(other_customer, service_request, text="hi")
    assert response.status_code == 404
    assert not Message.objects.filter(text="hi").exists()


def test_the_script_still_gets_json(customer, service_request):
    response = client_for(customer).post(
        f"/chat/{service_request.pk}/messages",
        {"text": "From the script", "client_id": str(uuid.uuid4())},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201 and response.json()["message"]["text"] == "From the script"
