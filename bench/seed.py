"""The benchmark's data, made directly in the database of the stack under test.

Run under the stack's settings (harness.stack.Stack.python runs `seed()`): 200
organisations with 5 members each, 20 managers, 10,000 requests (50 per organisation,
mostly active), a 200-message chat, and 2,000 signed-in sessions made directly (no
sign-in page: what is measured is the chat, not PBKDF2). Prints one JSON line: the rooms
and cookies the load uses, and the pages to fetch.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from tenantdesk.accounts.models import Organisation, User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.chat.models import Message
from tenantdesk.service_requests.models import ServiceRequest

ORGANISATIONS = 200
MEMBERS = 5
MANAGERS = 20
REQUESTS_PER_ORGANISATION = 50
BIG_CHAT_MESSAGES = 200
SESSIONS = 2000
CHAT_ROOMS = 100


def _users(organisations) -> tuple[list[User], list[User]]:
    password = make_password("bench-password-1")  # one hash for all: PBKDF2 is not measured
    customers = [
        User(username=f"bench-{org.pk}-{n}", password=password, organisation=org)
        for org in organisations
        for n in range(MEMBERS)
    ]
    managers = [
        User(username=f"bench-manager-{n}", password=password, is_staff=True, first_name="Anna")
        for n in range(MANAGERS)
    ]
    User.objects.bulk_create(customers + managers)
    customers = list(User.objects.filter(username__startswith="bench-", organisation__isnull=False))
    managers = list(User.objects.filter(username__startswith="bench-manager-"))
    Group.objects.get(name=MANAGER_GROUP).user_set.add(*managers)
    return customers, managers


def _requests(organisations, customers) -> list[ServiceRequest]:
    first_member = {c.organisation_id: c for c in reversed(customers)}
    now = timezone.now()
    statuses = [ServiceRequest.Status.PENDING] * 4 + [ServiceRequest.Status.IN_PROGRESS] * 3
    statuses += [ServiceRequest.Status.CLOSED] * 3
    rows = []
    for org in organisations:
        for n in range(REQUESTS_PER_ORGANISATION):
            rows.append(
                ServiceRequest(
                    organisation=org,
                    author=first_member[org.pk],
                    type=random.choice(ServiceRequest.Type.values),  # noqa: S311
                    title=f"Request {n} of {org.name}",
                    description="Something needs fixing in the office.",
                    office=str(100 + n),
                    status=statuses[n % len(statuses)],
                    last_activity_at=now - timedelta(minutes=n),
                    photo="bench/none.jpg",
                    photo_thumbnail="bench/none_thumb.jpg",
                )
            )
    ServiceRequest.objects.bulk_create(rows, batch_size=1000)
    # These organisations' only: the volume data (`volume()`) is in the same database.
    return list(
        ServiceRequest.objects.filter(organisation__in=organisations)
        .exclude(status=ServiceRequest.Status.CLOSED)
        .order_by("pk")
    )


def _sessions(users: list[User]) -> list[str]:
    """One signed-in session per user given, written straight to the session table."""
    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    keys, rows = [], []
    for user in users:
        key = get_random_string(32)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "tenantdesk.accounts.backends.PeopleBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        keys.append(key)
    Session.objects.bulk_create(rows, batch_size=1000)
    return keys


def volume() -> dict:
    """SPEC's year of data (`manage.py seed_volume`'s defaults) and signed-in sessions of
    the manager and the customer whose pages the benchmark loads."""
    from tenantdesk.chat.volume.seeder import Sizes, VolumeSeeder

    sizes = Sizes()
    summary = VolumeSeeder(sizes, seed=1, prefix="vol", password="bench-password-1").run()
    manager = User.objects.get(username=summary.managers[0])
    customer = User.objects.get(username=summary.longest_chat_customer)
    manager_cookie, customer_cookie = _sessions([manager, customer])
    return {
        "volume_manager_cookie": manager_cookie,
        "volume_customer_cookie": customer_cookie,
        "volume_longest_chat": summary.longest_chat_request,
        "volume_sizes": (
            f"{sizes.organisations} organisations, {sizes.people} people, "
            f"{sizes.requests} requests, {sizes.messages} messages"
        ),
    }


@transaction.atomic
def seed() -> dict:
    random.seed(7)
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Bench Tenant {n:03d} LLC", address=f"Office {n}", phone="+79090951670"
            )
            for n in range(ORGANISATIONS)
        ]
    )
    customers, managers = _users(organisations)
    active = _requests(organisations, customers)
    by_org = {}
    for request in active:
        by_org.setdefault(request.organisation_id, []).append(request)
    members = {}
    for customer in customers:
        members.setdefault(customer.organisation_id, []).append(customer)

    # Chat rooms: one active request of each of the first CHAT_ROOMS organisations, each
    # with one of its members and one of the managers.
    room_orgs = list(by_org)[:CHAT_ROOMS]
    room_users = [
        (by_org[org][0], members[org][0], managers[i % MANAGERS]) for i, org in enumerate(room_orgs)
    ]
    # Idle sockets: every customer on one of their organisation's requests, and the
    # managers' sessions on requests of any organisation, up to SESSIONS in all.
    idle_pairs = [(by_org[c.organisation_id][1], c) for c in customers]
    spare = SESSIONS - len(idle_pairs)
    idle_pairs += [(active[n * 3], managers[n % MANAGERS]) for n in range(spare)]
    cookies = _sessions([user for _r, user in idle_pairs])
    room_cookies = _sessions([u for _r, c, m in room_users for u in (c, m)])

    big = room_users[0][0]
    Message.objects.bulk_create(
        [
            Message(
                service_request=big,
                author=room_users[0][1] if n % 2 else room_users[0][2],
                by_manager=not n % 2,
                kind=Message.Kind.USER,
                text=f"Message number {n} about the flickering light.",
                created_at=timezone.now() - timedelta(minutes=BIG_CHAT_MESSAGES - n),
            )
            for n in range(BIG_CHAT_MESSAGES)
        ]
    )
    # Written in bulk, past the send service: its counts (chat/unread.py) set to match.
    ServiceRequest.objects.filter(pk=big.pk).update(
        messages_from_customers=BIG_CHAT_MESSAGES // 2,
        messages_from_managers=BIG_CHAT_MESSAGES - BIG_CHAT_MESSAGES // 2,
    )
    return {
        "rooms": [
            {"id": r.pk, "cookies": room_cookies[2 * i : 2 * i + 2]}
            for i, (r, _c, _m) in enumerate(room_users)
        ],
        "idle": [
            {"id": r.pk, "cookie": cookie}
            for (r, _u), cookie in zip(idle_pairs, cookies, strict=True)
        ],
        "big_chat": big.pk,
        # The first room's people: a member of the big chat's organisation and a manager.
        "customer_cookie": room_cookies[0],
        "manager_cookie": room_cookies[1],
        "requests": ServiceRequest.objects.count(),
    }
