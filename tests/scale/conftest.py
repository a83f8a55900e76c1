"""`make scale-test`: the production site on 127.0.0.1 (harness.site), driven through nginx.

Two sites, each started once for the session and stopped (by PID) however it ends:
- `site`: the machine's PostgreSQL and Redis (a database and key prefix of its own) and a
  moto S3 bucket: live chat, photo, soak, worker faults, lock-out;
- `fault_site`: a private PostgreSQL cluster and a private redis-server, which the Redis and
  PostgreSQL restart scenarios stop and start.
The files run in name order; what they measure goes to the `figures` table, printed at the
end and written to test-artifacts/scale-test.txt (and .json).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness import stack as shape
from harness.pgcluster import PrivatePostgres
from harness.site import running_site
from harness.stack import PrivateRedis

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
_rows: list[tuple[str, str, object]] = []


def pytest_configure(config):
    try:
        shape.postgres_url()
        shape.redis_url()
    except shape.Unavailable as error:
        raise pytest.UsageError(
            f"scale-test needs PostgreSQL and Redis: {error}\n"
            "e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/td_scale "
            "REDIS_URL=redis://127.0.0.1:6379/3 make scale-test"
        ) from None


class Figures:
    """Rows of the final table: (scenario, what, value)."""

    def add(self, scenario: str, what: str, value) -> None:
        _rows.append((scenario, what, value))


@pytest.fixture(scope="session")
def figures() -> Figures:
    return Figures()


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def table() -> str:
    width_a = max([len("scenario")] + [len(a) for a, _b, _c in _rows])
    width_b = max([len("figure")] + [len(b) for _a, b, _c in _rows])
    lines = [f"{'scenario':<{width_a}}  {'figure':<{width_b}}  value"]
    lines.append("-" * (width_a + width_b + 20))
    lines += [f"{a:<{width_a}}  {b:<{width_b}}  {_format(c)}" for a, b, c in _rows]
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter):
    if not _rows:
        return
    text = table()
    terminalreporter.write_sep("=", "scale-test figures")
    terminalreporter.write_line(text)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "scale-test.txt").write_text(text + "\n")
    (ARTIFACTS / "scale-test.json").write_text(
        json.dumps([{"scenario": a, "figure": b, "value": c} for a, b, c in _rows], indent=1)
    )
    terminalreporter.write_line(f"(written to {ARTIFACTS / 'scale-test.txt'})")


# A size that fits the scale test's minutes: a tenth of SPEC's year, seeded in ~10 s.
VOLUME = """
from tenantdesk.chat.volume.seeder import Sizes, VolumeSeeder
sizes = Sizes(organisations=100, people=600, managers=20, requests=6000, messages=200000,
              longest_chat=3000, days=120)
made = VolumeSeeder(sizes, seed=1, prefix="vol", password="scale-password-1").run().counts
# The scenarios count every e-mail the site sends: the year's people get none.
from tenantdesk.accounts.models import User
User.objects.filter(username__startswith="vol-").update(email="")
print(json.dumps(f"{made['requests']} / {made['messages']}"))
"""


def _site_figures(figures: Figures, name: str, site) -> None:
    data = site.figures()
    for worker in data["workers"]:
        figures.add(name, f"worker :{worker['port']} RSS MiB", round(worker["rss_mib"], 1))
        figures.add(name, f"worker :{worker['port']} CPU s", worker["cpu_s"])
    figures.add(name, "nginx RSS MiB (master+worker)", round(data["nginx_rss_mib"], 1))
    figures.add(name, "nginx CPU s", data["nginx_cpu_s"])
    figures.add(name, "nginx requests logged", data["nginx_requests"])
    figures.add(name, "nginx 5xx answers", data["nginx_5xx"])
    figures.add(name, "nginx error.log lines", data["nginx_error_lines"])
    for level, count in data["nginx_error_lines_by_level"].items():
        if count:
            figures.add(name, f"  of which [{level}]", count)
    for kind, count in sorted(site.nginx.errors.kinds().items()):
        figures.add(name, f"  [error] {kind}", count)


def _nginx_errors_explained(nginx, since: int = 0) -> None:
    """Every [error] line of this nginx from `since` on is of a known kind, inside the
    window a test opened for it, about the worker that test stopped (harness.nginx)."""
    wrong = nginx.errors.unexplained(since)
    assert not wrong, (
        f"nginx logged {len(wrong)} [error] line(s) of an unknown kind or outside a fault "
        "window (harness/nginx.py ERROR_KINDS, tests/scale/README.md):\n" + "\n".join(wrong[:20])
    )


# The fixtures that hold an nginx: a Site (.nginx) or an Nginx itself (test_01's).
NGINX_FIXTURES = ("site", "fault_site", "proxied")


@pytest.fixture(autouse=True)
def nginx_errors_explained(request):
    """After each test, the [error] lines its nginx logged meanwhile are all explained; a
    new kind of error fails the test that caused it."""
    servers = [
        getattr(value, "nginx", value)
        for value in (
            request.getfixturevalue(name) for name in NGINX_FIXTURES if name in request.fixturenames
        )
    ]
    since = [nginx.errors.size() for nginx in servers]
    yield
    for nginx, start in zip(servers, since, strict=True):
        _nginx_errors_explained(nginx, start)


@pytest.fixture(scope="session")
def site(tmp_path_factory, figures):
    with running_site(tmp_path_factory.mktemp("site")) as started:
        # The site runs on months of a company's data, not an empty database (SPEC "Data
        # volume"; the full year is `make bench`'s): every scenario's rooms sit beside it.
        made = started.stack.python(VOLUME, timeout=600)
        figures.add("site (start)", "seed_volume: requests / messages", made)
        yield started
        _site_figures(figures, "site (end)", started)
        _nginx_errors_explained(started.nginx)  # the whole run, after the last test too


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory):
    redis = PrivateRedis(tmp_path_factory.mktemp("redis"))
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture(scope="session")
def private_postgres():
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="session")
def fault_site(tmp_path_factory, figures, private_redis, private_postgres):
    with running_site(
        tmp_path_factory.mktemp("fault-site"),
        redis=private_redis.url,
        database_server=private_postgres.url,
    ) as started:
        yield started
        _site_figures(figures, "fault site (end)", started)
        _nginx_errors_explained(started.nginx)


def seed(site, count: int, tag: str) -> dict:
    return site.stack.python(
        f"from tests.scale.seed import rooms\nprint(json.dumps(rooms({count}, {tag!r})))"
    )


def stored(site, request_ids: list[int]) -> dict:
    return site.stack.python(
        f"from tests.scale.seed import stored\nprint(json.dumps(stored({request_ids!r})))"
    )
