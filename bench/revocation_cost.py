"""What each way of closing a person's sockets within 2 s costs (issue 18, bulk revocation).

A. A periodic access check every 2 s on every socket: one check's queries and CPU, times
   N/2 checks a second for N open sockets of a worker.
B. What accounts.revocation does: an update() of a watched field reads the matched ids
   (same transaction) and, after commit, pushes `access.changed` to each user's group
   through the channel layer: a cost per bulk change, none per socket.

Run on a scratch PostgreSQL database (it creates 1,001 users there) with Redis:

    DATABASE_URL=postgres://…/td_scratch REDIS_URL=redis://… \\
    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python manage.py migrate
    (same variables) .venv/bin/python -m bench.revocation_cost
"""

from __future__ import annotations

import statistics
import time

import django

django.setup()

from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tenantdesk.accounts.models import User  # noqa: E402
from tenantdesk.chat.ws.inbox_socket import InboxSocket  # noqa: E402
from tenantdesk.chat.ws.request_socket import RequestSocket  # noqa: E402
from tests.factories import CustomerFactory, OrganisationFactory  # noqa: E402
from tests.unit.chat.helpers import make_service_request  # noqa: E402

CHECKS = 2000
SOCKETS = (100, 1000, 5000)
BULK = (1, 100, 1000)


def _socket(consumer_class, session_key: str, service_request_id=None):
    # The access check alone, as a socket holds it after its handshake.
    socket = consumer_class.__new__(consumer_class)
    socket.session_key, socket.user = session_key, None
    socket.scope = {"url_route": {"kwargs": {"service_request_id": service_request_id}}}
    assert socket.access_close_code() is None
    return socket


def periodic_check(name: str, socket) -> None:
    with CaptureQueriesContext(connection) as queries:
        socket.access_close_code()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(CHECKS):
        socket.access_close_code()
    cpu = (time.process_time() - cpu) / CHECKS
    wall = (time.perf_counter() - wall) / CHECKS
    print(f"  {name}: {len(queries)} queries, {cpu * 1e3:.2f} ms CPU, {wall * 1e3:.2f} ms wall")
    for sockets in SOCKETS:
        print(
            f"    every 2 s, {sockets} sockets: {sockets / 2:.0f} checks/s,"
            f" {sockets / 2 * len(queries):.0f} queries/s, {sockets / 2 * cpu:.2f} CPU-s/s"
        )


def bulk_update(user_ids: list[int], announced: bool) -> tuple[float, int]:
    queryset = User.objects.filter(pk__in=user_ids)
    models.QuerySet.update(queryset, is_active=True)  # reset, unannounced
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        if announced:
            queryset.update(is_active=False)
        else:
            models.QuerySet.update(queryset, is_active=False)  # Django's own, unannounced
        return time.perf_counter() - started, len(queries)


def main() -> None:
    organisation = OrganisationFactory()
    customer = CustomerFactory(organisation=organisation)
    service_request = make_service_request(customer)
    client = Client()
    client.force_login(customer)
    key = client.cookies["sessionid"].value

    print("A. a periodic access check (per socket, per check)")
    periodic_check("chat", _socket(RequestSocket, key, service_request_id=service_request.pk))
    periodic_check("inbox", _socket(InboxSocket, key))

    print("B. update(is_active=False) of many users: Django's vs announced (ids + pushes)")
    user_ids = [CustomerFactory(organisation=organisation).pk for _ in range(max(BULK))]
    for count in BULK:
        for announced in (False, True):
            runs = [bulk_update(user_ids[:count], announced) for _ in range(5)]
            median = statistics.median(seconds for seconds, _queries in runs)
            kind = "announced" if announced else "plain"
            print(f"  {count} users, {kind}: {median * 1e3:.1f} ms, {runs[0][1]} queries")


if __name__ == "__main__":
    main()
