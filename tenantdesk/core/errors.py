"""How a failure is told to a client: one mapping from an exception to (status, code,
detail), used by the JSON endpoints, the error pages when a JSON client asked, and the
chat socket's error frames. The same failure has the same code on every path.

Services raise what they raise (ValidationError with a code, PermissionDenied, Http404,
RateLimited, database errors); callers never branch on exception types themselves.
Every JSON error has the shape {"error": {"code": "...", "detail": "..."}}.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import wraps

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    SuspiciousOperation,
    ValidationError,
)
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _

from tenantdesk.core.outages import DATABASE_ERRORS, RETRY_AFTER_SECONDS, database_outage

logger = logging.getLogger(__name__)


class RateLimited(Exception):
    """Too many actions in a short time; the client should wait and try again."""

    code = "rate_limited"


class Closed(PermissionDenied):
    """The request is closed: its chat and its status are read-only."""

    code = "closed"


def describe(error: BaseException) -> tuple[int, str, str]:
    """(HTTP status, stable code, a message for people in the active language)."""
    if isinstance(error, ValidationError):
        return 400, error.code or "invalid", error.messages[0]
    if isinstance(error, RateLimited):
        return 429, "rate_limited", str(error) or _("Too many requests; wait a few seconds.")
    if isinstance(error, Closed):
        return 403, "closed", str(error) or _("This request is closed; it is read-only.")
    if isinstance(error, PermissionDenied):
        return 403, "forbidden", str(error) or _("You may not do this.")
    if isinstance(error, (BadRequest, SuspiciousOperation)):
        return 400, "bad_request", _("The request could not be understood.")
    if isinstance(error, Http404):
        return 404, "not_found", _("Not found.")
    if isinstance(error, DATABASE_ERRORS):
        # The database is down or restarting: nothing was stored; trying again is right.
        return 503, "unavailable", _("The service is briefly unavailable; try again shortly.")
    return 500, "server_error", _("Something went wrong on our side; try again later.")


def json_error(status: int, code: str, detail) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "detail": str(detail)}}, status=status)


def json_error_for(error: BaseException) -> JsonResponse:
    status, code, detail = describe(error)
    response = json_error(status, code, detail)
    if status == 503:  # the database is away: say when to try again, as the pages do
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def error_frame(error: BaseException, **extra) -> dict:
    """The socket's answer to a failed frame."""
    _status, code, detail = describe(error)
    return {"type": "error", "code": code, "detail": detail, **extra}


def json_endpoint(*, methods: Iterable[str]) -> Callable:
    """A view that speaks JSON only: signed-in callers, the given methods, JSON errors.

    A signed-out caller gets 401 (not a redirect to the sign-in page), a wrong method 405,
    and anything the view raises is answered in the JSON error shape; unexpected
    exceptions are logged with their traceback and answered 500 without one.
    """
    allowed = [method.upper() for method in methods]

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if request.method not in allowed:
                    response = json_error(405, "method_not_allowed", _("Method not allowed."))
                    response["Allow"] = ", ".join(allowed)
                    return response
                if not request.user.is_authenticated:
                    return json_error(401, "signed_out", _("Sign in again to continue."))
                return view(request, *args, **kwargs)
            except (ValidationError, PermissionDenied, Http404, RateLimited) as error:
                return json_error_for(error)
            except DATABASE_ERRORS as error:
                database_outage.failed(error)  # logged once per outage, not per request
                return json_error_for(error)
            except DatabaseError as error:
                logger.warning("database error in %s: %s", request.path, error)
                return json_error_for(error)
            except Exception as error:
                logger.exception("unexpected error in %s", request.path)
                return json_error_for(error)

        wrapper.json_endpoint = True
        return wrapper

    return decorate


def wants_json(request) -> bool:
    """Whether an error page for this request should be JSON: a JSON endpoint was asked
    (it may fail before its view runs: CSRF, sessions), or the client accepts only JSON."""
    match = getattr(request, "resolver_match", None)
    if match is not None and getattr(match.func, "json_endpoint", False):
        return True
    accept = request.headers.get("Accept", "") if hasattr(request, "headers") else ""
    return "application/json" in accept and "text/html" not in accept
