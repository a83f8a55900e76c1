"""Rating a closed request: customers of its organisation, once per request (the one-to-one
key decides), 1–5 with an optional comment; managers see it on the request and averages per
manager and month in the admin site. Refusals store nothing."""

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tenantdesk.service_requests.admin_ratings import rating_summary
from tenantdesk.service_requests.models import Rating, RequestEvent, ServiceRequest
from tenantdesk.service_requests.services.closure import service_request_rate
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db

Status = ServiceRequest.Status


def close(sr, manager):
    service_request_change_status(actor=manager, service_request=sr, status=Status.CLOSED)
    return ServiceRequest.objects.get(pk=sr.pk)


@pytest.fixture
def closed(customer, manager):
    sr = create_request(customer, title="Leak under the sink")
    ServiceRequest.objects.filter(pk=sr.pk).update(assignee=manager)
    return close(sr, manager)


def _stored():
    return (Rating.objects.count(), RequestEvent.objects.filter(kind="rated").count())


# --- the service -----------------------------------------------------------------------------


def test_a_customer_rates_a_closed_request(closed, customer, manager):
    rating = service_request_rate(
        actor=customer, service_request=closed, score=4, comment="  Quick, thanks  "
    )
    assert (rating.score, rating.comment, rating.author, rating.manager) == (
        4,
        "Quick, thanks",
        customer,
        manager,  # the assignee when it was closed
    )
    change = RequestEvent.objects.get(service_request=closed, kind="rated")
    assert change.kind == RequestEvent.Kind.RATED and change.actor == customer
    assert change.data == {"score": 4, "comment": "Quick, thanks"}


def test_without_an_assignee_the_rating_names_no_manager(customer, manager):
    sr = close(create_request(customer), manager)
    assert service_request_rate(actor=customer, service_request=sr, score=5).manager is None


def test_one_rating_per_request_even_from_a_colleague(closed, customer, organisation):
    service_request_rate(actor=customer, service_request=closed, score=5)
    colleague = CustomerFactory(organisation=organisation)
    with pytest.raises(ValidationError) as info:
        service_request_rate(actor=colleague, service_request=closed, score=1)
    assert info.value.code == "already_rated"
    assert _stored() == (1, 1)
    assert Rating.objects.get().score == 5


def test_the_one_to_one_key_decides_a_race(closed, customer, organisation):
    # The loser of a race finds no rating when it starts (no lookup is made at all): the
    # insert itself fails on the key, and the service answers "already rated".
    Rating.objects.create(service_request=closed, author=customer, score=3)
    colleague = CustomerFactory(organisation=organisation)
    with pytest.raises(ValidationError) as info:
        service_request_rate(actor=colleague, service_request=closed, score=1)
    assert info.value.code == "already_rated"
    assert _stored() == (1, 0)


@pytest.mark.parametrize(
    ("score", "comment", "field", "code"),
    [
        (0, "", "score", "invalid_score"),
        (6, "", "score", "invalid_score"),
        ("five", "", "score", "invalid_score"),
        (None, "", "score", "invalid_score"),
        (3, "x" * 2001, "comment", "too_long"),
    ],
    ids=["0", "6", "text", "none", "comment 2001"],
)
def test_bad_input_is_refused_and_nothing_stored(closed, customer, score, comment, field, code):
    with pytest.raises(ValidationError) as info:
        service_request_rate(actor=customer, service_request=closed, score=score, comment=comment)
    assert info.value.error_dict[field][0].code == code
    assert _stored() == (0, 0)


@pytest.mark.parametrize("status", [Status.PENDING, Status.IN_PROGRESS])
def test_an_open_request_cannot_be_rated(customer, manager, status):
    sr = create_request(customer)
    if status == Status.IN_PROGRESS:
        service_request_change_status(actor=manager, service_request=sr, status=status)
    with pytest.raises(ValidationError) as info:
        service_request_rate(actor=customer, service_request=sr, score=5)
    assert info.value.code == "not_closed"
    assert _stored() == (0, 0)


def test_managers_and_other_organisations_may_not_rate(closed, manager, other_customer):
    for actor in (manager, other_customer):
        with pytest.raises(PermissionDenied):
            service_request_rate(actor=actor, service_request=closed, score=5)
    assert _stored() == (0, 0)


# --- the pages, from the outside ----------------------------------------------------------------


def url(sr):
    return f"/request/{sr.pk}/rate"


def test_customer_rates_from_the_page_and_managers_see_it(client, closed, customer, manager):
    client.force_login(customer)
    page = client.get(f"/request/{closed.pk}").content.decode()
    assert 'data-testid="rating-form"' in page
    assert page.count('name="rating-score"') == 5  # five radio buttons
    response = client.post(url(closed), {"rating-score": "4", "rating-comment": "Thanks"})
    assert response.status_code == 302 and response["Location"] == f"/request/{closed.pk}"
    page = client.get(f"/request/{closed.pk}").content.decode()
    assert 'data-testid="rating-form"' not in page and "Rated 4 out of 5" in page
    client.force_login(manager)
    page = client.get(f"/request/{closed.pk}").content.decode()
    assert "Rated 4 out of 5" in page and "Thanks" in page


