"""A request's title is one line, whichever way it is stored: the customer's create form,
the manager's phone form, the admin site and the two creating services. A run of line
ends (CR, LF, U+2028, U+2029) becomes a space, other control characters go, the rest stays
as typed."""

import uuid

import pytest
from django.contrib.auth import get_user_model

from tenantdesk.core.one_line import one_line
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.create import service_request_create
from tests.unit.service_requests.helpers import create_request, good_upload

pytestmark = pytest.mark.django_db

# What a paste can bring: a line end of each kind, a blank line, a NUL, an ESC, DEL, NEL,
# a tab, Unicode's line and paragraph separators, spaces at both ends.
PASTED = " Leak\r\nunder the\r\n\r\nsink\x00\x1b[0m\x7f\x85 (room\t12)\u2028\u2029 \n"
STORED = "Leak under the sink[0m (room 12)"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (PASTED, STORED),
        ("Leak\r\nBcc: x@evil.test", "Leak Bcc: x@evil.test"),
        ("line\rbreak\nand\r\n\n\rmore", "line break and more"),
        # Unicode's line and paragraph separators are line ends too.
        ("a\u2028b\u2029c\u2028\u2029d", "a b c d"),
        # As typed otherwise: inner runs of spaces, quotes, other scripts, emoji.
        ("Течёт  кран «на кухне» — 💧", "Течёт  кран «на кухне» — 💧"),
        ("\r\n\x00", ""),
    ],
)
def test_one_line(typed, stored):
    assert one_line(typed) == stored


def test_the_customers_create_form(client, customer):
    client.force_login(customer)
    response = client.post(
        "/request/new",
        {
            "type": "plumbing",
            "title": PASTED,
            "description": "Water drips from the joint.\nThe floor is wet.",
            "office": "314",
            "photo": good_upload(),
        },
    )
    assert response.status_code == 302
    stored = ServiceRequest.objects.get()
    assert stored.title == STORED
    # The description keeps its lines: only the title is one line.
    assert "\n" in stored.description


def test_the_length_limit_counts_the_title_as_stored(client, customer):
    # 118 characters, with two blank lines pasted in the middle: 122 as sent, 119 stored.
    title = "x" * 59 + "\r\n\r\n" + "y" * 59
    client.force_login(customer)
    response = client.post(
        "/request/new",
        {"type": "plumbing", "title": title, "description": "d", "office": "1"}
        | {"photo": good_upload()},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert ServiceRequest.objects.get().title == "x" * 59 + " " + "y" * 59


def test_the_managers_phone_form(client, manager, organisation):
    client.force_login(manager)
    response = client.post(
        "/request/new",
        {
            "organisation": f"{organisation.name} (#{organisation.pk})",
            "type": "electrical",
            "title": PASTED,
            "description": "Called at 9:10.",
            "office": "210",
            "priority": "high",
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    assert ServiceRequest.objects.get().title == STORED


def test_the_admin_site(client, customer):
    service_request = create_request(customer)
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    url = f"/admin/service_requests/servicerequest/{service_request.pk}/change/"
    response = client.post(
        url,
        {
            "type": service_request.type,
            "title": PASTED,
            "description": service_request.description,
            "office": service_request.office,
            # The change page's inlines (history, rating) with nothing in them.
            **{
                f"{prefix}-{field}": value
                for prefix in ("events", "rating")
                for field, value in (
                    ("TOTAL_FORMS", "0"),
                    ("INITIAL_FORMS", "0"),
                    ("MIN_NUM_FORMS", "0"),
                    ("MAX_NUM_FORMS", "1000"),
                )
            },
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    service_request.refresh_from_db()
    assert service_request.title == STORED


def test_the_create_service_without_a_form(customer):
    assert create_request(customer, title=PASTED).title == STORED
    assert ServiceRequest.objects.get().title == STORED


def test_the_phone_service_without_a_form(manager, organisation):
    created = service_request_create(
        author=manager,
        organisation=organisation,
        type="electrical",
        title=PASTED,
        description="Called at 9:10.",
        office="210",
    )
    assert created.title == STORED
    assert ServiceRequest.objects.get().title == STORED
