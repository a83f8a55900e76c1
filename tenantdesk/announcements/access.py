"""Who may do what with announcements (every rule of the announcements app).

Managers post, edit, end and delete them; a customer gets 403 on those pages and POSTs.
The banner, and dismissing it, are for the members of organisations leasing now in one of
the announcement's buildings; for anyone else an announcement they were not told of is
"not found", the same answer as a missing one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from tenantdesk.accounts.roles import is_customer, is_manager
from tenantdesk.announcements import selectors
from tenantdesk.announcements.models import Announcement


def can_manage_announcements(user) -> bool:
    return is_manager(user)


def require_manager(user) -> None:
    """Raise 403 unless the person may post and edit announcements."""
    if not can_manage_announcements(user):
        raise PermissionDenied


def sees_banners(user) -> bool:
    """Only members of organisations see banners (no query: the role is cached)."""
    return is_customer(user)


def access_announcement(user, pk) -> Announcement:
    """An announcement a manager may edit; 404 when there is none with that id."""
    require_manager(user)
    try:
        return Announcement.objects.get(pk=int(pk))
    except (TypeError, ValueError, Announcement.DoesNotExist):
        raise Http404 from None


def access_announcement_to_dismiss(user, pk) -> Announcement:
    """An announcement addressed to the person (their organisation leases now in one of
    its buildings); 404 otherwise, whether it exists or not."""
    if not sees_banners(user):
        raise Http404
    try:
        announcement = Announcement.objects.get(pk=int(pk))
    except (TypeError, ValueError, Announcement.DoesNotExist):
        raise Http404 from None
    if not selectors.is_for(user, announcement):
        raise Http404
    return announcement
