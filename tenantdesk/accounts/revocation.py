"""Announcing that a user's existing sign-ins may no longer hold what they held.

A password change ends every session of the user (Django compares the password hash kept
in the session), deactivation and deletion end them too, and a change of groups,
superuser status or organisation changes what the user may see. Pages notice on their
next request by themselves; open sockets are told through `user_access_changed`, sent
once the change is committed. Accounts only announce: the chat, which knows its sockets,
listens (tenantdesk/chat/signals.py).
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal

from tenantdesk.accounts.models import User

# Sent after commit with user_id=<pk> whenever that user's sign-ins may have to end or
# see less (or more) than before.
user_access_changed = Signal()

# The fields of a user that decide whether a session holds and what it may see.
_WATCHED = ("password", "is_active", "is_superuser", "organisation_id")
_WATCHED_NAMES = {name.removesuffix("_id") for name in _WATCHED}


def _announce(user_ids) -> None:
    for user_id in set(user_ids):
        transaction.on_commit(
            lambda user_id=user_id: user_access_changed.send(sender=User, user_id=user_id)
        )


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
    instance._access_before = User.objects.filter(pk=instance.pk).values(*_WATCHED).first()


def _compare_after_save(sender, instance, created=False, raw=False, **kwargs):
    before = getattr(instance, "_access_before", None)
    instance._access_before = None
    if created or raw or before is None:
        return
    if any(before[name] != getattr(instance, name) for name in _WATCHED):
        _announce([instance.pk])


def _user_deleted(sender, instance, **kwargs):
    _announce([instance.pk])


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:
        # group.user_set.clear(): the members are gone by post_clear; note them now.
        instance._clearing_user_ids = list(instance.user_set.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:  # user.groups.add/remove/clear(…)
        _announce([instance.pk])
    elif action == "post_clear":
        _announce(getattr(instance, "_clearing_user_ids", []))
    else:  # group.user_set.add/remove(…)
        _announce(pk_set or [])


def _group_deleting(sender, instance, **kwargs):
    # Deleting a group drops its memberships without an m2m signal.
    instance._member_ids = list(instance.user_set.values_list("pk", flat=True))


def _group_deleted(sender, instance, **kwargs):
    _announce(getattr(instance, "_member_ids", []))


def connect() -> None:
    pre_save.connect(_remember_before_save, sender=User, dispatch_uid="revocation_pre_save")
    post_save.connect(_compare_after_save, sender=User, dispatch_uid="revocation_post_save")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="revocation_user_deleted")
    m2m_changed.connect(
        _groups_changed, sender=User.groups.through, dispatch_uid="revocation_groups"
    )
    pre_delete.connect(_group_deleting, sender=Group, dispatch_uid="revocation_group_deleting")
    post_delete.connect(_group_deleted, sender=Group, dispatch_uid="revocation_group_deleted")
