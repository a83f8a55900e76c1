"""Browser tests: a real ASGI server (Daphne, in its own process) and Debian's Chromium.

Run in their own pytest process (`make test` does): Playwright's sync API runs an event
loop, so Django's ORM calls from the test need DJANGO_ALLOW_ASYNC_UNSAFE, which must not
leak into the async consumer tests. The server process uses the test database by name
(on SQLite a file of the test process's own, config/settings/test.py).

Every page runs under the site's Content-Security-Policy and a test fails on any violation
(`csp_violations`). Give `wait_for_function` a function (`"() => ..."`), not a bare
expression: Playwright evaluates a bare one with eval, which the policy refuses.
"""

import contextlib
import os
import shutil
from functools import partial
from pathlib import Path

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402


def _a_test_database_of_their_own():
    # On SQLite every test process already has a file of its own (config/settings/test.py).
    # On PostgreSQL the browser tests' database gets a name of its own, so that they may run
    # beside the unit tests, whose workers have the same names (pytest-django appends
    # "_gw0"). pytest-django has loaded the settings before this file runs: the name is
    # changed in place, and the server process, forked later, inherits it.
    test = django_settings.DATABASES["default"].setdefault("TEST", {})
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        test["NAME"] = f"{test.get('NAME') or 'test_tenantdesk'}_e2e"


_a_test_database_of_their_own()


from harness.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.conftest import skip_or_fail  # noqa: E402

CHROMIUM_ARGS = ["--headless", *CHROMIUM_FLAGS]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts")) / "screenshots"


def _set_database_name():
    # Runs in the server process: point it at the test database the tests write to.
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = settings.DATABASES["default"]["TEST"]["NAME"]


def _make_application():
    from channels.routing import get_default_application
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler(get_default_application())


class LiveServer:
    def __init__(self, media_root: Path):
        from daphne.testing import DaphneProcess
        from django.db import connections

        connections.close_all()  # the child process must not share our sockets
        self.media_root = media_root
        self.process = DaphneProcess("127.0.0.1", partial(_make_application), setup=self._setup)
        self.process.start()
        while not self.process.ready.wait(timeout=1):
            if not self.process.is_alive():
                raise RuntimeError("the live server process stopped while starting")
        self.url = f"http://127.0.0.1:{self.process.port.value}"

    def _setup(self):
        _set_database_name()
        from django.conf import settings

        settings.MEDIA_ROOT = self.media_root

    def stop(self):
        self.process.terminate()
        self.process.join(timeout=10)


@pytest.fixture(scope="session")
def asgi_server_media(tmp_path_factory):
    return tmp_path_factory.mktemp("live-media")


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker, asgi_server_media):
    with django_db_blocker.unblock():
        server = LiveServer(asgi_server_media)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _media_root(settings, asgi_server_media):
    # The test process and the server must agree on where uploads live.
    settings.MEDIA_ROOT = asgi_server_media


@pytest.fixture(autouse=True)
def _manager_group(transactional_db):
    # Browser tests are transactional: each ends with every table emptied (tests/emptying.py),
    # the `manager` group made by the data migration included. Make it again.
    from importlib import import_module

    from django.apps import apps

    import_module("tenantdesk.accounts.migrations.0002_manager_group").create_manager_group(
        apps, None
    )


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        skip_or_fail(
            f"Chromium not found at {CHROMIUM}: install it (Debian: apt-get install chromium) "
            "or set CHROMIUM_PATH",
            needs="browser",
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Registered before any page script runs. The event, not the console, because it says which
# directive was violated; its reports reach Python even when the page navigates right after.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation({
    page: document.location.href,
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: `${event.sourceFile}:${event.lineNumber}`,
  });
});
"""


class CspViolations(list):
    """What the pages of one test reported against the Content-Security-Policy.

    Every context from `new_context` reports here; the test fails (see pytest_runtest_call)
    if anything did. A page served without a policy is reported too: a policy that is not
    sent cannot be violated, and a silent run would prove nothing.
    """

    def __init__(self):
        super().__init__()
        self.contexts = []

    def watch(self, context, *, javascript=True):
        if javascript:  # without it nothing is queued, and settle's timer would never fire
            self.contexts.append(context)
        context.expose_binding("__reportCspViolation", lambda _source, report: self.append(report))
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("response", self._check_document_has_a_policy)

    def _check_document_has_a_policy(self, response):
        request = response.request
        is_page = request.resource_type == "document" and request.frame.parent_frame is None
        if is_page and "content-security-policy" not in response.headers:
            self.append({"page": response.url, "directive": "(no policy sent)"})

    def settle(self):
        """Lets every open page deliver the reports still queued in it."""
        for context in self.contexts:
            for page in context.pages:
                # A page that is closing or navigating has nothing left to deliver.
                with contextlib.suppress(PlaywrightError):
                    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")


@pytest.fixture(autouse=True)
def csp_violations():
    return CspViolations()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    violations = item.funcargs.get("csp_violations")
    try:
        result = yield
    except BaseException:
        # A blocked script often makes the test fail first: show what was blocked.
        if violations:
            item.add_report_section("call", "csp", "\n".join(map(str, violations)))
        raise
    if violations is not None:
        violations.settle()
        if violations:
            lines = "\n".join(f"  {v}" for v in violations)
            pytest.fail(f"Content-Security-Policy violations:\n{lines}", pytrace=False)
    return result


@pytest.fixture
def new_context(browser, csp_violations):
    """Opens browser contexts (separate cookie jars = separate people); closes them after.

    Each one reports Content-Security-Policy violations to `csp_violations`.
    """
    contexts = []

    def open_context(locale="en-GB", **kwargs):
        context = browser.new_context(
            locale=locale, viewport=kwargs.pop("viewport", {"width": 1280, "height": 900}), **kwargs
        )
        context.set_default_timeout(10_000)
        csp_violations.watch(context, javascript=kwargs.get("java_script_enabled", True))
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def screenshot():
    """Saves a full-page screenshot under test-artifacts/screenshots/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page, base_url: str, username: str, password: str):
    page.goto(f"{base_url}/accounts/login")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")


def pytest_collection_modifyitems(config, items):
    """`make screenshots`' tour of every page (SCREENSHOTS=all) is not a test of the suite:
    deselected, not skipped, since CI fails a run with any skip (tests/conftest.py)."""
    if os.environ.get("SCREENSHOTS") == "all":
        return
    tour = [item for item in items if item.get_closest_marker("every_page")]
    if tour:
        config.hook.pytest_deselected(items=tour)
        items[:] = [item for item in items if not item.get_closest_marker("every_page")]
