"""Registration at /accounts/register: fields, phone numbers, passwords, and all-or-nothing."""

import re

import pytest
from django.db import IntegrityError

from tenantdesk.accounts import services
from tenantdesk.accounts.forms import RegistrationForm
from tenantdesk.accounts.models import Organisation, OrganisationRole, User
from tenantdesk.accounts.roles import is_customer, is_manager, is_organisation_admin
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/accounts/register"
# The example phone numbers are written with no-break spaces and hyphens (one line each).
EXAMPLE = "+7\u00a0912\u00a0345\u201167\u201189"
EXAMPLE_NATIONAL = "8\u00a0(912)\u00a0345\u201167\u201189"
PASSWORD = "tall-Giraffe-eats-7-leaves"


def form_data(**overrides):
    data = {
        "name": "Olga Smirnova",
        "username": "olga",
        "email": "olga@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "organisation_name": "Rainbow Ltd",
        "organisation_address": "Office 204, 5 Lenina Street",
        "organisation_phone": "+79090951670",
    }
    data.update(overrides)
    return data


def field_errors(response, name):
    return response.context["form"].errors.get(name, [])


def assert_nothing_created():
    assert User.objects.count() == 0
    assert Organisation.objects.count() == 0


def test_page_shows_every_field_and_the_phone_example(client):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    for name in (
        "name",
        "username",
        "email",
        "password1",
        "password2",
        "organisation_name",
        "organisation_address",
        "organisation_phone",
    ):
        assert f'name="{name}"' in body
    # The example under the phone field comes from phonenumbers' metadata for RU.
    assert 'id="id_organisation_phone_helptext"' in body
    assert f"For example {EXAMPLE} or {EXAMPLE_NATIONAL}." in body
    assert 'type="tel"' in body


def test_success_creates_the_organisation_and_its_admin_and_signs_in(client):
    response = client.post(URL, form_data(name="  Olga   Smirnova "), follow=True)
    assert response.redirect_chain == [("/request/new", 302)]
    assert "Your organisation is registered and you are its admin." in response.content.decode()
    user = User.objects.get()
    organisation = Organisation.objects.get()
    assert user.username == "olga"
    assert user.email == "olga@example.com"
    # The name, with its spaces tidied, is how the chat shows the person.
    assert user.first_name == "Olga Smirnova" and user.display_name == "Olga Smirnova"
    assert user.organisation == organisation
    assert user.check_password(PASSWORD)
    assert not user.is_staff and not user.is_superuser
    assert is_customer(user) and not is_manager(user)
    # Whoever registers an organisation is its admin (SPEC "Organisations and people").
    assert user.organisation_role == OrganisationRole.ADMIN and is_organisation_admin(user)
    assert organisation.name == "Rainbow Ltd"
    assert organisation.address == "Office 204, 5 Lenina Street"
    assert str(organisation.phone) == "+79090951670"
    # Registered is signed in.
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_page_says_how_to_join_an_organisation_that_has_an_account(client):
    body = client.get(URL).content.decode()
    assert "ask its admin to invite you" in body
    # The "register anyway" box appears only after a duplicate was found.
    assert 'name="register_anyway"' not in body


def test_a_second_registration_of_the_same_organisation_is_warned_then_allowed(client):
    first = CustomerFactory(organisation__name="Rainbow Ltd")
    first.organisation.phone = "+79090951670"
    first.organisation.save()
    response = client.post(URL, form_data(organisation_name="rainbow ltd"))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "An organisation with this name and phone is already registered. To join it, ask its "
        "admin for an invitation; to register another one, tick the box below."
    ]
    assert 'name="register_anyway"' in response.content.decode()
    assert User.objects.count() == 1 and Organisation.objects.count() == 1

    response = client.post(URL, form_data(organisation_name="rainbow ltd", register_anyway="on"))
    assert response.status_code == 302
    assert Organisation.objects.count() == 2
    # Another phone is another organisation: no warning.
    response = client.post(URL, form_data(username="pavel", organisation_phone="+79102212222"))
    assert response.status_code == 302


