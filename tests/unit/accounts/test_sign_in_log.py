"""The sign-in log: every sign-in, sign-out, failure and lock-out, readable in the admin."""

import pytest

from tenantdesk.accounts.models import SignInEvent

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"
Kind = SignInEvent.Kind


def post_sign_in(client, username, password):
    return client.post(
        "/accounts/login",
        {"username": username, "password": password},
        HTTP_USER_AGENT=AGENT,
        REMOTE_ADDR="192.0.2.44",
    )


def events():
    return list(SignInEvent.objects.order_by("id").values_list("kind", "username"))


def test_sign_in_and_sign_out_are_logged_with_address_and_agent(client, customer, password):
    post_sign_in(client, customer.username, password)
    client.post("/accounts/logout", HTTP_USER_AGENT=AGENT, REMOTE_ADDR="192.0.2.44")
    assert events() == [
        (Kind.SIGNED_IN, customer.username),
        (Kind.SIGNED_OUT, customer.username),
    ]
    for event in SignInEvent.objects.all():
        assert event.user == customer
        assert event.ip_address == "192.0.2.44"
        assert event.user_agent == AGENT
        assert event.created_at is not None


def test_failure_is_logged_with_the_name_tried(client):
    post_sign_in(client, "mallory", "guess-1234")
    event = SignInEvent.objects.get()
    assert (event.kind, event.username, event.user) == (Kind.FAILED, "mallory", None)
    assert (event.ip_address, event.user_agent) == ("192.0.2.44", AGENT)


def test_lock_out_is_logged_once_when_it_starts_and_for_each_refused_attempt(
    client, customer, password
):
    for _ in range(4):
        post_sign_in(client, customer.username, "wrong-password")
    assert events() == [(Kind.FAILED, customer.username)] * 4 + [
        (Kind.LOCKED_OUT, customer.username)
    ]
    # A refused attempt while blocked is a lock-out entry, not another failure.
    post_sign_in(client, customer.username, password)
    assert events()[-1] == (Kind.LOCKED_OUT, customer.username)
    assert SignInEvent.objects.filter(kind=Kind.FAILED).count() == 4
    assert not SignInEvent.objects.filter(kind=Kind.SIGNED_IN).exists()
    locked = SignInEvent.objects.filter(kind=Kind.LOCKED_OUT)
    assert {(e.ip_address, e.user_agent) for e in locked} == {("192.0.2.44", AGENT)}


def test_anonymous_sign_out_is_not_logged(client):
    client.post("/accounts/logout")
    assert not SignInEvent.objects.exists()


def test_log_is_readable_in_the_admin_and_read_only(client, django_user_model, password):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", password)
    post_sign_in(client, "mallory", "guess-1234")
    client.force_login(admin)
    response = client.get("/admin/accounts/signinevent/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "mallory" in body and "192.0.2.44" in body and "Failed sign-in" in body
    event = SignInEvent.objects.get(username="mallory")
    assert client.get(f"/admin/accounts/signinevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/signinevent/add/").status_code == 403


def test_customer_cannot_open_the_admin_log(client, customer):
    client.force_login(customer)
    response = client.get("/admin/accounts/signinevent/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_log_is_right_whichever_receiver_runs_first(client, customer, password):
    """Our failure receiver normally runs before axes'; the log must not depend on it."""
    from django.contrib.auth.signals import user_login_failed

    from tenantdesk.accounts import signals

    saved = list(user_login_failed.receivers)
    user_login_failed.disconnect(dispatch_uid="signin_log_failed")
    user_login_failed.connect(signals._login_failed, dispatch_uid="signin_log_failed")
    assert user_login_failed.receivers[-1][1]() is signals._login_failed  # now after axes
    try:
        for _ in range(4):
            post_sign_in(client, customer.username, "wrong-password")
        post_sign_in(client, customer.username, password)
    finally:
        user_login_failed.receivers = saved  # the usual order for the tests that follow
        user_login_failed.sender_receivers_cache.clear()
    assert SignInEvent.objects.filter(kind=Kind.FAILED).count() == 4
    assert SignInEvent.objects.filter(kind=Kind.LOCKED_OUT).count() == 2
