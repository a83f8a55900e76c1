"""The chat's side of the manager's workspace: the first manager message meets the
first-response target, on both store paths (the ORM path with attachments everywhere, the
one-statement path for text on PostgreSQL: run this file with DATABASE_URL set to cover
it), and system messages never do."""

import uuid

import pytest
from django.db import connection
from django.utils import timezone

from tenantdesk.chat.models import Message
from tenantdesk.chat.services import send as send_service
from tenantdesk.chat.services.send import message_send
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.workspace import service_request_assign
from tests.unit.chat.helpers import photo_upload

pytestmark = pytest.mark.django_db


def send(author, service_request, text="Hello", **kwargs):
    return message_send(
        author=author, service_request=service_request, text=text, client_id=uuid.uuid4(), **kwargs
    )


def first_response_at(service_request):
    return ServiceRequest.objects.values_list("first_response_at", flat=True).get(
        pk=service_request.pk
    )


@pytest.mark.parametrize("path", ["text", "attachment"])
def test_the_first_manager_message_stamps_the_first_response_once(
    customer, manager, service_request, path
):
    extra = {"attachments": [photo_upload()]} if path == "attachment" else {}
    send(customer, service_request, "Help", **extra)
    service_request_assign(actor=manager, service_request=service_request, assignee=manager)
    # Neither the customer's message nor the system message of the assignment counts.
    assert first_response_at(service_request) is None
    first = send(manager, service_request, "On my way", **extra)
    assert first_response_at(service_request) == first.created_at
    send(manager, service_request, "Done", **extra)
    assert first_response_at(service_request) == first.created_at


def test_an_internal_note_does_not_meet_the_first_response(manager, service_request):
    # Internal notes are written by issue 11's services; the store path already skips them.
    note = Message(
        service_request=service_request,
        author=manager,
        by_manager=True,
        internal=True,
        kind="user",
        text="Check the riser first",
        client_id=uuid.uuid4(),
        created_at=timezone.now(),
    )
    if connection.vendor == "postgresql":
        send_service._message_store_in_one_statement(note)
    else:
        send_service._message_store_with_orm(note, [])
    assert note.pk is not None
    assert first_response_at(service_request) is None
