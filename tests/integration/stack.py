"""The production shape for the integration tests: harness/ with a skip where a service is
missing (a failure where services are required, tests/conftest.py), and the small Django
scripts the tests run under the workers' settings."""

from __future__ import annotations

from contextlib import contextmanager

from harness import stack as shape
from harness.stack import PrivateRedis
from harness.wsclient import (  # noqa: F401  (used by the tests)
    ws_connect,
    ws_next,
    ws_quiet,
    ws_reconnect,
    ws_send_text,
)
from tests.conftest import skip_or_fail


def _or_skip(call):
    try:
        return call()
    except shape.Unavailable as error:
        skip_or_fail(str(error), needs="services")


def redis_url() -> str:
    return _or_skip(shape.redis_url)


def postgres_url() -> str:
    return _or_skip(shape.postgres_url)


def private_redis(directory) -> PrivateRedis:
    return _or_skip(lambda: PrivateRedis(directory))


@contextmanager
def production_stack(directory, **options):
    """A running production shape (harness.stack.running_stack), or a skip."""
    _or_skip(shape.postgres_url)
    options.setdefault("redis", redis_url())
    with shape.running_stack(directory, **options) as stack:
        yield stack


# A customer, a manager and one request of the customer's, with session cookies for both.
SEED_CHAT = """
from django.test import Client
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.chat.helpers import make_service_request
customer = CustomerFactory()
manager = ManagerFactory()
service_request = make_service_request(customer)
def cookie(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
print(json.dumps({"request": service_request.pk, "customer": cookie(customer),
                  "manager": cookie(manager), "customer_id": customer.pk,
                  "manager_id": manager.pk}))
"""

STORED_TEXTS = """
from tenantdesk.chat.models import Message
print(json.dumps(list(Message.objects.filter(kind="user").order_by("pk")
                      .values_list("text", flat=True))))
"""
