"""Pages and JSON endpoints during a database outage: 503 with Retry-After, not a 500.

When PostgreSQL is down or restarting (core.outages.DATABASE_ERRORS: a connection refused
or dropped, the pool's timeout), nothing is wrong with the request or the code, and the
client should simply try again shortly. It gets 503 Service Unavailable with Retry-After:
the site's plain error page in the page's language, or the JSON error shape
(`unavailable`) for a JSON client. The log gets one warning per outage (core.outages)
instead of a traceback per request. A constraint violation or a bad query is no outage
and stays a 500 (or the JSON endpoint's own answer).

Two ways in, one answer (outage_response): a view's failure reaches
DatabaseOutageMiddleware.process_exception; a failure inside a middleware (reading the
session for request.user, saving it) never reaches another middleware, because Django turns
it into the 500 handler's answer on the spot, so core.views.server_error asks here first.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpResponse
from django.template import loader

from tenantdesk.core.errors import json_error_for, wants_json
from tenantdesk.core.outages import DATABASE_ERRORS, RETRY_AFTER_SECONDS, database_outage


def is_database_outage(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_ERRORS)


def outage_response(request, error: BaseException) -> HttpResponse:
    """503 + Retry-After for a request that failed because the database is away."""
    database_outage.failed(error)
    if wants_json(request):
        response = json_error_for(error)
    else:
        # Rendered without the request: the layout's context (the signed-in user, their
        # role, the unread count) would ask the database again. LocaleMiddleware has
        # activated the page's language already.
        response = HttpResponse(loader.render_to_string("errors/503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Logged once per outage above: Django would log every 503 as an error.
    response._has_been_logged = True
    return response


class DatabaseOutageMiddleware:
    """Turns a view's database outage into outage_response; notes when pages that used
    the database answer again, so the outage's end is logged."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A connection this request opened, and an answer that is not the outage's: the
        # database answers again (a page that never queried proves nothing).
        used_database = connection.connection is not None
        if database_outage.is_down and response.status_code != 503 and used_database:
            database_outage.recovered()
        return response

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return outage_response(request, exception)
        return None
