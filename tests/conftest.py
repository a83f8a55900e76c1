"""Fixtures for every test layer, and the rule that CI never skips a test.

Browser tests need Chromium and service tests need PostgreSQL/Redis/S3. On a user's machine
without them those tests skip with a message saying what to install; with
TENANTDESK_REQUIRE_ALL=1 (set by .ci/run) a skip is a failure instead.
"""

import os

import pytest

from tests.factories import PASSWORD, CustomerFactory, ManagerFactory, OrganisationFactory

REQUIRE_ALL = os.environ.get("TENANTDESK_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; fail where every test must run (CI)."""
    if REQUIRE_ALL:
        pytest.fail(f"required test could not run: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_sessionfinish(session, exitstatus):
    if not REQUIRE_ALL:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"TENANTDESK_REQUIRE_ALL=1 but {len(skipped)} test(s) were skipped", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Every test writes its uploads to its own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # User ids repeat between tests (rolled back): start every test with no sends counted.
    from django.core.cache import caches

    caches["ratelimit"].clear()


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
