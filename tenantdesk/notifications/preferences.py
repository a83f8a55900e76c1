"""A person's choice of e-mails: the preferences page and the one-click unsubscribe."""

from __future__ import annotations

from django.db import transaction

from tenantdesk.accounts.models import User
from tenantdesk.notifications.models import EmailPreferences
from tenantdesk.notifications.recipients import PREFERENCE_KINDS


def email_preferences_get(*, user: User) -> EmailPreferences:
    """The person's preferences; the defaults (everything on) when they never chose."""
    try:
        return EmailPreferences.objects.get(user=user)
    except EmailPreferences.DoesNotExist:
        return EmailPreferences(user=user)


def wants(*, user: User, kind: str) -> bool:
    """Does the person still want this kind of e-mail? (Asked just before sending.)"""
    assert kind in PREFERENCE_KINDS, kind
    value = EmailPreferences.objects.filter(user=user).values_list(kind, flat=True).first()
    return True if value is None else value


@transaction.atomic
def email_preferences_update(*, user: User, **choices: bool) -> EmailPreferences:
    """Store the person's choices (any of PREFERENCE_KINDS)."""
    unknown = set(choices) - set(PREFERENCE_KINDS)
    if unknown:
        raise ValueError(f"unknown e-mail kinds: {sorted(unknown)}")
    preferences, _created = EmailPreferences.objects.select_for_update().get_or_create(
        user=user, defaults=choices
    )
    if not _created:
        for kind, value in choices.items():
            setattr(preferences, kind, value)
        preferences.save()
    return preferences


def email_kind_unsubscribe(*, user_id: int, kind: str) -> User | None:
    """Turn one kind of e-mail off for a person (the one-click link). None when the kind
    is unknown or the person no longer exists or is deactivated."""
    if kind not in PREFERENCE_KINDS:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    email_preferences_update(user=user, **{kind: False})
    return user
