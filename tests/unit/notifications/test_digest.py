"""The digest of missed messages: who gets it, when, how often, and what a message costs.

The jobs are run by django_tasks_db's own worker loop (email_helpers.run_worker); time
moves by shifting what is stored back (email_helpers.move_back).
"""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.base import ContentFile

from tenantdesk.accounts.models import User
from tenantdesk.chat.announcements import message_posted
from tenantdesk.chat.models import Attachment, Message
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.services.system_messages import request_event_message_post
from tenantdesk.notifications.models import EmailDelivery, EmailPreferences, PendingDigest, Side
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.following import service_request_unfollow
from tests.factories import CustomerFactory, ManagerFactory, image_bytes
from tests.unit.chat.helpers import follow, status_change
from tests.unit.notifications.email_helpers import jobs, move_back, run_worker


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """Send a chat message the way the site does, announcements after commit included."""

    def _post(author, service_request, text="Hello"):
        with django_capture_on_commit_callbacks(execute=True):
            return message_send(author=author, service_request=service_request, text=text)

    return _post


def _recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_an_unread_message_is_emailed_after_the_delay_to_every_follower_of_the_other_side(
    customer, manager, service_request, other_customer, post
):
    colleague = CustomerFactory(organisation=customer.organisation)
    follow(colleague, service_request)
    CustomerFactory(organisation=customer.organisation)  # a member who does not follow it
    no_address = CustomerFactory(organisation=customer.organisation, email="")
    follow(no_address, service_request)  # skipped: no address
    ManagerFactory()  # another manager: the message is theirs, not for them
    post(manager, service_request, "The plumber comes at 3 pm.")

    assert run_worker() == 0  # not due yet
    assert mail.outbox == []
    move_back(299)
    run_worker()
    assert mail.outbox == []
    move_back(2)
    run_worker()

    # The author follows from creation, the colleague from the Follow button.
    assert _recipients() == sorted([customer.email, colleague.email])
    assert other_customer.email not in _recipients()
    assert all("The plumber comes at 3 pm." in m.body for m in mail.outbox)


def test_following_and_unfollowing_change_who_gets_the_digest(
    customer, manager, service_request, post
):
    colleague = CustomerFactory(organisation=customer.organisation)
    post(manager, service_request, "First answer")
    move_back(301)
    run_worker()
    assert _recipients() == [customer.email]  # the colleague does not follow it yet

    mail.outbox.clear()
    follow(colleague, service_request)
    service_request_unfollow(user=customer, service_request=service_request)
    post(manager, service_request, "Second answer")
    move_back(1801)
    run_worker()
    assert _recipients() == [colleague.email]
    assert "Second answer" in mail.outbox[0].body


def test_a_follower_who_was_removed_from_the_organisation_gets_nothing(
    customer, manager, service_request, other_customer, post
):
    leaver = CustomerFactory(organisation=customer.organisation)
    mover = CustomerFactory(organisation=customer.organisation)
    follow(leaver, service_request)
    follow(mover, service_request)
    # Removed: deactivated, or now a member of another organisation (the rows stay).
    User.objects.filter(pk=leaver.pk).update(is_active=False)
    User.objects.filter(pk=mover.pk).update(organisation=other_customer.organisation)
    post(manager, service_request, "Anyone there?")
    move_back(301)
    run_worker()
    assert _recipients() == [customer.email]


def test_a_managers_reply_goes_to_the_followers_not_the_whole_organisation(
    customer, manager, service_request, post
):
    writer = CustomerFactory(organisation=customer.organisation)
    silent = CustomerFactory(organisation=customer.organisation)
    post(writer, service_request, "I have the same leak in 102")  # writing makes them follow
    post(manager, service_request, "Both offices at 3 pm, then.")
    move_back(1801)
    run_worker()
    to_customers = sorted(address for m in mail.outbox if "3 pm" in m.body for address in m.to)
    assert to_customers == sorted([customer.email, writer.email])
    assert silent.email not in _recipients()


def test_a_customer_message_goes_to_every_manager_and_the_setting_narrows_it(
    customer, manager, service_request, post, settings
):
    second = ManagerFactory()
    superuser = CustomerFactory(organisation=None, is_superuser=True)
    post(customer, service_request, "Still leaking")
    move_back(301)
    run_worker()
    assert _recipients() == sorted([manager.email, second.email, superuser.email])

    mail.outbox.clear()
    settings.NOTIFY_MANAGER_EMAILS = [second.email.upper()]
    post(customer, service_request, "Hello?")
    move_back(1801)
    run_worker()
    assert _recipients() == [second.email]


def test_someone_who_read_in_time_gets_nothing(customer, manager, service_request, post):
    colleague = CustomerFactory(organisation=customer.organisation)
    follow(colleague, service_request)
    message = post(manager, service_request, "Please leave the door open")
    messages_mark_read(reader=customer, service_request=service_request, up_to_id=message.pk)
    move_back(301)
    run_worker()
    assert _recipients() == [colleague.email]  # per person: the colleague did not read it


def test_reading_after_the_decision_but_before_the_send_still_stops_the_email(
    customer, manager, service_request, post
):
    message = post(manager, service_request)
    move_back(301)
    # The digest job decides (and claims the e-mail), the sending job has not run yet.
    digest_job = jobs("send_digests", ready_only=True).get()
    digest_job.task.call(*digest_job.args_kwargs["args"])
    delivery = EmailDelivery.objects.get()
    messages_mark_read(reader=customer, service_request=service_request, up_to_id=message.pk)
    run_worker()
    assert mail.outbox == []
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SKIPPED


