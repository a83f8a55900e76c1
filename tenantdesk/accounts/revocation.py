"""Announcing that a user's existing sign-ins may no longer hold what they held.

A password change ends every session of the user (Django compares the password hash kept
in the session), deactivation and deletion end them too, and a change of groups,
superuser status or organisation changes what the user may see. Pages notice on their
next request by themselves; open sockets are told through `user_access_changed`, sent
once the change is committed. Accounts only announce: the chat, which knows its sockets,
listens (tenantdesk/chat/signals.py).

Changes in bulk are announced too, so no way of taking access away leaves a socket open
until its periodic recheck: User.objects….update() and bulk_update() of a watched field
(UserQuerySet, accounts/models.py), deleting users in bulk (Django sends post_delete for
each), deleting a group, and removing memberships however it is done: user.groups.remove(),
group.user_set.clear() or the through model's rows in bulk all go through the membership
table's manager (MembershipQuerySet). Raw SQL is the one way left; the sockets' periodic
recheck (chat/ws/base.py) still catches it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal

# Sent after commit with user_ids=<a frozenset of pks> whenever those users' sign-ins may
# have to end or see less (or more) than before: once per change, however many it names.
user_access_changed = Signal()

# The fields of a user that decide whether a session holds and what it may see.
_WATCHED = ("password", "session_stamp", "is_active", "is_superuser", "organisation_id")


def _announce(user_ids, using=None) -> None:
    user_ids = frozenset(user_ids)
    if user_ids:
        # One callback and one signal for the lot: a bulk change may name thousands.
        transaction.on_commit(
            lambda: user_access_changed.send(sender=get_user_model(), user_ids=user_ids),
            using=using,
        )


def announced_update(queryset, values: dict, update) -> int:
    """`update(**values)` for a UserQuerySet; when a watched field is among the values,
    the users the queryset matched are announced once the update commits.

    Their ids are read in the same transaction just before the update (one query, only
    for such updates). A row that starts matching in between is updated unannounced; its
    sockets still find out at their next periodic recheck (chat/ws/base.py)."""
    if not _watched_fields_saved(values):
        return update(**values)
    with transaction.atomic(using=queryset.db, savepoint=False):
        user_ids = list(queryset.values_list("pk", flat=True))
        count = update(**values)
        _announce(user_ids, using=queryset.db)
    return count


def _watched_fields_saved(update_fields) -> bool:
    if update_fields is None:
        return True
    return bool(
        {name.removesuffix("_id") for name in update_fields}
        & {name.removesuffix("_id") for name in _WATCHED}
    )


def _remember_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    # One query, and only for saves that may touch a watched field (a sign-in's
    # last_login update does not).
    if raw or instance.pk is None or not _watched_fields_saved(update_fields):
        instance._access_before = None
        return
    instance._access_before = sender.objects.filter(pk=instance.pk).values(*_WATCHED).first()


def _compare_after_save(sender, instance, created=False, raw=False, **kwargs):
    before = getattr(instance, "_access_before", None)
    instance._access_before = None
    if created or raw or before is None:
        return
    if any(before[name] != getattr(instance, name) for name in _WATCHED):
        _announce([instance.pk])


def _user_deleted(sender, instance, **kwargs):
    _announce([instance.pk])


def _groups_added(sender, instance, action, reverse, pk_set, **kwargs):
    # Joining a group (the managers') changes what a person sees. Leaving one goes through
    # the membership table's manager (MembershipQuerySet), which every removal uses.
    if action != "post_add":
        return
    _announce((pk_set or []) if reverse else [instance.pk])


class MembershipQuerySet(models.QuerySet):
    """Rows of the user–group table; deleting or moving them announces their users.

    Django sends no delete signal for an auto-created through model, so this is the
    table's default manager (installed by connect()): user.groups.remove/clear/set(),
    group.user_set.remove/clear() and User.groups.through.objects….delete() all delete
    through it. Deleting a group or a user removes the rows otherwise (their own
    receivers below announce that)."""

    def delete(self):
        with transaction.atomic(using=self.db, savepoint=False):
            user_ids = list(self.values_list("user_id", flat=True))
            result = super().delete()
            _announce(user_ids, using=self.db)
        return result

    def update(self, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            user_ids = list(self.values_list("user_id", flat=True))
            count = super().update(**kwargs)
            new_user = kwargs.get("user_id", kwargs.get("user"))
            if new_user is not None:
                user_ids.append(getattr(new_user, "pk", new_user))
            _announce(user_ids, using=self.db)
        return count


def _group_deleting(sender, instance, **kwargs):
    # Deleting a group drops its memberships without a signal (a cascade, not the
    # membership manager).
    instance._member_ids = list(instance.user_set.values_list("pk", flat=True))


def _group_deleted(sender, instance, **kwargs):
    _announce(getattr(instance, "_member_ids", []))


def _watch_memberships() -> None:
    """Make MembershipQuerySet the membership table's `objects` and default manager."""
    through = get_user_model().groups.through
    if isinstance(through._default_manager.all(), MembershipQuerySet):
        return  # connected already
    # Options keeps its managers by name, the first "objects" winning: the auto-created
    # plain Manager is taken out before ours is added (which also expires the cache).
    through._meta.local_managers = [
        manager for manager in through._meta.local_managers if manager.name != "objects"
    ]
    MembershipQuerySet.as_manager().contribute_to_class(through, "objects")


def connect() -> None:
    User = get_user_model()  # noqa: N806  (accounts.models imports this module)
    pre_save.connect(_remember_before_save, sender=User, dispatch_uid="revocation_pre_save")
    post_save.connect(_compare_after_save, sender=User, dispatch_uid="revocation_post_save")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="revocation_user_deleted")
    m2m_changed.connect(_groups_added, sender=User.groups.through, dispatch_uid="revocation_groups")
    pre_delete.connect(_group_deleting, sender=Group, dispatch_uid="revocation_group_deleting")
    post_delete.connect(_group_deleted, sender=Group, dispatch_uid="revocation_group_deleted")
    _watch_memberships()
