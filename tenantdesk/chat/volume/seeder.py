"""The data set itself: sizes, people, requests with their history, chats with read
positions and receipts (package docstring: tenantdesk/chat/volume/__init__.py)."""

from __future__ import annotations

import itertools
import json
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from tenantdesk.accounts.models import Organisation, User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.chat.models import Attachment, Message, ReadCursor
from tenantdesk.chat.volume.chats import ChatRows
from tenantdesk.chat.volume.places import PLACE_MODELS, PlacesRows
from tenantdesk.chat.volume.rows import (
    COLUMNS,
    _analyze,
    _next_id,
    _reset_sequences,
    _sample_photo,
    _write,
)
from tenantdesk.service_requests.models import (
    Rating,
    RequestEvent,
    RequestFollower,
    ServiceRequest,
)

Status = ServiceRequest.Status
Priority = ServiceRequest.Priority

# Requests written per batch (with their messages, cursors …): bounds the memory.
BATCH_REQUESTS = 2000
# A request's first-response and resolution targets, roughly as the settings' defaults.
TARGETS = {
    Priority.URGENT: (timedelta(hours=1), timedelta(hours=4)),
    Priority.HIGH: (timedelta(hours=2), timedelta(days=1)),
    Priority.NORMAL: (timedelta(hours=4), timedelta(days=3)),
    Priority.LOW: (timedelta(hours=8), timedelta(days=5)),
}
PRIORITIES = [Priority.NORMAL] * 14 + [Priority.LOW] * 2 + [Priority.HIGH] * 3 + [Priority.URGENT]
FIRST_NAMES = ["Anna", "Ivan", "Olga", "Pavel", "Elena", "Sergei", "Maria", "Dmitri", "Irina"]
LAST_NAMES = ["Ivanova", "Petrov", "Smirnova", "Kuznetsov", "Popova", "Volkov", "Sokolova"]
COMPANY_WORDS = ["Northwind", "Baltic", "Polar", "Aurora", "Vector", "Granit", "Sever", "Orbita"]
COMPANY_KINDS = ["Logistics", "Consulting", "Software", "Trade", "Design", "Legal", "Media"]
TITLES = {
    ServiceRequest.Type.ELECTRICAL: ["The ceiling light flickers", "No power at the desks"],
    ServiceRequest.Type.PLUMBING: ["Leaking pipe under the sink", "The toilet does not flush"],
    ServiceRequest.Type.VENTILATION: ["It is too hot in the office", "The air vent rattles"],
    ServiceRequest.Type.COMMUNICATIONS: ["The camera at the door is off", "No network port"],
    ServiceRequest.Type.CARPENTRY: ["The door does not close", "A broken shelf"],
    ServiceRequest.Type.CLEANING: ["Please clean the carpet", "Bins were not emptied"],
}
CUSTOMER_LINES = [
    "Hello, it started again this morning.",
    "Добрый день! Когда придёт мастер?",
    "Thank you, it works now.",
    "Можно перенести на завтра после обеда?",
    "Here is a photo of the problem.",
    "Мы будем в офисе до 18:00.",
]
MANAGER_LINES = [
    "Good morning. An engineer will come at 15:00.",
    "Здравствуйте! Мастер будет сегодня с 14 до 16.",
    "The part is ordered; it arrives on Thursday.",
    "Проверьте, пожалуйста, всё ли теперь в порядке.",
    "We have closed the water for an hour.",
]
NOTE_LINES = ["Call the contractor first.", "Тот же офис, что и в прошлом месяце."]


@dataclass(frozen=True)
class Sizes:
    organisations: int = 300
    people: int = 2000
    managers: int = 40
    # Buildings (at most one per organisation), each with its tenants' premises.
    buildings: int = 40
    requests: int = 60_000
    messages: int = 2_000_000
    # The longest chat, in one active request (the request page's worst case).
    longest_chat: int = 5000
    days: int = 365
    # About this share of the requests is still open (the newest, mostly).
    active_share: float = 0.05


@dataclass
class Summary:
    password: str
    managers: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    longest_chat_request: int | None = None
    longest_chat_customer: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