def test_a_manager_sees_that_it_is_not_rated_yet(client, closed, manager):
    client.force_login(manager)
    page = client.get(f"/request/{closed.pk}").content.decode()
    assert 'data-testid="rating-none"' in page and 'data-testid="rating-form"' not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose from 1 to 5 stars."),
        ({"rating-score": "9"}, "Choose from 1 to 5 stars."),
        ({"rating-score": "3", "rating-comment": "x" * 2001}, "at most 2000"),
    ],
    ids=["no score", "score 9", "long comment"],
)
def test_bad_input_gets_the_form_with_its_error_and_400(client, closed, customer, data, message):
    client.force_login(customer)
    response = client.post(url(closed), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _stored() == (0, 0)


def test_a_manager_gets_a_clear_403(client, closed, manager):
    client.force_login(manager)
    response = client.post(url(closed), {"rating-score": "5"})
    assert response.status_code == 403
    assert "Managers cannot rate requests" in response.content.decode()
    assert _stored() == (0, 0)


def test_another_organisation_gets_404(client, closed, other_customer):
    client.force_login(other_customer)
    assert client.post(url(closed), {"rating-score": "5"}).status_code == 404
    assert _stored() == (0, 0)


def test_a_signed_out_visitor_is_sent_to_sign_in(client, closed):
    response = client.post(url(closed), {"rating-score": "5"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login?next=")
    assert _stored() == (0, 0)


def test_an_open_request_or_a_second_rating_is_refused_with_a_message(client, customer, closed):
    client.force_login(customer)
    open_request = create_request(customer)
    response = client.post(url(open_request), {"rating-score": "5"})
    assert response.status_code == 400 and "Only a closed request" in response.content.decode()
    assert _stored() == (0, 0)
    client.post(url(closed), {"rating-score": "5"})
    response = client.post(url(closed), {"rating-score": "1"})
    assert response.status_code == 400 and "already been rated" in response.content.decode()
    assert _stored() == (1, 1) and Rating.objects.get().score == 5


# --- the admin site ----------------------------------------------------------------------------


def _rate(customer, manager, *, assignee, score, when, comment=""):
    sr = create_request(customer)
    ServiceRequest.objects.filter(pk=sr.pk).update(assignee=assignee)
    sr = close(sr, manager)
    rating = service_request_rate(actor=customer, service_request=sr, score=score, comment=comment)
    Rating.objects.filter(pk=rating.pk).update(created_at=when)


def test_summary_averages_per_manager_and_month(customer, manager):
    anna = ManagerFactory(first_name="Anna", last_name="Ivanova")
    tz = timezone.get_current_timezone()
    _rate(customer, manager, assignee=anna, score=5, when=datetime(2026, 9, 10, 12, tzinfo=tz))
    _rate(customer, manager, assignee=anna, score=2, when=datetime(2026, 10, 3, 12, tzinfo=tz))
    _rate(customer, manager, assignee=None, score=4, when=datetime(2026, 10, 20, 12, tzinfo=tz))
    summary = rating_summary(Rating.objects.all())
    managers = {row["manager"]: (row["average"], row["count"]) for row in summary["per_manager"]}
    assert managers == {"Anna Ivanova": (3.5, 2), None: (4.0, 1)}
    months = [(row["month"].month, row["average"], row["count"]) for row in summary["per_month"]]
    assert months == [(10, 3.0, 2), (9, 5.0, 1)]


def test_the_admin_lists_ratings_with_the_summary_read_only_for_managers(client, customer, manager):
    _rate(customer, manager, assignee=manager, score=4, when=timezone.now())
    client.force_login(manager)
    response = client.get("/admin/service_requests/rating/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="rating-summary"' in html and "Average per manager" in html
    assert "4.00" in html
    rating = Rating.objects.get()
    assert client.get(f"/admin/service_requests/rating/{rating.pk}/change/").status_code == 200
    assert client.get("/admin/service_requests/rating/add/").status_code == 403
    response = client.post(f"/admin/service_requests/rating/{rating.pk}/change/", {"score": 1})
    assert response.status_code == 403
    assert client.post(f"/admin/service_requests/rating/{rating.pk}/delete/").status_code == 403
    assert Rating.objects.get().score == 4


def test_a_customer_cannot_open_the_ratings_admin(client, customer):
    client.force_login(customer)
    response = client.get("/admin/service_requests/rating/")
    assert response.status_code == 302  # to the admin's sign-in


def test_a_superuser_sees_the_rating_on_the_requests_admin_page(client, customer, manager):
    _rate(customer, manager, assignee=manager, score=2, when=timezone.now(), comment="Slow")
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    sr = ServiceRequest.objects.get()
    html = client.get(f"/admin/service_requests/servicerequest/{sr.pk}/change/").content.decode()
    assert "Slow" in html and "field-score" in html
