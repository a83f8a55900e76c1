"""What the request views share: the page size and the one answer to a refused action."""

from __future__ import annotations

from django.shortcuts import render

from tenantdesk.core.errors import describe, json_error_for, wants_json

PAGE_SIZE = 25


def refused(request, service_request, error, *, title: str):
    """An action on a request that was refused (status, assignment, priority, reopening,
    rating): JSON for a script that asked for it, else a page saying why, with the
    refusal's status (core.errors.describe: 403 or 400). Nothing was stored."""
    if wants_json(request):
        return json_error_for(error)
    status, _code, detail = describe(error)
    return render(
        request,
        "service_requests/action_refused.html",
        {"service_request": service_request, "detail": detail, "title": title},
        status=status,
    )
