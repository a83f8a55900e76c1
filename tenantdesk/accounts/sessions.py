"""Whether an existing sign-in still holds, for code that has a session key but no request
(a WebSocket checking itself at the handshake and again later).

Two queries: the session, then the user with their organisation and their role in one
joined query (accounts.roles' answer cached on the object), so a socket's checks cost no
more than that. The rules are Django's own (auth.get_user): the session names a backend
this site uses, the user may sign in, and the password hash kept in the session still
matches the user's (or one made with a fallback secret); a session whose hash no longer
matches is ended, as a page would end it.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.db.models import Exists, OuterRef
from django.utils.crypto import constant_time_compare

from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import MANAGER_GROUP, remember_role


def user_with_role(pk) -> User | None:
    """The user with this id, their organisation and whether they are a manager, in one
    query (None: no such user)."""
    in_group = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=MANAGER_GROUP)
    user = (
        User.objects.select_related("organisation")
        .annotate(in_manager_group=Exists(in_group))
        .filter(pk=pk)
        .first()
    )
    if user is not None:
        remember_role(user, manager=user.is_superuser or user.in_manager_group)
    return user


def _hash_holds(session, user) -> bool:
    session_hash = session.get(HASH_SESSION_KEY)
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    return any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )


def session_user(session_key: str | None) -> User | None:
    """The user this session still signs in, or None.

    None when the session ended or expired, or when the user was deactivated, deleted or
    changed password since it began; then, like a page, the session is ended.
    """
    if not session_key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    try:
        user_id = User._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValueError):  # no session, or one of nobody
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = user_with_role(user_id)
    may_sign_in = getattr(load_backend(backend_path), "user_can_authenticate", None)
    if user is None or (may_sign_in is not None and not may_sign_in(user)):
        return None
    if not _hash_holds(session, user):
        session.flush()
        return None
    return user