def test_a_blank_name_is_refused(client):
    response = client.post(URL, form_data(name="   "))
    assert field_errors(response, "name") == ["This field is required."]
    assert_nothing_created()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("89090951670", "+79090951670"),
        ("+79090951670", "+79090951670"),
        ("+7-910-221-22-22", "+79102212222"),
        ("+7(910)-221-22-22", "+79102212222"),
    ],
)
def test_the_four_example_phones_are_accepted_and_stored_as_e164(client, typed, stored):
    response = client.post(URL, form_data(organisation_phone=typed))
    assert response.status_code == 302
    organisation = Organisation.objects.get()
    organisation.refresh_from_db()
    assert str(organisation.phone) == stored


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("phone-number", id="letters"),
        # phonenumbers would read these letters as keypad digits and accept the number.
        pytest.param("8909095ABCD", id="digits-and-letters"),
        pytest.param("8909095", id="too-few-digits"),
        pytest.param("+7 909 095", id="too-few-digits-international"),
        pytest.param("+1 555 0100", id="foreign-not-valid"),
        pytest.param("+999 123 456 789", id="no-such-country-code"),
    ],
)
def test_bad_phone_is_refused_at_the_field_with_the_example(client, typed):
    response = client.post(URL, form_data(organisation_phone=typed))
    assert response.status_code == 400
    assert field_errors(response, "organisation_phone") == [
        f"Enter a valid phone number, for example {EXAMPLE}."
    ]
    body = response.content.decode()
    assert 'data-field-error="organisation_phone"' in body
    assert f"For example {EXAMPLE} or {EXAMPLE_NATIONAL}." in body
    assert re.search(r'<input type="tel" name="organisation_phone"[^>]*is-invalid', body)
    assert 'id="id_organisation_phone_error"' in body
    assert_nothing_created()


def test_valid_foreign_number_is_accepted_in_e164(client):
    response = client.post(URL, form_data(organisation_phone="+44 20 7946 0000"))
    assert response.status_code == 302
    assert str(Organisation.objects.get().phone) == "+442079460000"


def test_phone_region_is_a_setting(client, settings):
    settings.PHONENUMBER_DEFAULT_REGION = "GB"
    # A national British number is valid now, and the example is British.
    response = client.get(URL)
    assert (
        "For example +44\u00a07400\u00a0123456 or 07400\u00a0123456." in response.content.decode()
    )
    response = client.post(URL, form_data(organisation_phone="020 7946 0000"))
    assert response.status_code == 302
    assert str(Organisation.objects.get().phone) == "+442079460000"


def test_every_field_is_required(client):
    response = client.post(URL, {})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {
        "name",
        "username",
        "email",
        "password1",
        "password2",
        "organisation_name",
        "organisation_address",
        "organisation_phone",
    }
    assert all(messages == ["This field is required."] for messages in errors.values())
    assert_nothing_created()


def test_blank_organisation_fields_are_refused(client):
    response = client.post(URL, form_data(organisation_name="   ", organisation_address=" "))
    assert field_errors(response, "organisation_name") == ["This field is required."]
    assert field_errors(response, "organisation_address") == ["This field is required."]
    assert_nothing_created()


def test_bad_email_is_refused(client):
    response = client.post(URL, form_data(email="not-an-address"))
    assert field_errors(response, "email") == ["Enter a valid email address."]
    assert_nothing_created()


def test_bad_username_is_refused(client):
    response = client.post(URL, form_data(username="olga smith!"))
    assert field_errors(response, "username")
    assert_nothing_created()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Zx9!", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("40983716529384", "This password is entirely numeric."),
        ("olga@example.com", "The password is too similar to the email address."),
    ],
)
def test_django_password_validators_apply(client, password, message):
    response = client.post(URL, form_data(password1=password, password2=password))
    assert response.status_code == 400
    assert message in field_errors(response, "password2")
    assert_nothing_created()


def test_passwords_must_match(client):
    response = client.post(URL, form_data(password2=PASSWORD + "x"))
    assert field_errors(response, "password2") == ["The two password fields didn’t match."]
    assert_nothing_created()


def test_duplicate_username_is_refused_in_any_case(client):
    CustomerFactory(username="olga")
    before = Organisation.objects.count()
    for name in ("olga", "OLGA"):
        response = client.post(URL, form_data(username=name))
        assert field_errors(response, "username") == ["A user with that username already exists."]
    assert User.objects.count() == 1
    assert Organisation.objects.count() == before


def test_signed_in_user_is_sent_home(client, customer):
    client.force_login(customer)
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/"


def test_service_failure_on_the_user_insert_leaves_no_organisation(monkeypatch):
    """The organisation is inserted first; if the user's insert fails, it must go too."""

    def fail(*args, **kwargs):
        raise IntegrityError("forced failure of the second insert")

    monkeypatch.setattr(User.objects, "create_user", fail)
    with pytest.raises(IntegrityError):
        services.organisation_register(
            username="olga",
            email="olga@example.com",
            password=PASSWORD,
            organisation_name="Rainbow Ltd",
            organisation_address="Office 204",
            organisation_phone="+79090951670",
        )
    assert_nothing_created()


def test_race_for_a_username_shows_the_error_and_keeps_nothing(client, monkeypatch):
    """The form's check passes, then the database's unique constraint refuses the user.

    Simulates two people registering the same name at the same moment: the second one's
    organisation must be rolled back with the user and the form must say why.
    """
    CustomerFactory(username="olga")
    monkeypatch.setattr(RegistrationForm, "clean_username", lambda form: "olga")
    organisations_before = Organisation.objects.count()
    response = client.post(URL, form_data())
    assert response.status_code == 400
    assert field_errors(response, "username") == ["A user with that username already exists."]
    assert User.objects.count() == 1
    assert Organisation.objects.count() == organisations_before
