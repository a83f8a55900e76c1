"""chat.selectors reads a page of messages with one hand-written statement: the same
messages, in the same order, with the same authors and organisations (fields deferred as
the ORM's select_related + defer left them, and no query when they are read) as the
ORM's queryset (_base), for every bound, with and without internal notes."""

import pytest

from tenantdesk.chat import selectors
from tenantdesk.chat.models import Message
from tenantdesk.chat.serializers import message_data
from tenantdesk.chat.services.send import message_send
from tests.factories import CustomerFactory
from tests.unit.chat.helpers import photo_upload

pytestmark = pytest.mark.django_db


def _orm(service_request, *, include_internal, bound="", bound_id=None, limit):
    qs = selectors._base(service_request, include_internal)
    if bound == "before":
        qs = qs.filter(pk__lt=bound_id)
    if bound == "after":
        qs = qs.filter(pk__gt=bound_id)
    return list(qs.order_by("pk" if bound == "after" else "-pk")[:limit])


def _described(messages):
    return [
        (
            m.pk,
            m.get_deferred_fields(),
            m.author and m.author.get_deferred_fields(),
            m.author and m.author.organisation and m.author.organisation.get_deferred_fields(),
            message_data(m, attachments=[]),
        )
        for m in messages
    ]


def test_the_statement_reads_what_the_orm_read(
    customer, manager, service_request, django_assert_num_queries
):
    colleague = CustomerFactory(organisation=customer.organisation)
    message_send(author=customer, service_request=service_request, text="one")
    message_send(author=manager, service_request=service_request, text="two")
    message_send(author=manager, service_request=service_request, text="note", internal=True)
    message_send(
        author=colleague, service_request=service_request, text="", attachments=[photo_upload()]
    )
    Message.objects.create(
        service_request=service_request, kind=Message.Kind.SYSTEM, text="System says"
    )
    colleague.is_active = False  # a former member
    colleague.save()
    ids = sorted(service_request.messages.values_list("pk", flat=True))
    assert len(ids) == 5

    for include_internal in (False, True):
        for bound, bound_id in (("", None), ("before", ids[3]), ("after", ids[0]), ("after", 0)):
            for limit in (2, 51):
                expected = _orm(
                    service_request,
                    include_internal=include_internal,
                    bound=bound,
                    bound_id=bound_id,
                    limit=limit,
                )
                with django_assert_num_queries(1):
                    read = selectors._page_rows(
                        service_request,
                        include_internal=include_internal,
                        bound=bound,
                        bound_id=bound_id,
                        limit=limit,
                    )
                    described = _described(read)  # authors and organisations: no query
                assert described == _described(expected)
                assert len(read) == min(limit, len(expected))
    latest = selectors._page_rows(service_request, include_internal=True, limit=51)
    assert [m.pk for m in latest] == ids[::-1]
    assert latest[0].author is None  # the system message
    assert latest[1].author.organisation == customer.organisation
