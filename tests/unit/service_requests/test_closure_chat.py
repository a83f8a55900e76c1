"""A closed request keeps its chat read-only with its files: the page replaces the composer
with a note, the files still download, a new message is refused; once reopened (and only
then) the chat takes messages again."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tenantdesk.chat.models import Message
from tenantdesk.chat.services.send import message_send
from tenantdesk.service_requests.access import can_rate, can_reopen
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.closure import service_request_reopen
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.factories import CustomerFactory
from tests.unit.service_requests.helpers import create_request, good_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_with_a_photo(customer, manager):
    sr = create_request(customer)
    message = message_send(
        author=customer, service_request=sr, text="Here", attachments=[good_upload("leak.jpg")]
    )
    service_request_change_status(
        actor=manager, service_request=sr, status=ServiceRequest.Status.CLOSED
    )
    return ServiceRequest.objects.get(pk=sr.pk), message.attachments.get()


def test_the_closed_chat_is_read_only_and_its_files_still_download(
    client, customer, manager, closed_with_a_photo
):
    sr, attachment = closed_with_a_photo
    for user in (customer, manager):
        client.force_login(user)
        html = client.get(f"/request/{sr.pk}").content.decode()
        assert "This request is closed; the chat is read-only." in html
        assert re.search(r"<form [^>]*data-chat-composer[^>]* hidden>", html)
        for url in (
            reverse("chat:attachment", args=[attachment.pk]),
            reverse("chat:attachment_thumbnail", args=[attachment.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Type"] == "image/jpeg"
    with pytest.raises(PermissionDenied):
        message_send(author=customer, service_request=sr, text="Hello?")
    assert Message.objects.filter(service_request=sr, kind=Message.Kind.USER).count() == 1


def test_after_reopening_the_chat_takes_messages_again(customer, closed_with_a_photo):
    sr, _attachment = closed_with_a_photo
    service_request_reopen(actor=customer, service_request=sr, reason="Still broken")
    message_send(author=customer, service_request=sr, text="It drips again")
    assert Message.objects.filter(service_request=sr, kind=Message.Kind.USER).count() == 2


def test_who_may_reopen_and_rate(customer, manager, other_customer, organisation):
    sr = create_request(customer)
    colleague = CustomerFactory(organisation=organisation)
    for check in (can_reopen, can_rate):
        assert check(customer, sr) and check(colleague, sr)
        assert not check(manager, sr) and not check(other_customer, sr)
        inactive = CustomerFactory(organisation=organisation, is_active=False)
        assert not check(inactive, sr)
