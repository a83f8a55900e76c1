"""`manage.py seed_volume`: a year of a mid-size company's data (SPEC "Data volume"), for
`make bench`, the scale test and anyone checking a page's queries at size."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from tenantdesk.accounts.models import Organisation, User
from tenantdesk.chat.volume.seeder import Sizes, VolumeSeeder, summary_json
from tenantdesk.service_requests.models import ServiceRequest

DEFAULTS = Sizes()


class Command(BaseCommand):
    help = (
        "Fill the database with a year of a management company's data: organisations, "
        "people, managers, buildings with premises and leases, located requests with "
        "their history, chats with read positions. The "
        "defaults are SPEC.md's sizes. Refuses a database that already holds data unless "
        "--force. Prints the logins it made and their password."
    )

    def add_arguments(self, parser):
        sizes = parser.add_argument_group("sizes")
        for name, help_text in (
            ("organisations", "tenant organisations"),
            ("people", "people in all, managers included"),
            ("managers", "managers of the company"),
            ("buildings", "buildings (at most one per organisation)"),
            ("requests", "requests over the period"),
            ("messages", "chat messages in all (status steps included)"),
            ("longest-chat", "messages in the one longest chat (an open request)"),
            ("days", "the period the requests are spread over"),
        ):
            default = getattr(DEFAULTS, name.replace("-", "_"))
            sizes.add_argument(
                f"--{name}", type=int, default=default, help=f"{help_text} (default {default})"
            )
        parser.add_argument(
            "--active-share",
            type=float,
            default=DEFAULTS.active_share,
            help=f"share of requests still open (default {DEFAULTS.active_share})",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--prefix", default="vol", help="user names start with it")
        parser.add_argument("--password", default="volume-pass-2026", help="everyone's password")
        parser.add_argument(
            "--force", action="store_true", help="add to a database that already holds data"
        )
        parser.add_argument(
            "--json", action="store_true", help="print the summary as one JSON line"
        )

    def handle(self, *args, **options):
        sizes = Sizes(
            organisations=options["organisations"],
            people=options["people"],
            managers=options["managers"],
            buildings=options["buildings"],
            requests=options["requests"],
            messages=options["messages"],
            longest_chat=options["longest_chat"],
            days=options["days"],
            active_share=options["active_share"],
        )
        self._check(sizes, options)
        started = time.monotonic()
        summary = VolumeSeeder(
            sizes, seed=options["seed"], prefix=options["prefix"], password=options["password"]
        ).run()
        seconds = time.monotonic() - started
        if options["json"]:
            self.stdout.write(summary_json(summary))
            return
        counts = summary.counts
        self.stdout.write(
            f"Made in {seconds:.0f} s: {counts['organisations']} organisations, "
            f"{counts['people']} people, {counts['buildings']} buildings with "
            f"{counts['premises']} premises, {counts['requests']} requests, "
            f"{counts['messages']} messages, {counts['read_positions']} read positions, "
            f"{counts['attachments']} attachments."
        )
        self.stdout.write(f"Managers: {', '.join(summary.managers[:3])} … (password below)")
        self.stdout.write(f"Customers, e.g.: {', '.join(summary.customers)}")
        if summary.longest_chat_request:
            self.stdout.write(
                f"The longest chat: request #{summary.longest_chat_request} "
                f"(its customer {summary.longest_chat_customer})"
            )
        self.stdout.write(f"Password of every account made: {summary.password}")

    def _check(self, sizes: Sizes, options) -> None:
        if min(sizes.organisations, sizes.managers, sizes.buildings, sizes.days) < 1:
            raise CommandError(
                "--organisations, --managers, --buildings and --days must be at least 1."
            )
        if min(sizes.requests, sizes.messages, sizes.longest_chat) < 0:
            raise CommandError("Sizes cannot be negative.")
        if sizes.requests and sizes.longest_chat > sizes.messages:
            raise CommandError("--longest-chat cannot exceed --messages.")
        if not 0 <= sizes.active_share <= 1:
            raise CommandError("--active-share is a share between 0 and 1.")
        if User.objects.filter(username__startswith=f"{options['prefix']}-").exists():
            raise CommandError(
                f"User names starting with “{options['prefix']}-” exist: choose another --prefix."
            )
        holds_data = (
            Organisation.objects.exists()
            or ServiceRequest.objects.exists()
            or User.objects.filter(is_superuser=False).exists()
        )
        if holds_data and not options["force"]:
            raise CommandError(
                "This database already holds organisations, people or requests; "
                "seed_volume adds a data set only to an empty one (or pass --force)."
            )
