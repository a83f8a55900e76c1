"""The one place that decides who may see and do what with requests and their chats.

Every page, file download, WebSocket and JSON endpoint asks these functions; nothing else
in the code base decides access. "Not yours" and "does not exist" give the same answer
(Http404), so a customer cannot learn that another organisation's request exists. It lives
beside the model it guards; what a person is (manager, member) is accounts.roles'.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from django.db import connection
from django.http import Http404

from tenantdesk.accounts.roles import is_company_admin, is_customer, is_manager
from tenantdesk.service_requests.models import ServiceRequest

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from tenantdesk.accounts.models import User


def can_create_service_request(user) -> bool:
    return is_customer(user)


def service_requests_visible_to(user: User) -> QuerySet[ServiceRequest]:
    """Every request the user may see: all for a manager, their organisation's for a customer."""
    if is_manager(user):
        return ServiceRequest.objects.all()
    if _member(user):
        return ServiceRequest.objects.filter(organisation_id=user.organisation_id)
    return ServiceRequest.objects.none()


def visible_requests_sql(user: User, *field_names: str, **filters) -> tuple[str, tuple] | None:
    """service_requests_visible_to's query (narrowed by `filters`) as SQL for a hand-written
    statement to read as a derived table, its columns the fields' attnames (which are their
    column names too); None when the person sees no request. The statement then asks the
    one place that decides visibility, and PostgreSQL plans it as one query."""
    meta = ServiceRequest._meta
    visible = (
        service_requests_visible_to(user)
        .filter(**filters)
        .order_by()
        .values(*(meta.get_field(name).attname for name in field_names))
    )
    if visible.query.is_empty():
        return None
    return visible.query.sql_with_params()


def _member(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.organisation_id
    )


def _visible(user: User, service_request: ServiceRequest) -> bool:
    """service_requests_visible_to's rule for one request already read (the same two
    cases; tests/unit/service_requests/test_access.py holds them to the queryset)."""
    if is_manager(user):
        return True
    return _member(user) and service_request.organisation_id == user.organisation_id


@lru_cache(maxsize=1)
def _by_pk_sql() -> str:
    quote = connection.ops.quote_name
    meta = ServiceRequest._meta
    columns = ", ".join(quote(f.column) for f in meta.concrete_fields)
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608


def access_service_request(
    user: User, service_request_id, *, queryset=None, lock: bool = False
) -> ServiceRequest:
    """The request with this id if the user may see it.

    Http404 otherwise: missing and not theirs look the same. `lock=True` (inside a
    transaction) also locks its row until the transaction ends, so a service checks and
    changes what it sees without a second query: two people acting at once take turns.
    """
    try:
        pk = int(service_request_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if queryset is None and not lock:
        # The request alone (the HTTP send, downloads): read by its key with SQL of the
        # model's own names and checked by the same rule, without the ORM's building of
        # the filtered query (about 1 ms of CPU against 0.15 ms; bench/README.md).
        if not -(2**63) <= pk < 2**63:
            raise Http404
        found = next(iter(ServiceRequest.objects.raw(_by_pk_sql(), [pk])), None)
        if found is None or not _visible(user, found):
            raise Http404
        return found
    qs = service_requests_visible_to(user)
    if queryset is not None:
        # The caller's queryset on the left: `&` keeps the left side's select_related only
        # (the other way round the request page lost its joins and asked three times more).
        qs = queryset & qs
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except qs.model.DoesNotExist:
        raise Http404 from None


def can_change_status(user: User, service_request: ServiceRequest) -> bool:
    """Only managers move a request through its statuses (the caller has checked visibility)."""
    return is_manager(user)


def can_post_message(user: User, service_request: ServiceRequest) -> bool:
    """Anyone who can see the request may write in it while it is open."""
    return not service_request.is_closed


# --- The closure loop (issue 12): reopening and rating a closed request --------------------
# Who may act is decided here; whether the request's state allows it now (closed, within
# REOPEN_DAYS, not yet rated) is decided by the service under the row lock
# (service_requests/services/closure.py), so a page and a race get the same answer.


def _member_of_its_organisation(user: User, service_request: ServiceRequest) -> bool:
    return is_customer(user) and user.organisation_id == service_request.organisation_id


def can_reopen(user: User, service_request: ServiceRequest) -> bool:
    """A customer of the request's organisation; managers close, customers reopen."""
    return _member_of_its_organisation(user, service_request)


def can_rate(user: User, service_request: ServiceRequest) -> bool:
    """A customer of the request's organisation rates how it was handled; never a manager."""
    return _member_of_its_organisation(user, service_request)


# --- Followers (issue 21) -------------------------------------------------------------------


def can_follow(user: User, service_request: ServiceRequest) -> bool:
    """A member of the request's organisation follows it to get its notifications;
    managers have assignment instead (the caller has checked visibility)."""
    return _member_of_its_organisation(user, service_request)


# --- the manager's workspace (issue 12) ---------------------------------------------------


def can_assign(user: User, service_request: ServiceRequest) -> bool:
    """Only managers take, assign and unassign requests (the caller has checked visibility)."""
    return is_manager(user)


def can_be_assignee(user) -> bool:
    """A request is owned by a manager, never by a customer (nor a deactivated account)."""
    return is_manager(user)


def can_set_priority(user: User, service_request: ServiceRequest) -> bool:
    """Only managers change a request's priority after it was opened."""
    return is_manager(user)


def can_set_location(user: User, service_request: ServiceRequest) -> bool:
    """Only managers place a request or move it (to any premises: places.access); a member
    chooses the place when opening it (the caller has checked visibility)."""
    return is_manager(user)


def can_use_workspace(user) -> bool:
    """The managers' queues (tabs, sorting, due times for every organisation)."""
    return is_manager(user)


def can_use_saved_replies(user) -> bool:
    """Saved replies are the managers' prepared texts; customers never receive the list."""
    return is_manager(user)


def can_edit_saved_replies(user) -> bool:
    """Company admins edit the saved replies in the app; other managers propose new ones."""
    return is_company_admin(user)


def can_create_for_organisation(user) -> bool:
    """A manager opens a request for an organisation that called (taken by phone)."""
    return is_manager(user)


# --- Internal notes (issue 12): managers' notes in a request's chat ------------------------
# A note is written and read by managers only: customers never receive one on any path
# (docs/internal-notes.md). Reading and writing are one rule today, kept as two names so
# every caller says which it asks.


def can_write_internal_note(user: User, service_request: ServiceRequest | None = None) -> bool:
    """Only managers write internal notes (the caller has checked visibility)."""
    return is_manager(user)


def can_read_internal_notes(user) -> bool:
    """Only managers ever receive internal notes, on any path."""
    return is_manager(user)
