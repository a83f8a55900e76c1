"""Data for the scale test, made directly in the site's database (run under the workers'
settings by harness.stack.Stack.python): organisations, one customer each, one manager per
room, one active request per organisation, and signed-in sessions made without the sign-in
page (bench.seed's way: the chat is measured, not PBKDF2).

    rooms(n, tag) -> {"rooms": [{"id", "customer", "manager"}...], "outsider": cookie,
                      "people": {"customer": user id, ...}}
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from bench.seed import _sessions
from tenantdesk.accounts.models import Organisation, User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.service_requests.models import RequestFollower, ServiceRequest

PASSWORD = "scale-password-1"


@transaction.atomic
def rooms(count: int, tag: str) -> dict:
    """`count` requests, each with its own customer and its own manager signed in, and a
    customer of one more organisation (the outsider, who may see none of them)."""
    password = make_password(PASSWORD)
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Scale {tag} {n:03d} LLC", address=f"Office {n}", phone="+79090951670"
            )
            for n in range(count + 1)
        ]
    )
    customers = User.objects.bulk_create(
        [
            User(username=f"scale-{tag}-c{n}", password=password, organisation=org)
            for n, org in enumerate(organisations)
        ]
    )
    managers = User.objects.bulk_create(
        [User(username=f"scale-{tag}-m{n}", password=password, is_staff=True) for n in range(count)]
    )
    Group.objects.get(name=MANAGER_GROUP).user_set.add(*managers)
    now = timezone.now()
    requests = ServiceRequest.objects.bulk_create(
        [
            ServiceRequest(
                organisation=org,
                author=customer,
                type=ServiceRequest.Type.ELECTRICAL,
                title=f"Light {n} in the corridor",
                description="Flickers since Monday.",
                office=str(100 + n),
                last_activity_at=now,
                photo="scale/none.jpg",
                photo_thumbnail="scale/none_thumb.jpg",
            )
            for n, (org, customer) in enumerate(zip(organisations, customers, strict=True))
        ][:count]
    )
    # The author follows their request, as the creation service makes them (issue 21):
    # the customer side's e-mails go to followers.
    RequestFollower.objects.bulk_create(
        RequestFollower(service_request=request, user=request.author) for request in requests
    )
    customer_cookies = _sessions(customers)
    manager_cookies = _sessions(managers)
    return {
        "rooms": [
            {
                "id": request.pk,
                "customer": customer_cookies[n],
                "manager": manager_cookies[n],
                "customer_id": customers[n].pk,
                "manager_id": managers[n].pk,
            }
            for n, request in enumerate(requests)
        ],
        "outsider": customer_cookies[count],
        "outsider_name": customers[count].username,
        "password": PASSWORD,
    }


def stored(request_ids: list[int]) -> dict:
    """What the database holds of people's messages in these requests: client ids by
    request, in id order, and how many rows each client id has."""
    from django.db.models import Count

    from tenantdesk.chat.models import Message

    rows = Message.objects.filter(service_request_id__in=request_ids, kind="user").order_by("pk")
    by_request: dict[int, list[str]] = {}
    for request_id, client_id in rows.values_list("service_request_id", "client_id"):
        by_request.setdefault(request_id, []).append(str(client_id))
    doubles = (
        rows.values("client_id").annotate(n=Count("pk")).filter(n__gt=1).values_list("client_id")
    )
    return {
        "by_request": {str(k): v for k, v in by_request.items()},
        "total": rows.count(),
        "doubled": [str(c) for (c,) in doubles],
    }