def test_unfollowing_after_the_decision_but_before_the_send_stops_the_email(
    customer, manager, service_request, post
):
    post(manager, service_request)
    move_back(301)
    digest_job = jobs("send_digests", ready_only=True).get()
    digest_job.task.call(*digest_job.args_kwargs["args"])
    delivery = EmailDelivery.objects.get()
    service_request_unfollow(user=customer, service_request=service_request)
    run_worker()
    assert mail.outbox == []
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SKIPPED


def test_one_digest_lists_every_unread_message_and_status_change_then_waits_the_interval(
    customer, manager, service_request, post
):
    post(manager, service_request, "First")
    post(manager, service_request, "Second")
    post(customer, service_request, "My own words are not news to me")
    change = status_change(service_request, manager, ServiceRequest.Status.IN_PROGRESS)
    request_event_message_post(event=change)
    move_back(301)
    run_worker()
    # The manager gets the customer's message; the customer gets the manager's two.
    assert _recipients() == sorted([customer.email, manager.email])
    digest = next(m for m in mail.outbox if m.to == [customer.email])
    assert "2 unread messages" in digest.subject
    assert digest.body.index("First") < digest.body.index("Second")
    assert "In progress" in digest.body
    assert "My own words" not in digest.body

    # A new message 5 minutes later: due, but the last digest was under 30 minutes ago.
    mail.outbox.clear()
    post(manager, service_request, "Third")
    move_back(301)
    run_worker()
    assert mail.outbox == []
    assert PendingDigest.objects.get(side=Side.CUSTOMER)  # looked at again later
    move_back(1800 - 301)
    run_worker()
    assert len(mail.outbox) == 1
    # Still unread, so listed again, with the new one.
    assert "3 unread messages" in mail.outbox[0].subject
    assert "Third" in mail.outbox[0].body

    # Nothing new: no more e-mails, however long one waits.
    mail.outbox.clear()
    move_back(86_400)
    run_worker()
    assert mail.outbox == []


def test_a_status_change_alone_makes_no_digest(customer, manager, service_request):
    change = status_change(service_request, manager, ServiceRequest.Status.IN_PROGRESS)
    request_event_message_post(event=change)
    move_back(301)
    run_worker()
    assert mail.outbox == []
    assert not PendingDigest.objects.exists()


def test_attachments_are_links_to_the_chats_downloads(customer, manager, service_request, post):
    message = post(manager, service_request, "See the photo")
    attachment = Attachment(
        message=message, kind="photo", content_type="image/jpeg", size=10, original_name="leak.jpg"
    )
    attachment.file.save("a.jpg", ContentFile(image_bytes()), save=True)
    move_back(301)
    run_worker()
    url = f"https://desk.example.com/chat/attachments/{attachment.pk}"
    assert f"leak.jpg {url}" in mail.outbox[0].body
    html = mail.outbox[0].alternatives[0][0]
    assert f'href="{url}"' in html
    assert "<img" not in html


def test_people_who_turned_missed_messages_off_get_no_digest(
    customer, manager, service_request, post
):
    EmailPreferences.objects.create(user=customer, missed_messages=False)
    post(manager, service_request)
    move_back(301)
    run_worker()
    assert mail.outbox == []


def test_a_message_costs_no_query_while_this_process_knows_a_digest_is_waiting(
    customer, manager, service_request, post, django_assert_num_queries
):
    """Off the send path (issue 20): a busy chat's messages find the waiting job in what
    the process remembers; only a process that has not seen it looks (one query)."""
    from tenantdesk.notifications import digests

    first = post(manager, service_request, "one")
    assert jobs("send_digests").count() == 1
    second = Message.objects.create(
        service_request=service_request, author=manager, by_manager=True, text="two"
    )
    with django_assert_num_queries(0):
        message_posted.send(sender=Message, message=second)
    digests._known_waiting.clear()  # as another worker, which never saw the job
    third = Message.objects.create(
        service_request=service_request, author=manager, by_manager=True, text="three"
    )
    with django_assert_num_queries(1):
        message_posted.send(sender=Message, message=third)
    assert jobs("send_digests").count() == 1  # still one job for the request, not per message
    assert first.pk < second.pk < third.pk


def test_a_message_that_starts_a_digest_costs_a_lookup_and_two_inserts(
    customer, manager, service_request, django_assert_max_num_queries
):
    message = Message.objects.create(
        service_request=service_request, author=manager, by_manager=True, text="one"
    )
    # The lookup, then the PendingDigest row and the job's row (and the savepoint pair
    # around them when the test's own transaction is open).
    with django_assert_max_num_queries(5) as context:
        message_posted.send(sender=Message, message=message)
    inserts = [q["sql"] for q in context.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2
    assert jobs("send_digests").count() == 1
    # System messages never cost anything.
    system = Message.objects.create(service_request=service_request, kind=Message.Kind.SYSTEM)
    with django_assert_max_num_queries(0):
        message_posted.send(sender=Message, message=system)


def test_a_manager_removed_from_the_group_before_the_send_gets_nothing(
    customer, manager, service_request, post
):
    post(customer, service_request)
    move_back(301)
    digest_job = jobs("send_digests", ready_only=True).get()
    digest_job.task.call(*digest_job.args_kwargs["args"])
    manager.groups.remove(Group.objects.get(name="manager"))
    run_worker()
    assert mail.outbox == []
    assert EmailDelivery.objects.get().status == EmailDelivery.Status.SKIPPED
