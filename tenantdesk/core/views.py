import logging
import sys

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from tenantdesk.core.database_outage import is_database_outage, outage_response
from tenantdesk.core.errors import json_error, json_error_for, wants_json

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "core/home.html")


def favicon(request):
    """Browsers ask for /favicon.ico by themselves: point them at the site's SVG icon (its
    static URL, hashed in production, so not a permanent redirect)."""
    response = redirect(static("favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


# Error pages: the site's own layout, never a stack trace; JSON for a JSON client.
@requires_csrf_token
def bad_request(request, exception=None):
    if wants_json(request):
        return json_error_for(BadRequest())
    return render(request, "errors/400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    if wants_json(request):
        return json_error_for(exception or PermissionDenied())
    return render(request, "errors/403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    if wants_json(request):
        return json_error_for(Http404())
    return render(request, "errors/404.html", status=404)


@requires_csrf_token
def server_error(request):
    error = sys.exc_info()[1]
    if is_database_outage(error):  # raised in a middleware: 503, not 500 (database_outage.py)
        return outage_response(request, error)
    if wants_json(request):
        return json_error_for(Exception())
    try:
        return render(request, "errors/500.html", status=500)
    except Exception:
        # The error may be the database itself, which the layout's context (the signed-in
        # user, their role) needs: render without the request rather than fail again.
        logger.exception("The 500 page could not be rendered with its context")
        return HttpResponseServerError(loader.render_to_string("errors/500.html"))


def csrf_failure(request, reason=""):
    """A stale form (the session expired, or cookies are off): say so in the site's layout."""
    if wants_json(request):
        return json_error(
            403,
            "csrf_failed",
            _("Your session's security token is missing or stale; reload the page."),
        )
    return render(request, "errors/403_csrf.html", status=403)
