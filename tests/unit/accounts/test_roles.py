"""Roles: is_manager, the `manager` group from the data migration, and the commands."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.management import CommandError, call_command

from tenantdesk.accounts.models import Organisation, OrganisationRole, User
from tenantdesk.accounts.roles import MANAGER_GROUP, is_customer, is_manager
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "quiet-Harbour-lights-42"


def test_is_manager_for_a_group_member(manager):
    assert is_manager(manager)
    assert not is_customer(manager)


def test_is_manager_for_a_superuser(django_user_model):
    root = django_user_model.objects.create_superuser("root", "r@example.com", STRONG)
    assert is_manager(root)


def test_is_manager_false_for_a_customer(customer):
    assert not is_manager(customer)
    assert is_customer(customer)


def test_is_manager_false_for_anonymous_and_none():
    assert not is_manager(AnonymousUser())
    assert not is_manager(None)


def test_is_manager_false_for_an_inactive_member(manager):
    manager.is_active = False
    manager.save()
    assert not is_manager(User.objects.get(pk=manager.pk))


def test_is_manager_false_for_staff_outside_the_group():
    assert not is_manager(UserFactory(is_staff=True))


def test_manager_group_exists_after_migrate_with_its_permissions():
    group = Group.objects.get(name=MANAGER_GROUP)
    granted = set(group.permissions.values_list("content_type__app_label", "codename").order_by())
    assert granted == {
        ("accounts", "view_organisation"),
        ("accounts", "change_organisation"),
        ("accounts", "view_user"),
        ("service_requests", "view_servicerequest"),
        ("service_requests", "change_servicerequest"),
        ("service_requests", "view_statuschange"),
        ("service_requests", "view_rating"),  # issue 12: service_requests 0004
        ("chat", "view_message"),
        ("chat", "add_message"),
        ("chat", "view_attachment"),
        ("chat", "add_attachment"),
    }
    assert not any(codename.startswith("delete_") for _, codename in granted)


def test_manager_group_migration_is_reversible_and_idempotent():
    from importlib import import_module

    from django.apps import apps as global_apps

    migration = import_module("tenantdesk.accounts.migrations.0002_manager_group")
    migration.remove_manager_group(global_apps, None)
    assert not Group.objects.filter(name=MANAGER_GROUP).exists()
    models_modules = {c.label: c.models_module for c in global_apps.get_app_configs()}
    migration.create_manager_group(global_apps, None)
    migration.create_manager_group(global_apps, None)
    assert Group.objects.get(name=MANAGER_GROUP).permissions.count() == 10
    # The app registry it was given is left as it was.
    assert {c.label: c.models_module for c in global_apps.get_app_configs()} == models_modules


# --- createmanager ---------------------------------------------------------------------


def test_createmanager_with_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("MANAGER_PASSWORD", STRONG)
    out = io.StringIO()
    call_command("createmanager", "ivan", email="ivan@example.com", stdout=out)
    user = User.objects.get(username="ivan")
    assert user.check_password(STRONG)
    assert user.email == "ivan@example.com"
    assert user.organisation is None
    assert user.is_staff and not user.is_superuser
    assert is_manager(user)
    assert "Manager 'ivan' created." in out.getvalue()


def test_createmanager_with_password_from_the_prompt(monkeypatch):
    monkeypatch.delenv("MANAGER_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: True)
    answers = iter([STRONG, STRONG])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("createmanager", "ivan", stdout=io.StringIO())
    assert User.objects.get(username="ivan").check_password(STRONG)


def test_createmanager_prompt_refuses_different_passwords(monkeypatch):
    monkeypatch.delenv("MANAGER_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: True)
    answers = iter([STRONG, STRONG + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("createmanager", "ivan")
    assert not User.objects.filter(username="ivan").exists()


def test_createmanager_without_terminal_or_variable_refuses(monkeypatch):
    monkeypatch.delenv("MANAGER_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: False)
    with pytest.raises(CommandError, match="MANAGER_PASSWORD"):
        call_command("createmanager", "ivan")
    assert not User.objects.filter(username="ivan").exists()


@pytest.mark.parametrize(
    ("weak", "reason"), [("123", "too short"), ("password", "too common"), ("ivan-ivan", "similar")]
)
def test_createmanager_refuses_a_weak_password(monkeypatch, weak, reason):
    monkeypatch.setenv("MANAGER_PASSWORD", weak)
    with pytest.raises(CommandError, match=reason):
        call_command("createmanager", "ivan-ivan")
    assert not User.objects.filter(username="ivan-ivan").exists()


def test_createmanager_refuses_a_duplicate(monkeypatch, customer):
    monkeypatch.setenv("MANAGER_PASSWORD", STRONG)
    with pytest.raises(CommandError, match="already exists"):
        call_command("createmanager", customer.username)
    customer.refresh_from_db()
    assert not is_manager(User.objects.get(pk=customer.pk))
    assert User.objects.count() == 1


def test_createmanager_explains_a_missing_group(monkeypatch):
    monkeypatch.setenv("MANAGER_PASSWORD", STRONG)
    Group.objects.filter(name=MANAGER_GROUP).delete()
    with pytest.raises(CommandError, match="migrate"):
        call_command("createmanager", "ivan")
    assert not User.objects.filter(username="ivan").exists()


# --- ensure_admin ----------------------------------------------------------------------


def test_ensure_admin_twice_creates_one_account(settings):
    settings.ADMIN_LOGIN, settings.ADMIN_EMAIL, settings.ADMIN_PASS = (
        "boss",
        "boss@example.com",
        STRONG,
    )
    first, second = io.StringIO(), io.StringIO()
    call_command("ensure_admin", stdout=first)
    settings.ADMIN_PASS = "another-password-99"
    call_command("ensure_admin", stdout=second)
    admin = User.objects.get()
    assert admin.username == "boss" and admin.email == "boss@example.com"
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(STRONG)  # the second run changed nothing
    assert is_manager(admin)
    assert "created" in first.getvalue()
    assert "already exists" in second.getvalue()


@pytest.mark.parametrize("missing", ["ADMIN_LOGIN", "ADMIN_EMAIL", "ADMIN_PASS"])
def test_ensure_admin_does_nothing_unless_all_three_are_set(settings, missing):
    settings.ADMIN_LOGIN, settings.ADMIN_EMAIL, settings.ADMIN_PASS = (
        "boss",
        "boss@example.com",
        STRONG,
    )
    setattr(settings, missing, "")
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert not User.objects.exists()
    assert "no administrator made" in out.getvalue()


# --- seed_demo -------------------------------------------------------------------------


def test_seed_demo_refused_when_demo_data_is_off(settings):
    settings.DEMO_DATA = False
    with pytest.raises(CommandError, match="DEMO_DATA"):
        call_command("seed_demo")
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


def test_seed_demo_creates_every_role_once_and_prints_them(settings, client):
    settings.DEMO_DATA = True
    out = io.StringIO()
    call_command("seed_demo", "--url", "http://127.0.0.1:8123/", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())
    # The organisation's admin and two members; a company admin and two managers.
    assert User.objects.count() == 6
    demo_request = ServiceRequest.objects.get()  # one, however often the command runs
    assert demo_request.organisation.name == "Demo Tenant LLC"
    assert demo_request.photo.storage.exists(demo_request.photo.name)
    assert "Open http://127.0.0.1:8123/" in out.getvalue()
    customer = User.objects.get(username="demo-customer")
    manager = User.objects.get(username="demo-manager")
    assert is_customer(customer) and customer.organisation.name == "Demo Tenant LLC"
    assert is_manager(manager)
    printed = out.getvalue()
    assert "demo-customer / demo-pass-2024" in printed
    assert "demo-manager / demo-pass-2024" in printed
    assert customer.organisation_role == OrganisationRole.ADMIN
    members = User.objects.filter(organisation=customer.organisation).exclude(pk=customer.pk)
    assert [m.organisation_role for m in members] == [OrganisationRole.MEMBER] * 2
    assert all(f"{m.username} / demo-pass-2024" in printed for m in members)
    assert "organisation admin:" in printed and "demo-manager-2 / demo-pass-2024" in printed
    assert is_manager(User.objects.get(username="demo-manager-2"))
    assert manager.company_admin and "company admin:" in printed
    assert not User.objects.get(username="demo-manager-2").company_admin
    assert customer.check_password("demo-pass-2024")


def test_production_settings_force_demo_data_off():
    source = (
        __import__("pathlib").Path(__file__).resolve().parents[3]
        / "config"
        / "settings"
        / "production.py"
    ).read_text()
    assert "DEMO_DATA = False" in source


def test_customer_factory_is_not_a_manager():
    assert not is_manager(CustomerFactory())


# --- The admin site ---------------------------------------------------------------------


def test_admin_pages_for_accounts_open_for_a_superuser(client, django_user_model, customer):
    root = django_user_model.objects.create_superuser("root", "root@example.com", STRONG)
    client.force_login(root)
    for url in (
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{customer.pk}/change/",
        "/admin/accounts/organisation/",
        f"/admin/accounts/organisation/{customer.organisation_id}/change/",
        "/admin/auth/group/",
    ):
        assert client.get(url).status_code == 200, url


def test_administrator_makes_a_manager_in_the_admin(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", STRONG)
    client.force_login(root)
    response = client.post(
        "/admin/accounts/user/add/",
        {"username": "petr", "password1": STRONG, "password2": STRONG, "usable_password": "true"},
    )
    assert response.status_code == 302
    petr = User.objects.get(username="petr")
    assert not is_manager(petr)
    petr.groups.add(Group.objects.get(name=MANAGER_GROUP))
    assert is_manager(User.objects.get(pk=petr.pk))
