"""accounts.backends.PeopleBackend: the signed-in user of a page read in one query, the
sessions signed in before it kept, and a wrong password checked once."""

from unittest import mock

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user
from django.test import RequestFactory

from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import is_manager

pytestmark = pytest.mark.django_db

PEOPLE = "tenantdesk.accounts.backends.PeopleBackend"
BEFORE = "django.contrib.auth.backends.ModelBackend"


def sign_in(client, username, password):
    return client.post("/accounts/login", {"username": username, "password": password})


def test_signing_in_names_the_backend_that_reads_in_one_query(client, customer, password):
    assert sign_in(client, customer.username, password).status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == PEOPLE


@pytest.mark.parametrize("who", ["customer", "manager"])
def test_a_page_reads_the_user_organisation_and_role_in_one_query(
    request, who, client, django_assert_num_queries
):
    person = request.getfixturevalue(who)
    client.force_login(person, backend=PEOPLE)
    page = RequestFactory().get("/")
    page.session = client.session
    with django_assert_num_queries(2):  # the session, then the user with the rest
        user = get_user(page)
        assert user.pk == person.pk
        assert is_manager(user) is (who == "manager")
        assert (user.organisation.name if user.organisation_id else None) == (
            person.organisation.name if person.organisation_id else None
        )


def test_a_session_signed_in_before_still_signs_its_user_in(client, customer):
    client.force_login(customer, backend=BEFORE)
    response = client.get("/request/list")
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == customer.pk


def test_a_deactivated_user_is_signed_out(client, customer):
    client.force_login(customer, backend=PEOPLE)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    response = client.get("/request/list")
    assert response.status_code == 302  # to the sign-in page
    assert not response.wsgi_request.user.is_authenticated


def test_a_wrong_password_is_checked_once_though_two_backends_could(client, customer):
    with mock.patch.object(User, "check_password", autospec=True, return_value=False) as check:
        response = sign_in(client, customer.username, "wrong-password")
    assert response.status_code == 200
    assert "Username or password is incorrect." in response.content.decode()
    assert check.call_count == 1


def test_the_right_password_after_a_wrong_one_signs_in(client, customer, password):
    sign_in(client, customer.username, "wrong-password")
    assert sign_in(client, customer.username, password).status_code == 302
