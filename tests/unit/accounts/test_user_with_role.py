"""accounts.sessions.user_with_role: one SQL statement for what a socket asks at every check,
giving the same user the ORM gives (types included), their organisation and their role."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import MANAGER_GROUP, is_manager
from tenantdesk.accounts.sessions import user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["customer", "manager"])
def test_the_same_user_as_the_orm_with_the_role_and_no_more_queries(
    request, who, django_assert_num_queries
):
    person = request.getfixturevalue(who)
    User.objects.filter(pk=person.pk).update(last_login=timezone.now())
    expected = User.objects.select_related("organisation").get(pk=person.pk)
    with django_assert_num_queries(1):
        loaded = user_with_role(person.pk)
        manager = is_manager(loaded)  # answered from the same row
        organisation = loaded.organisation  # joined in
    for field in User._meta.concrete_fields:
        value, wanted = getattr(loaded, field.attname), getattr(expected, field.attname)
        assert value == wanted and type(value) is type(wanted), field.name
    assert timezone.is_aware(loaded.last_login)
    assert manager is (who == "manager")
    assert organisation == expected.organisation
    if organisation is not None:
        assert organisation.name == expected.organisation.name


def test_a_superuser_is_a_manager_and_a_missing_user_is_none():
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    assert is_manager(user_with_role(admin.pk)) is True
    assert user_with_role(admin.pk + 1000) is None


def test_the_group_is_looked_up_by_its_name():
    user = User.objects.create_user("someone", password="x")
    user.groups.add(Group.objects.create(name="not-the-managers"))
    assert is_manager(user_with_role(user.pk)) is False
    user.groups.add(Group.objects.get_or_create(name=MANAGER_GROUP)[0])
    assert is_manager(user_with_role(user.pk)) is True
