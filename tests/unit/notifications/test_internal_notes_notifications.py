"""Internal notes never leave the managers' screens: no Web Push (the push services are
replaced at the HTTP boundary, as in test_push.py) and no e-mail digest (the real task
worker, as in test_digest.py), for customers or anyone else."""

import pytest
from django.core import mail

from tenantdesk.chat.services.send import message_send
from tenantdesk.notifications import push
from tenantdesk.notifications.models import PendingDigest
from tests.factories import ManagerFactory
from tests.unit.notifications.email_helpers import move_back, run_worker
from tests.unit.notifications.test_push import (  # noqa: F401  (fixtures)
    Browser,
    enqueued,
    people,
    push_service,
    queue,
    vapid,
)

pytestmark = pytest.mark.django_db

NOTE = "Internal: the landlord pays for this one"


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """Send as the site does, announcements after commit included."""

    def _post(author, service_request, text, internal=False):
        with django_capture_on_commit_callbacks(execute=True):
            return message_send(
                author=author, service_request=service_request, text=text, internal=internal
            )

    return _post


# --- Web Push -------------------------------------------------------------------------------


def test_a_note_enqueues_no_push(people, vapid, queue, post):  # noqa: F811
    for name in ("customer", "colleague", "other_manager"):
        Browser(name).subscribe(people[name])
    post(people["manager"], people["request"], NOTE, internal=True)
    assert enqueued(queue) == []
    reply = post(people["manager"], people["request"], "We come at noon")
    assert enqueued(queue) == [{"message_id": reply.pk}]  # the same path pushes a reply


def test_a_push_job_for_a_note_sends_nothing(people, vapid, push_service):  # noqa: F811
    # A job that names a note (queued by an older release, or by hand) still sends nothing.
    browsers = [Browser(name) for name in ("customer", "colleague", "other_manager")]
    for browser, name in zip(browsers, ("customer", "colleague", "other_manager"), strict=True):
        browser.subscribe(people[name])
    note = message_send(
        author=people["manager"], service_request=people["request"], text=NOTE, internal=True
    )
    assert push.push_message.call(message_id=note.pk) == 0
    assert push_service.requests == []


# --- e-mail digests ---------------------------------------------------------------------------


def _mailed_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_a_note_alone_never_makes_a_digest_due(customer, manager, service_request, post):
    ManagerFactory()  # another manager: a note is not news to them either
    post(manager, service_request, NOTE, internal=True)
    assert not PendingDigest.objects.exists()
    move_back(86_400)
    run_worker()
    assert mail.outbox == []


def test_a_customers_digest_lists_the_replies_but_never_the_note(
    customer, manager, service_request, post
):
    post(manager, service_request, "First reply")
    post(manager, service_request, NOTE, internal=True)
    post(manager, service_request, "Second reply")
    move_back(301)
    run_worker()
    (digest,) = _mailed_to(customer.email)
    assert "2 unread messages" in digest.subject
    assert "First reply" in digest.body and "Second reply" in digest.body
    assert "landlord" not in digest.body
    for alternative, _type in digest.alternatives:
        assert "landlord" not in alternative
        assert "First reply" in alternative
