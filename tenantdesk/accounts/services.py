"""Writes for accounts: registration, managers and the bootstrap administrator."""

from django.contrib.auth.models import Group
from django.db import transaction

from tenantdesk.accounts.models import Organisation, OrganisationRole, User
from tenantdesk.accounts.roles import MANAGER_GROUP


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
