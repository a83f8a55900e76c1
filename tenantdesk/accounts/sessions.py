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

from functools import lru_cache
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.models import Group
from django.db import connection
from django.utils.crypto import constant_time_compare

from tenantdesk.accounts.models import Organisation, User
from tenantdesk.accounts.roles import MANAGER_GROUP, remember_role
from tenantdesk.core.raw_sql import instance_from_row, row_converters


@lru_cache(maxsize=1)
def _user_with_role_sql() -> tuple[str, list[str], list[str]]:
    """The one statement of user_with_role, from the models' own names (quoted; the values
    go as parameters)."""
    quote = connection.ops.quote_name
    user_fields = [f.attname for f in User._meta.concrete_fields]
    org_fields = [f.attname for f in Organisation._meta.concrete_fields]
    columns = [f"u.{quote(f.column)}" for f in User._meta.concrete_fields]
    columns += [f"o.{quote(f.column)}" for f in Organisation._meta.concrete_fields]
    memberships = quote(User.groups.through._meta.db_table)
    groups = quote(Group._meta.db_table)
    sql = (
        f"SELECT {', '.join(columns)}, EXISTS (SELECT 1 FROM {memberships} m"  # noqa: S608
        f" JOIN {groups} g ON g.id = m.group_id WHERE m.user_id = u.id AND g.name = %s)"
        f" FROM {quote(User._meta.db_table)} u"
        f" LEFT JOIN {quote(Organisation._meta.db_table)} o ON o.id = u.organisation_id"
        " WHERE u.id = %s"
    )
    return sql, user_fields, org_fields


def user_with_role(pk) -> User | None:
    """The user with this id, their organisation and whether they are a manager, in one
    query (None: no such user). Written as SQL: a socket asks this at its handshake and at
    every recheck, and the ORM's building of the same joined query cost five times the
    query itself (1.16 ms against 0.19 ms of CPU, docs/message-path.md)."""
    sql, user_fields, org_fields = _user_with_role_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [MANAGER_GROUP, pk])
        row = cursor.fetchone()
    if row is None:
        return None
    user = _from_row(User, row[: len(user_fields)])
    if user.organisation_id is not None:
        organisation = row[len(user_fields) : len(user_fields) + len(org_fields)]
        user.organisation = _from_row(Organisation, organisation)
    remember_role(user, manager=bool(user.is_superuser or row[-1]))
    return user


def _from_row(model, values):
    """A model instance from a raw row of all its fields, converted as the ORM would."""
    fields = model._meta.concrete_fields
    return instance_from_row(
        model, [f.attname for f in fields], row_converters(fields), values, connection
    )


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
