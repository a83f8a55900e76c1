"""The stale-job sweep (notifications/stale.py, `manage.py sweep_stale_jobs`): what a task
worker that died mid-job left behind is finished without ever sending an e-mail twice.

A dead worker is played with django_tasks_db's own steps: the job is enqueued, then
claimed by a worker id (DBTaskResult.claim, what db_worker does), and its e-mail taken with
delivery.py's own claim; then that worker does nothing more, as a killed one does."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tenantdesk.chat.services.send import message_send
from tenantdesk.notifications import delivery as delivery_module
from tenantdesk.notifications.models import EmailDelivery
from tenantdesk.notifications.push import push_message
from tenantdesk.notifications.stale import stale_jobs_sweep
from tenantdesk.notifications.tasks import deliver_email, send_digests
from tests.unit.notifications.email_helpers import jobs, move_back, run_worker

pytestmark = pytest.mark.django_db

THRESHOLD = 600
DEAD = "host-1"


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.TASKS_STALE_AFTER_SECONDS = THRESHOLD


@pytest.fixture
def digest_due(customer, manager, service_request, django_capture_on_commit_callbacks):
    """A manager's message to `customer`, unread past the delay."""
    with django_capture_on_commit_callbacks(execute=True):
        message_send(author=manager, service_request=service_request, text="Hi there")
    move_back(301)
    # Its digest job is run by hand below (send_digests.call) or played as a dead one.
    DBTaskResult.objects.all().delete()


def running(task, *args, worker=DEAD, age: float = 0) -> DBTaskResult:
    """A job claimed by `worker` (as db_worker claims it) `age` seconds ago."""
    job = task.enqueue(*args).db_result
    job.claim(worker)
    DBTaskResult.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - timedelta(seconds=age)
    )
    return DBTaskResult.objects.get(pk=job.pk)


def taken_email(service_request) -> EmailDelivery:
    """The digest e-mail decided and taken for sending (pending → sending), its job RUNNING
    on the dead worker: a worker killed mid-send."""
    send_digests.call(service_request.pk, "customer")
    delivery = EmailDelivery.objects.get()
    DBTaskResult.objects.filter(task_path__endswith=".deliver_email").delete()
    job = running(deliver_email, delivery.pk)
    assert delivery_module._claim(delivery.pk)
    return EmailDelivery.objects.get(pk=delivery.pk), job


def age_claim(delivery: EmailDelivery, seconds: float) -> None:
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=seconds)
    )


# --- e-mails left "sending" ---------------------------------------------------------------


def test_an_email_taken_longer_ago_than_the_threshold_becomes_failed_with_the_reason(
    digest_due, service_request
):
    delivery, _job = taken_email(service_request)
    DBTaskResult.objects.all().delete()  # whatever became of its job (pruned)
    age_claim(delivery, THRESHOLD + 5)
    assert stale_jobs_sweep() == {"jobs": 0, "jobs_rerun": 0, "emails_failed": 1}
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 1
    assert delivery.last_error.startswith("attempt 1: the task worker stopped while sending it")
    assert "not sent again" in delivery.last_error
    # Never sent, now or later.
    move_back(10_000)
    run_worker()
    assert mail.outbox == []


def test_a_fresh_sending_email_is_left_alone(digest_due, service_request):
    delivery, _job = taken_email(service_request)
    DBTaskResult.objects.all().delete()
    age_claim(delivery, THRESHOLD - 30)
    assert stale_jobs_sweep() == {"jobs": 0, "jobs_rerun": 0, "emails_failed": 0}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("sending", "")


def test_the_threshold_counts_from_the_claim_not_from_the_decision(digest_due, service_request):
    # An e-mail decided long ago, on its fifth attempt now: not stale.
    delivery, _job = taken_email(service_request)
    DBTaskResult.objects.all().delete()
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(seconds=THRESHOLD * 3)
    )
    age_claim(delivery, 5)
    assert stale_jobs_sweep()["emails_failed"] == 0


def test_the_admin_site_lists_it_under_failed_with_the_reason(
    client, digest_due, service_request, customer
):
    stale, _job = taken_email(service_request)
    DBTaskResult.objects.all().delete()
    age_claim(stale, THRESHOLD + 5)
    fresh = EmailDelivery.objects.create(
        key="closed:fresh",
        kind="closed",
        user=customer,
        service_request=service_request,
        status="sending",
        attempts=1,
        claimed_at=timezone.now(),
    )
    stale_jobs_sweep()
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    url = "/admin/notifications/emaildelivery/"
    failed = client.get(url, {"status__exact": "failed"}).content.decode()
    assert f"{url}{stale.pk}/change/" in failed and f"{url}{fresh.pk}/change/" not in failed
    assert "attempt 1: the task worker stopped while sending it" in failed
    sending = client.get(url, {"status__exact": "sending"}).content.decode()
    assert f"{url}{fresh.pk}/change/" in sending and f"{url}{stale.pk}/change/" not in sending
    page = client.get(f"{url}{stale.pk}/change/").content.decode()
    assert "The mail server may have accepted it, so it is not sent again" in page


