"""Reads for accounts."""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.utils import timezone


def lockout_seconds_left(*, request, ip_address: str | None) -> int:
    """Whole seconds until the address may sign in again (at least 1 while it is blocked).

    The block runs from the last counted failure: knocking while blocked is not counted
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off), so this is when it ends.
    """
    cool_off = get_cool_off(request)
    if not cool_off:
        return 0
    last = (
        AccessAttempt.objects.filter(ip_address=ip_address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is None:
        return int(cool_off.total_seconds())
    remaining = (last + cool_off - timezone.now()).total_seconds()
    # Round up: "0 seconds left" while still blocked would be a lie.
    return max(1, int(remaining + 0.999))
