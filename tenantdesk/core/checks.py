"""The project's own system checks (`manage.py check`; `check --deploy` adds the deploy ones)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from tenantdesk.core import outbound


@checks.register(checks.Tags.security)
def outbound_allow_is_valid(app_configs, **kwargs):
    """An OUTBOUND_ALLOW entry that is no network would fail every outbound request later,
    in the worker; it is said at start instead."""
    try:
        outbound.policy()
    except ValueError as error:
        return [
            checks.Error(
                f"OUTBOUND_ALLOW cannot be used: {error}",
                hint="List addresses or networks in CIDR form, e.g. 10.20.0.0/24.",
                id="core.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def outbound_allow_is_empty(app_configs, **kwargs):
    """Each allowed network is one the server connects to for anyone who names an address
    in it (a push endpoint, later a webhook): a production site should know it did that."""
    if not settings.OUTBOUND_ALLOW:
        return []
    return [
        checks.Warning(
            "OUTBOUND_ALLOW lets the server's outbound requests reach non-public networks: "
            + ", ".join(settings.OUTBOUND_ALLOW),
            hint="Leave it empty unless an internal system must receive them "
            "(tenantdesk/core/outbound.py).",
            id="core.W001",
        )
    ]
