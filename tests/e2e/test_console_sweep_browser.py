"""Issue 23's "no console errors on any page, any role", and reduced motion on the shell.

The sweep opens every page of harness/browser.py's EVERY_PAGE (what make screenshots and
make lighthouse visit) as each role — signed out, the demo's customer, the demo's manager —
in one browser context per role, and fails on any console error, uncaught exception, or
sub-resource answered 4xx/5xx (or failed on the network). Expected, and only these: the
page itself answered 403/404 where the role may not see it (a customer on the manager's
pages, /no-such-page), with the one "Failed to load resource" line Chromium logs for it.
Each page also asks for the web app manifest (DevTools' Page.getAppManifest, as Lighthouse
and an install prompt do): a Content-Security-Policy without manifest-src blocked it, one
console error on every page that no browser test saw.

Up to ~15 s per role on two busy cores (load 7-10, PostgreSQL): up to 15 pages, each waited
on until the network is quiet (half a second of it), in one tab of one context; a page met
again (signed out, every signed-in address is the sign-in page) is not waited on again.
"""

import os

import pytest
from django.core.management import call_command

from harness.browser import EVERY_PAGE
from tenantdesk.accounts.models import User
from tenantdesk.service_requests.management.commands.seed_demo import (
    DEMO_CUSTOMER,
    DEMO_MANAGER,
)
from tenantdesk.service_requests.models import ServiceRequest
from tests.unit.chat.helpers import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(settings):
    """seed_demo's people, places and request (its photo included), as the pages' tools use."""
    settings.DEMO_DATA = True
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    return {
        "customer": User.objects.get(username=DEMO_CUSTOMER[0]),
        "manager": User.objects.get(username=DEMO_MANAGER[0]),
        "request": ServiceRequest.objects.filter(author__username=DEMO_CUSTOMER[0]).earliest("pk"),
    }


def open_as(new_context, base, user, **kwargs):
    context = new_context(**kwargs)
    if user is not None:
        context.add_cookies(
            [{"name": "sessionid", "value": session_cookie(user), "url": base, "httpOnly": True}]
        )
    return context


class Problems:
    """Everything a context's pages logged or failed to load, by page name."""

    def __init__(self, context):
        self.found = []
        self.expected_documents = set()  # URLs allowed to answer 403/404
        self.names = {}  # Playwright page -> EVERY_PAGE name
        context.on("console", self._console)
        context.on(
            "weberror", lambda error: self.found.append(f"{self._name(error.page)}: {error.error}")
        )
        context.on("response", self._response)
        context.on("requestfailed", self._failed)

    def _name(self, page):
        return self.names.get(page, "?")

    def _console(self, message):
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if url in self.expected_documents and message.text.startswith("Failed to load resource"):
            return
        self.found.append(f"{self._name(message.page)}: console: {message.text} ({url})")

    def _response(self, response):
        if response.status < 400:
            return
        # The page itself, and the service worker's fetch of it (static/js/service-worker.js
        # answers navigations: Playwright sees its request too, as a fetch).
        if response.status in (403, 404) and response.url in self.expected_documents:
            return
        request = response.request
        page = request.frame.page if request.frame else None
        self.found.append(
            f"{self._name(page)}: {response.status} {request.resource_type} {response.url}"
        )

    def _failed(self, request):
        # A request cancelled by the page going away is not a failure of the page.
        if request.failure != "net::ERR_ABORTED":
            page = request.frame.page if request.frame else None
            self.found.append(f"{self._name(page)}: failed {request.url}: {request.failure}")


def sweep(context, base, role, demo):
    """Every page in turn in one tab, each until the network is quiet, so what a page fetches
    after loading (the chat's receipts, the unread count) is seen too. (One tab per page, all
    at once, was slower on two busy cores: 15 renderers at a time.)"""
    problems = Problems(context)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    swept = set()
    for name, page_role, path in EVERY_PAGE:
        url = base + path.format(request=demo["request"].pk)
        # Another role's page may answer 403/404 (a customer on the team page); the 404
        # page must; the rest must answer (signed out: a redirect to sign in).
        may_be_denied = name == "error-404" or role not in (None, page_role) and page_role
        if may_be_denied:
            problems.expected_documents.add(url)
        problems.names[page] = name
        response = page.goto(url, wait_until="commit")
        # A page seen already is not waited on again: signed out, 12 of the 15 addresses
        # are the sign-in page (?next= differs), and both lists are one address.
        if page.url.split("?")[0] in swept:
            continue
        swept.add(page.url.split("?")[0])
        page.wait_for_load_state("networkidle")
        if name == "error-404":
            assert response.status == 404
        elif not (may_be_denied and response.status in (403, 404)):
            assert response.ok, (name, role, response.status)
        manifest = devtools.send("Page.getAppManifest")
        assert manifest["url"].endswith("/manifest.webmanifest"), (name, manifest)
        assert manifest["errors"] == [] and '"start_url"' in manifest.get("data", ""), manifest
        page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
    return problems.found


@pytest.mark.parametrize(
    "role", [None, "customer", "manager"], ids=["signed-out", "customer", "manager"]
)
def test_every_page_as_each_role_logs_no_console_error(asgi_server, new_context, demo, role):
    base = asgi_server.url
    context = open_as(new_context, base, demo[role] if role else None, viewport=PHONE)
    assert sweep(context, base, role, demo) == []