class VolumeSeeder(ChatRows, PlacesRows):
    """Builds the data set; `run()` writes it in one transaction and returns a Summary."""

    def __init__(self, sizes: Sizes, *, seed: int, prefix: str, password: str):
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.summary = Summary(password=password)
        self.password_hash = make_password(password)
        self.now = timezone.now().replace(microsecond=0)
        self.counts = dict.fromkeys(
            (
                "organisations",
                "people",
                "requests",
                "messages",
                "read_positions",
                "attachments",
                "followers",
            ),
            0,
        )

    # people ------------------------------------------------------------------------------

    def _people(self) -> None:
        rng, sizes = self.rng, self.sizes
        start = self.now - timedelta(days=sizes.days + 30)
        org_id = _next_id(Organisation)
        organisations = []
        for n in range(sizes.organisations):
            name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {n + 1:03d} LLC"
            phone = f"+7909{rng.randrange(10**7):07d}"
            address = f"Business park {1 + n % 40}, office {100 + n}"
            organisations.append((org_id + n, start, start, name, address, phone))
        _write(
            Organisation,
            ("id", "created_at", "updated_at", "name", "address", "phone"),
            organisations,
        )
        self.organisation_ids = [row[0] for row in organisations]
        # A few big tenants and many small ones: weights fall with the rank.
        self.organisation_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(organisations))]
        self.organisation_cumulative = list(itertools.accumulate(self.organisation_weights))

        user_id = _next_id(User)
        columns = (
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "organisation_id",
            "language",
            "organisation_role",
            "company_admin",
            "session_stamp",
        )
        rows, self.managers = [], []
        for n in range(sizes.managers):
            username = f"{self.prefix}-manager-{n + 1:02d}"
            person = self._person(user_id, username, None, staff=True, role="member")
            # The first manager runs the team (/company/team).
            rows.append((*person[:-2], n == 0, person[-1]))
            self.managers.append(user_id)
            self.summary.managers.append(username)
            user_id += 1
        members_left = max(sizes.people - sizes.managers, sizes.organisations)
        self.members: dict[int, list[int]] = {}
        extra = members_left - sizes.organisations
        weights = self.organisation_weights
        shares = [1 + int(extra * w / sum(weights)) for w in weights]
        for i in range(members_left - sum(shares)):  # what rounding down left over
            shares[i % len(shares)] += 1
        for organisation_id, share in zip(self.organisation_ids, shares, strict=True):
            for n in range(share):
                username = f"{self.prefix}-{organisation_id}-{n + 1}"
                # Each organisation's first person registered it: its admin.
                role = "admin" if n == 0 else "member"
                rows.append(
                    self._person(user_id, username, organisation_id, staff=False, role=role)
                )
                self.members.setdefault(organisation_id, []).append(user_id)
                if len(self.summary.customers) < 3 and n == 0:
                    self.summary.customers.append(username)
                user_id += 1
        _write(User, columns, rows)
        group = Group.objects.get(name=MANAGER_GROUP)
        group.user_set.add(*self.managers)
        self.usernames = {row[0]: row[3] for row in rows}
        self.names = {row[0]: f"{row[4]} {row[5]}" for row in rows}
        self.counts["organisations"] = len(organisations)
        self.counts["people"] = len(rows)

    def _person(self, pk: int, username: str, organisation_id, *, staff: bool, role: str) -> tuple:
        rng = self.rng
        language = "ru" if rng.random() < 0.7 else "en"
        return (
            pk,
            self.password_hash,
            False,
            username,
            rng.choice(FIRST_NAMES),
            rng.choice(LAST_NAMES),
            f"{username}@example.com",
            staff,
            True,
            self.now - timedelta(days=self.sizes.days + 30),
            organisation_id,
            language,
            role,
            False,  # company_admin
            "",  # session_stamp: none until the person turns two-factor sign-in on
        )

    # requests ----------------------------------------------------------------------------

    def _message_counts(self) -> tuple[list[int], int]:
        """Messages per request: one longest chat, the rest spread unevenly (most chats
        are short, a few long), summing to the asked total."""
        sizes, rng = self.sizes, self.rng
        n = sizes.requests
        longest = min(sizes.longest_chat, sizes.messages) if n else 0
        rest = sizes.messages - longest
        # The last (newest) request holds the longest chat; the others share the rest.
        weights = [rng.expovariate(1.0) ** 1.5 for _ in range(n - 1)]
        total = sum(weights) or 1.0
        counts = [int(rest * w / total) for w in weights]
        for i in rng.sample(range(n - 1), k=min(n - 1, rest - sum(counts))) if n > 1 else ():
            counts[i] += 1
        return [*counts, longest], longest

    def _requests(self) -> None:
        sizes, rng, now = self.sizes, self.rng, self.now
        photo, thumbnail = _sample_photo()
        self.photo = (photo, thumbnail)
        span = timedelta(days=sizes.days).total_seconds()
        created = sorted(
            now - timedelta(seconds=rng.uniform(600, span)) for _ in range(sizes.requests)
        )
        # Open with a chance falling with age, so that about active_share stay open.
        tau = max(sizes.active_share * sizes.days, 0.5) * 86400
        counts, longest = self._message_counts()
        # The longest chat goes to the newest request, open and busy.
        longest_index = len(created) - 1
        # Every table written per request.
        self.ids.update({model: _next_id(model) for model in COLUMNS})
        batch: list[tuple] = []
        for index, created_at in enumerate(created):
            age = (now - created_at).total_seconds()
            is_longest = index == longest_index
            is_open = rng.random() < math.exp(-age / tau) or is_longest
            messages = longest if is_longest else counts[index]
            batch.append((created_at, is_open, messages, is_longest))
            if len(batch) == BATCH_REQUESTS:
                self._write_batch(batch)
                batch = []
        self._write_batch(batch)
        if sizes.requests:
            self.summary.longest_chat_request = self.longest_request_id

    def _write_batch(self, batch: list[tuple]) -> None:
        tables: dict[type, list[tuple]] = {model: [] for model in COLUMNS}
        for created_at, is_open, messages, is_longest in batch:
            self._one_request(tables, created_at, is_open, messages, is_longest)
        for model, rows in tables.items():
            _write(model, COLUMNS[model], rows)
        self.counts["requests"] += len(tables[ServiceRequest])
        self.counts["messages"] += len(tables[Message])
        self.counts["read_positions"] += len(tables[ReadCursor])
        self.counts["attachments"] += len(tables[Attachment])
        self.counts["followers"] += len(tables[RequestFollower])

    def _one_request(
        self, tables, created_at: datetime, is_open: bool, message_count: int, is_longest: bool
    ):
        rng, now = self.rng, self.now
        pk = self._take(ServiceRequest)
        organisation_id = rng.choices(
            self.organisation_ids, cum_weights=self.organisation_cumulative
        )[0]
        members = self.members[organisation_id]
        author = members[0] if rng.random() < 0.6 else rng.choice(members)
        assignee = rng.choice(self.managers) if rng.random() < (0.75 if is_open else 0.95) else None
        priority = rng.choice(PRIORITIES)
        kind = rng.choice(list(TITLES))
        ends_at = now if is_open else min(now, created_at + timedelta(days=rng.expovariate(0.5)))
        status = Status.CLOSED
        if is_open:
            status = Status.IN_PROGRESS if assignee and rng.random() < 0.6 else Status.PENDING
        # The chat: people's messages over the request's life, then its status steps.
        times = sorted(
            created_at + (ends_at - created_at) * rng.random()
            for _ in range(max(message_count - (status != Status.PENDING), 0))
        )
        manager_side = [assignee] if assignee else self.managers
        rows = []
        for at in times:
            by_manager = rng.random() < 0.45
            internal = by_manager and rng.random() < 0.05
            if by_manager:
                who = rng.choice(manager_side) if rng.random() < 0.85 else rng.choice(self.managers)
                text = rng.choice(NOTE_LINES if internal else MANAGER_LINES)
            else:
                who = author if rng.random() < 0.8 else rng.choice(members)
                text = rng.choice(CUSTOMER_LINES)
            rows.append([at, who, by_manager, internal, text])
        changer = assignee or rng.choice(self.managers)
        changed_at = None
        if status != Status.PENDING:
            changed_at = (
                ends_at if status == Status.CLOSED else created_at + (now - created_at) / 10
            )
            if message_count:  # the step's system message is one of the request's messages
                rows.append([changed_at, None, status])
        rows.sort(key=lambda row: row[0])  # ids in time order, as the chat shows them
        message_rows, counted = self._messages(tables, pk, rows, changer)
        first_response = next(
            (r[9] for r in message_rows if r[3] == "user" and r[5] and not r[6]), None
        )
        last_activity = max([created_at] + [r[9] for r in message_rows if not r[6]])
        first_due, resolution_due = TARGETS[priority]
        title = rng.choice(TITLES[kind])
        tables[ServiceRequest].append(
            (
                pk,
                created_at,
                ends_at,
                organisation_id,
                author,
                kind,
                title,
                f"{title}. Please have a look.",
                f"{rng.randint(1, 12)}{rng.randint(1, 40):02d}",
                status,
                last_activity,
                self.photo[0],
                self.photo[1],
                assignee,
                priority,
                created_at + first_due,
                created_at + resolution_due,
                first_response,
                None if is_open else ends_at,
                counted[False],
                counted[True],
                self._location(organisation_id),
            )
        )
        # Its history (RequestEvent): opened by its author, then its one step, if any.
        tables[RequestEvent].append(
            (self._take(RequestEvent), pk, "created", author, created_at, {"channel": "form"})
        )
        if changed_at is not None:
            action = "close" if status == Status.CLOSED else "start"
            step = {"from": Status.PENDING, "to": status, "action": action, "reason": ""}
            tables[RequestEvent].append(
                (self._take(RequestEvent), pk, "status", changer, changed_at, step)
            )
        self._cursors(tables, pk, message_rows, author, assignee, members, is_open)
        self._followers(tables, pk, message_rows, author, created_at)
        if not is_open and assignee and rng.random() < 0.4:
            score = rng.choices([5, 4, 3, 2, 1], [50, 25, 12, 8, 5])[0]
            tables[Rating].append((self._take(Rating), pk, author, assignee, score, "", ends_at))
        if is_longest:
            self.longest_request_id = pk
            self.summary.longest_chat_customer = self.usernames[author]

    def _take(self, model) -> int:
        pk = self.ids[model]
        self.ids[model] += 1
        return pk

    def run(self) -> Summary:
        with transaction.atomic():
            self._people()
            self.ids = {model: _next_id(model) for model in PLACE_MODELS}
            self._places()
            self._requests()
            _reset_sequences([Organisation, User, *PLACE_MODELS, *COLUMNS])
        _analyze([Organisation, User, *PLACE_MODELS, *COLUMNS])
        self.summary.counts = self.counts
        return self.summary


def summary_json(summary: Summary) -> str:
    return json.dumps(summary.__dict__, ensure_ascii=False)
