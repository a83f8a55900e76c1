"""Fixtures for every test layer, and the rule that CI never skips a test.

Browser tests need Chromium; service tests need PostgreSQL/Redis named in the environment
(DATABASE_URL, REDIS_URL). On a user's machine without them those tests skip with a
message saying what to install or set. TENANTDESK_REQUIRE names what must be there
(`browser`, `services`, or `all`): a skip for a required kind fails the run instead. CI's
PostgreSQL and Redis stage, where the browser tests run, requires all (.ci/README.md).
"""

import inspect
import os
from pathlib import Path

import pytest

from tests.factories import PASSWORD, CustomerFactory, ManagerFactory, OrganisationFactory
from tests.logrecords import records  # noqa: F401  (a fixture for every test)

KINDS = ("browser", "services")
_required = {part.strip() for part in os.environ.get("TENANTDESK_REQUIRE", "").split(",")}
REQUIRED = set(KINDS) if "all" in _required else _required & set(KINDS)


def skip_or_fail(reason: str, *, needs: str) -> None:
    """Skip on a developer's machine; fail where this kind of test must run (CI)."""
    assert needs in KINDS, needs
    if needs in REQUIRED:
        pytest.fail(f"required {needs} test could not run: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_addoption(parser):
    parser.addoption(
        "--services-only",
        action="store_true",
        help="run only the tests that the embedded defaults cannot prove (they use the "
        "database, a service, or are async and may use the channel layer); CI's PostgreSQL "
        "stage, after its SQLite stage ran every test (.ci/README.md)",
    )


# Fixtures that reach the database (pytest-django refuses the database to a test without one).
_DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def _needs_the_services_stage(item) -> bool:
    """A test that may behave otherwise on PostgreSQL and Redis than on the embedded
    defaults. The rest (no database, no service, synchronous: parsers, formats, settings
    checked in subprocesses of their own environment) prove the same on both."""
    return (
        item.get_closest_marker("django_db") is not None
        or item.get_closest_marker("services") is not None
        or bool(_DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
        or "integration" in Path(str(item.path)).parts
        or inspect.iscoroutinefunction(getattr(item, "function", None))
    )


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--services-only"):
        return
    kept, proven = [], []
    for item in items:
        (kept if _needs_the_services_stage(item) else proven).append(item)
    if proven:
        config.hook.pytest_deselected(items=proven)
        items[:] = kept


def _remove_sqlite_side_files() -> None:
    # Django removes a SQLite test database's file, not the WAL mode's side files.
    from django.conf import settings

    database = settings.DATABASES["default"]
    name = database.get("TEST", {}).get("NAME")
    if database["ENGINE"] == "django.db.backends.sqlite3" and name:
        for path in (name, f"{name}-wal", f"{name}-shm"):
            Path(path).unlink(missing_ok=True)


def pytest_sessionfinish(session, exitstatus):
    _remove_sqlite_side_files()
    # Belt and braces: a skip from anywhere else (a plain pytest.skip) fails a run that
    # requires everything.
    if set(KINDS) != REQUIRED:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"TENANTDESK_REQUIRE=all but {len(skipped)} test(s) were skipped", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def _transactional_tests_empty_postgresql_with_delete():
    # tests/emptying.py: 40 ms instead of flush's 1.1-1.7 s TRUNCATE after each test.
    from django.test import testcases

    from tests.emptying import patched_teardown

    original = testcases.TransactionTestCase._fixture_teardown
    testcases.TransactionTestCase._fixture_teardown = patched_teardown(original)
    yield
    testcases.TransactionTestCase._fixture_teardown = original


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Every test writes its uploads to its own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _every_socket_frame_matches_its_schema(monkeypatch):
    """Every frame a socket sends in any test is checked against its socket's schemas
    (chat/ws/frames.py), as Zulip's event_schema checks its events: a frame that does not
    match fails the test that sent it."""
    import msgspec

    from tenantdesk.chat.ws.base import BaseSocket

    send_text, wrong = BaseSocket.send_text, []

    async def checked(self, text):
        try:
            msgspec.json.decode(text, type=self.server_frames, strict=True)
        except msgspec.ValidationError as error:
            wrong.append(f"{type(self).__name__} sent {text[:300]}: {error}")
        await send_text(self, text)

    monkeypatch.setattr(BaseSocket, "send_text", checked)
    yield
    assert not wrong, wrong


@pytest.fixture(autouse=True)
def _default_language():
    # A request through LocaleMiddleware leaves its language active in the thread: a test
    # after one that signed in a Russian-speaking person must not inherit Russian.
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _no_remembered_digests():
    # Ids repeat between tests (rolled back): what a process remembers of waiting digest
    # jobs (notifications.digests) belongs to the test that saw them.
    from tenantdesk.notifications import digests

    digests._known_waiting.clear()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch):
    # User ids repeat between tests (rolled back): start every test with no sends counted.
    from django.core.cache import caches

    from tenantdesk.chat import ratelimit

    caches["ratelimit"].clear()
    # And every test in one send-limit window: the windows are cut from wall time, so a
    # test's sends crossed an edge now and then, or took longer than a window on a loaded
    # machine, and a send the test expected refused was let through (issue 25).
    now = ratelimit.clock()
    monkeypatch.setattr(ratelimit, "clock", lambda: now)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def customer(db, organisation):
    return CustomerFactory(organisation=organisation)


@pytest.fixture
def other_customer(db):
    """A member of another organisation: must never see the first one's requests."""
    return CustomerFactory()


@pytest.fixture
def manager(db):
    return ManagerFactory()
