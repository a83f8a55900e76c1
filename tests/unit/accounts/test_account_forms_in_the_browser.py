"""What the account pages give the browser to check typical mistakes before sending
(accounts/client_checks.py, accounts/js/form-check.js), what registration keeps when it
refuses, and the lock-out page's countdown (accounts/countdown.py)."""

import html
import json
import re

import pytest
from django.test import override_settings
from django.utils import translation

from tenantdesk.accounts.client_checks import min_password_length
from tenantdesk.accounts.countdown import countdown_forms, countdown_text
from tests.unit.accounts.test_registration import PASSWORD, form_data

pytestmark = pytest.mark.django_db


def checks(body: str) -> dict:
    match = re.search(r'<form method="post"[^>]* data-check="([^"]+)"', body)
    assert match, "the form carries its checks"
    return json.loads(html.unescape(match.group(1)))


def input_tag(body: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', body).group(0)


@pytest.mark.parametrize(
    ("url", "first", "repeat"),
    [
        ("/accounts/register", "password1", "password2"),
        ("/accounts/login", None, None),
        ("/accounts/password-reset", None, None),
    ],
)
def test_each_form_carries_the_servers_messages_and_rules(client, url, first, repeat):
    body = client.get(url).content.decode()
    messages = checks(body)
    assert messages["required"] == "This field is required."
    assert messages["email"] == "Enter a valid email address."
    assert messages["mismatch"] == "The two password fields didn’t match."
    assert messages["minlength"] == (
        "This password is too short. It must contain at least 8 characters."
    )
    assert 'src="/static/accounts/js/form-check.js"' in body
    if first:
        assert f'minlength="{min_password_length()}"' in input_tag(body, first)
        assert f'data-equals="id_{first}"' in input_tag(body, repeat)
    for tag in re.findall(r"<input[^>]*>", body):
        if 'type="hidden"' not in tag and "name=" in tag:
            assert " required" in tag, tag  # every visible field here is required


def test_the_messages_are_in_the_pages_language(client):
    client.cookies["django_language"] = "ru"
    messages = checks(client.get("/accounts/register").content.decode())
    assert messages["required"] == "Обязательное поле."
    assert messages["mismatch"] == "Пароли не совпадают."
    assert "8" in messages["minlength"] and "пароль" in messages["minlength"].lower()


# --- registration keeps the passwords when the refusal is about something else -----------


def password_values(body: str) -> list[str]:
    values = []
    for name in ("password1", "password2"):
        match = re.search(r'value="([^"]*)"', input_tag(body, name))
        values.append(html.unescape(match.group(1)) if match else "")
    return values


def test_a_bad_phone_keeps_the_typed_passwords(client):
    response = client.post("/accounts/register", form_data(organisation_phone="+7 909 095"))
    assert response.status_code == 400
    assert password_values(response.content.decode()) == [PASSWORD, PASSWORD]
    # Not kept anywhere but in this answer to the person who typed them.
    assert "no-store" in response["Cache-Control"]


def test_a_taken_username_keeps_the_typed_passwords(client, customer):
    response = client.post("/accounts/register", form_data(username=customer.username))
    assert response.status_code == 400
    assert password_values(response.content.decode()) == [PASSWORD, PASSWORD]


@pytest.mark.parametrize(
    "overrides",
    [{"password2": PASSWORD + "x"}, {"password1": "password123", "password2": "password123"}],
    ids=["differ", "too-common"],
)
def test_a_refused_password_clears_both(client, overrides):
    response = client.post("/accounts/register", form_data(**overrides))
    assert response.status_code == 400
    assert password_values(response.content.decode()) == ["", ""]


def test_the_first_page_has_no_password_values(client):
    assert password_values(client.get("/accounts/register").content.decode()) == ["", ""]


# --- the lock-out's countdown ------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "ending"),
    [
        (1, "секунду."),
        (2, "секунды."),
        (5, "секунд."),
        (11, "секунд."),
        (21, "секунду."),
        (22, "секунды."),
        (111, "секунд."),
        (121, "секунду."),
    ],
)
def test_the_browsers_table_gives_each_number_its_russian_form(number, ending):
    with translation.override("ru"):
        table = countdown_forms()
        assert countdown_text(number).endswith(ending)
    forms, index = json.loads(table["forms"]), table["index"]
    # The lookup countdown.js does.
    position = number if number < 200 else 100 + number % 100
    sentence = forms[int(index[position])].replace("%(seconds)s", str(number))
    assert sentence.endswith(ending)
    assert sentence == countdown_text_ru(number)


def countdown_text_ru(number):
    with translation.override("ru"):
        return countdown_text(number)


def test_english_has_one_second_and_many_seconds():
    with translation.override("en"):
        table = countdown_forms()
    forms, index = json.loads(table["forms"]), table["index"]
    assert [forms[int(index[n])].endswith("second.") for n in (0, 1, 2, 101)] == [
        False,
        True,
        False,
        False,
    ]


@override_settings(AXES_FAILURE_LIMIT=1)
def test_the_blocked_page_has_the_sentence_and_the_disabled_form(client, customer):
    response = client.post(
        "/accounts/login", {"username": customer.username, "password": "wrong-password"}
    )
    assert response.status_code == 429
    body = response.content.decode()
    seconds = int(re.search(r'data-seconds="(\d+)"', body).group(1))
    assert f"Try again in {seconds} second" in body  # the plain message, right without JS
    assert "<fieldset disabled" in body
    # What was typed is offered back in the form the countdown enables.
    assert f'value="{customer.username}"' in input_tag(body, "username")
    assert 'action="/accounts/login"' in body
