"""Writes for accounts: registration, managers, the bootstrap administrator, password
reset and the profile."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.accounts.email_change import email_change_read, email_taken
from tenantdesk.accounts.email_limits import account_email_allowed
from tenantdesk.accounts.models import Organisation, OrganisationRole, User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.accounts.tasks import email_change_send, password_reset_send


@transaction.atomic
def organisation_register(
    *,
    username: str,
    email: str,
    password: str,
    name: str = "",
    organisation_name: str,
    organisation_address: str,
    organisation_phone,
) -> User:
    """Create an organisation and its first member, its admin, together: both or neither."""
    organisation = Organisation.objects.create(
        name=organisation_name, address=organisation_address, phone=organisation_phone
    )
    return User.objects.create_user(
        username=username,
        email=email,
        password=password,
        first_name=name,
        organisation=organisation,
        organisation_role=OrganisationRole.ADMIN,
    )


@transaction.atomic
def manager_create(*, username: str, email: str, password: str) -> User:
    """A management-company worker: no organisation, member of the `manager` group."""
    user = User.objects.create_user(username=username, email=email, password=password)
    user.is_staff = True  # managers may use the admin site with the group's permissions
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=MANAGER_GROUP))
    return user


@transaction.atomic
def admin_ensure(*, username: str, email: str, password: str) -> tuple[User, bool]:
    """The administrator from the environment, created once; later calls change nothing.

    Returns the user and whether it was created now.
    """
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, False
    return User.objects.create_superuser(username=username, email=email, password=password), True


# --- password reset and the profile ------------------------------------------------------


def password_reset_request(*, email: str, client: str | None) -> bool:
    """Queue a password reset e-mail to `email` unless the hourly limits are used up.

    The same work whether or not the address has an account (the task finds out), so the
    answer's timing says nothing about it. True when the e-mail was queued."""
    if not account_email_allowed(kind="reset", address=email, client=client):
        return False
    password_reset_send.enqueue(email)
    return True


def email_change_request(*, user: User, new_email: str, client: str | None) -> bool:
    """Queue the e-mail that confirms `new_email` as the person's address (to that address),
    unless the hourly limits are used up. The address itself changes only on confirmation
    (user_email_change_confirm). True when the e-mail was queued."""
    if not account_email_allowed(kind="email-change", address=new_email, client=client):
        return False
    email_change_send.enqueue(user.pk, new_email)
    return True


@transaction.atomic
def user_profile_update(*, user: User, name: str, language: str) -> User:
    """Save the person's name (all of it in first_name, as registration does) and their
    interface language."""
    user.first_name, user.last_name, user.language = name, "", language
    user.save(update_fields=["first_name", "last_name", "language"])
    return user


@transaction.atomic
def user_email_change_confirm(*, user: User, token: str) -> str:
    """Make the address a confirmation link names the person's own; returns it.

    ValidationError (with a message for the person) when the link is not valid: tampered
    with or expired, made for another person, made before the address last changed (used
    already), or its address has since been taken by another account."""
    change = email_change_read(token)
    if change is None:
        raise ValidationError(
            _("This confirmation link is not valid or has expired. Ask for a new one."),
            code="invalid",
        )
    if change.user_id != user.pk:
        raise ValidationError(
            _("This confirmation link was made for another account."), code="other_user"
        )
    # Locked, so two links opened at once cannot both pass the check below.
    current = User.objects.select_for_update().only("email").get(pk=user.pk).email
    if not change.made_for(current):
        raise ValidationError(
            _("This confirmation link has been used already or your address has changed since."),
            code="used",
        )
    if email_taken(email=change.new_email, by_other_than=user):
        raise ValidationError(
            _("Another account uses this e-mail address now."), code="email_taken"
        )
    user.email = change.new_email
    # The link reached this address and was opened by its person: confirmed.
    user.email_confirmed_at = timezone.now()
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_confirmed_at"])
    except IntegrityError:
        # Another account confirmed the same address between the check and this save
        # (the database's one-confirmed-address constraint decided).
        raise ValidationError(
            _("Another account uses this e-mail address now."), code="email_taken"
        ) from None
    return user.email


def email_confirm_request(*, user: User, client: str | None) -> bool:
    """Queue the link that confirms the person's present address (after registering, or
    asked again from the profile), within the same hourly limits. True when queued."""
    if not user.email or user.email_confirmed_at is not None:
        return False
    return email_change_request(user=user, new_email=user.email, client=client)
