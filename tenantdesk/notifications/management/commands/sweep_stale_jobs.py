"""Finishes the jobs and e-mails of task workers that died mid-job (notifications/stale.py).

Run before each task worker starts (the unit's ExecStartPre, `make run`), with the id the
worker is about to use, and every few minutes by a timer for workers that never come back.
"""

from django.core.management.base import BaseCommand

from tenantdesk.notifications.stale import stale_jobs_sweep


class Command(BaseCommand):
    help = (
        "Mark the jobs of dead task workers failed (running them again where that is safe) "
        "and their e-mails left 'sending' failed: never sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker-id",
            default="",
            help="The id of a worker about to start (db_worker --worker-id): the jobs it left "
            "RUNNING are stale whatever their age. Without it: only those older than "
            "TASKS_STALE_AFTER_SECONDS.",
        )

    def handle(self, *args, worker_id: str, **options):
        counts = stale_jobs_sweep(dead_worker_id=worker_id or None)
        self.stdout.write(
            "stale jobs: {jobs} swept, {jobs_rerun} enqueued again; "
            "e-mails marked failed: {emails_failed}".format(**counts)
        )