# --- RUNNING jobs of a dead worker ------------------------------------------------------


def test_the_job_of_a_worker_starting_again_is_failed_and_its_taken_email_never_sent(
    digest_due, service_request
):
    # Killed mid-send a moment ago; systemd starts the instance again under the same id.
    delivery, job = taken_email(service_request)
    counts = stale_jobs_sweep(dead_worker_id=DEAD)
    assert counts == {"jobs": 1, "jobs_rerun": 0, "emails_failed": 1}
    job.refresh_from_db()
    assert job.status == "FAILED" and job.finished_at is not None
    assert job.exception_class_path == "tenantdesk.notifications.stale.WorkerStopped"
    assert f"The task worker {DEAD} stopped while running this job" in job.traceback
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert not jobs("deliver_email").filter(status="READY").exists()  # not tried again
    move_back(10_000)
    assert run_worker() == 0
    assert mail.outbox == []


def test_a_send_job_that_died_before_taking_its_email_runs_again_and_sends_once(
    digest_due, service_request, customer
):
    send_digests.call(service_request.pk, "customer")
    delivery = EmailDelivery.objects.get()
    DBTaskResult.objects.filter(task_path__endswith=".deliver_email").delete()
    job = running(deliver_email, delivery.pk, age=THRESHOLD + 5)  # never got to _claim
    assert stale_jobs_sweep() == {"jobs": 1, "jobs_rerun": 1, "emails_failed": 0}
    job.refresh_from_db()
    assert job.status == "FAILED"
    assert run_worker() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert [m.to for m in mail.outbox] == [[customer.email]]
    # A second sweep and more work change nothing.
    assert stale_jobs_sweep() == {"jobs": 0, "jobs_rerun": 0, "emails_failed": 0}
    move_back(10_000)
    assert run_worker() == 0
    assert len(mail.outbox) == 1


def test_a_digest_job_that_died_after_claiming_runs_again_without_a_second_email(
    digest_due, service_request, customer
):
    # The dead job had decided and claimed the e-mail (and enqueued its sending) already.
    job = running(send_digests, service_request.pk, "customer")
    send_digests.call(service_request.pk, "customer")
    assert EmailDelivery.objects.count() == 1
    assert stale_jobs_sweep(dead_worker_id=DEAD) == {"jobs": 1, "jobs_rerun": 1, "emails_failed": 0}
    job.refresh_from_db()
    assert job.status == "FAILED"
    assert jobs("send_digests", ready_only=True).count() == 1
    run_worker()  # the digest job again (claims nothing new), then the one sending job
    assert EmailDelivery.objects.get().status == "sent"
    assert [m.to for m in mail.outbox] == [[customer.email]]


def test_a_running_job_of_a_live_worker_is_left_alone(digest_due, service_request):
    delivery, job = taken_email(service_request)  # on DEAD, a moment ago
    other = running(send_digests, service_request.pk, "customer", worker="host-2", age=60)
    # Another worker starts: neither job is its own, neither is older than the threshold.
    assert stale_jobs_sweep(dead_worker_id="host-3") == {
        "jobs": 0,
        "jobs_rerun": 0,
        "emails_failed": 0,
    }
    for row in (job, other):
        row.refresh_from_db()
        assert row.status == "RUNNING"
    delivery.refresh_from_db()
    assert delivery.status == "sending"


def test_a_job_older_than_the_threshold_is_swept_whoever_ran_it(digest_due, service_request):
    job = running(send_digests, service_request.pk, "customer", worker="gone", age=THRESHOLD + 5)
    assert stale_jobs_sweep()["jobs"] == 1
    job.refresh_from_db()
    assert job.status == "FAILED"
    assert "gave no result for over 600 s" in job.traceback


def test_a_push_job_is_failed_but_not_run_again(manager, service_request):
    # A push sent twice would show twice; a lost one costs nothing (the chat has it).
    job = running(push_message, worker=DEAD)
    DBTaskResult.objects.filter(pk=job.pk).update(
        args_kwargs={"args": [], "kwargs": {"message_id": 1}}
    )
    assert stale_jobs_sweep(dead_worker_id=DEAD) == {
        "jobs": 1,
        "jobs_rerun": 0,
        "emails_failed": 0,
    }
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_the_command_sweeps_for_the_worker_it_names(digest_due, service_request):
    delivery, job = taken_email(service_request)
    out = StringIO()
    call_command("sweep_stale_jobs", "--worker-id", "someone-else", stdout=out)
    assert "0 swept" in out.getvalue()
    call_command("sweep_stale_jobs", "--worker-id", DEAD, stdout=out)
    assert "1 swept, 0 enqueued again; e-mails marked failed: 1" in out.getvalue()
    delivery.refresh_from_db()
    assert delivery.status == "failed"
