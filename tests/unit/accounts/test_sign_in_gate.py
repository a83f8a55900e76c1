"""The sign-in gate itself (accounts/gate.py): its atomic count, taken before any password
check, under threads racing on the test database (SQLite here, PostgreSQL in CI's
service-backed stage), and its counting rule."""

import sqlite3
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.db.models import F
from django.utils import timezone

from tenantdesk.accounts.gate import (
    sign_in_gate_record_failure,
    sign_in_gate_release,
    sign_in_gate_reserve,
)
from tenantdesk.accounts.models import SignInGate
from tenantdesk.accounts.selectors import lockout_failures, lockout_seconds_left

IP = "192.0.2.7"
LIMIT = 4


@pytest.fixture(autouse=True)
def _limit(settings):
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(seconds=60)


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """The test database, reachable from many threads at once as workers reach theirs.

    PostgreSQL already is. The unit tests' in-memory SQLite is not: its shared cache
    answers a second writer "database table is locked" at once instead of waiting. So on
    SQLite the test runs on a copy in a file, as `make run` and every SQLite deployment
    do (WAL, a busy timeout, IMMEDIATE write transactions: config/settings/base.py).
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    path = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)  # the migrated schema
    copy.close()
    saved_settings = connections.settings["default"]
    connections.settings["default"] = {**saved_settings, "NAME": str(path)}
    main = connections["default"]
    connections["default"] = connections.create_connection("default")
    # Held open throughout, as a running server's connections are: when the last
    # connection to a WAL database closes it checkpoints and removes the WAL, and a thread
    # opening the file at that moment is told "database is locked" without waiting.
    connections["default"].ensure_connection()
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = main
        connections.settings["default"] = saved_settings


def in_parallel(function, arguments):
    """Runs function(argument) for each argument in its own thread, all released at once;
    returns the results in order. Each thread has its own database connection."""
    results = [None] * len(arguments)
    errors = []
    start = threading.Barrier(len(arguments))

    def run(index, argument):
        try:
            start.wait()
            results[index] = function(argument)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def gate() -> SignInGate:
    return SignInGate.objects.get(ip_address=IP)


def move_back(seconds: float) -> None:
    delta = timedelta(seconds=seconds)
    SignInGate.objects.update(
        window_started_at=F("window_started_at") - delta,
        blocked_until=F("blocked_until") - delta,
        expires_at=F("expires_at") - delta,
    )


# --- Races (real transactions, one connection per thread) ---------------------------------


@pytest.mark.usefixtures("shared_database")
def test_twenty_parallel_attempts_get_at_most_the_limit_of_slots():
    reservations = in_parallel(lambda ip: sign_in_gate_reserve(ip_address=ip), [IP] * 20)
    admitted = [r for r in reservations if r is not None]
    assert len(admitted) == LIMIT
    assert len({r.window_started_at for r in admitted}) == 1
    row = gate()
    assert (row.attempts, row.failures, row.blocked_until) == (LIMIT, 0, None)
    assert SignInGate.objects.count() == 1  # one row, however many created it at once
    # Every slot is held by a check still running: the next attempt is refused too.
    assert sign_in_gate_reserve(ip_address=IP) is None


@pytest.mark.usefixtures("shared_database")
def test_parallel_failures_start_the_block_exactly_once():
    reservations = [sign_in_gate_reserve(ip_address=IP) for _ in range(LIMIT)]
    counts = in_parallel(lambda r: sign_in_gate_record_failure(reservation=r), reservations)
    assert sorted(counts) == [1, 2, 3, 4]  # exactly one failure saw the limit
    row = gate()
    assert (row.attempts, row.failures) == (LIMIT, LIMIT)
    assert row.blocked_until == row.expires_at
    assert 59 <= lockout_seconds_left(ip_address=IP) <= 60


@pytest.mark.usefixtures("shared_database")
def test_a_success_racing_failures_gives_back_only_its_own_slot():
    reservations = [sign_in_gate_reserve(ip_address=IP) for _ in range(LIMIT)]
    success, failures = reservations[0], reservations[1:]

    def settle(item):
        kind, reservation = item
        if kind == "success":
            return sign_in_gate_release(reservation=reservation)
        return sign_in_gate_record_failure(reservation=reservation)

    in_parallel(settle, [("success", success)] + [("failure", r) for r in failures])
    row = gate()
    assert (row.attempts, row.failures, row.blocked_until) == (LIMIT - 1, LIMIT - 1, None)
    # One more slot is free, and its failure starts the block.
    last = sign_in_gate_reserve(ip_address=IP)
    assert last is not None
    assert sign_in_gate_record_failure(reservation=last) == LIMIT
    assert sign_in_gate_reserve(ip_address=IP) is None


@pytest.mark.usefixtures("shared_database")
def test_parallel_attempts_from_different_addresses_do_not_share_a_count():
    addresses = [f"198.51.100.{n % 5}" for n in range(20)]
    reservations = in_parallel(lambda ip: sign_in_gate_reserve(ip_address=ip), addresses)
    assert all(r is not None for r in reservations)
    assert sorted(SignInGate.objects.values_list("attempts", flat=True)) == [4] * 5


# --- The counting rule ----------------------------------------------------------------------


@pytest.mark.django_db
def test_knocking_while_blocked_changes_nothing():
    for _ in range(LIMIT):
        sign_in_gate_record_failure(reservation=sign_in_gate_reserve(ip_address=IP))
    before = gate()
    move_back(25)
    assert sign_in_gate_reserve(ip_address=IP) is None
    after = gate()
    assert after.expires_at == before.expires_at - timedelta(seconds=25)
    assert (after.attempts, after.failures) == (LIMIT, LIMIT)
    assert 34 <= lockout_seconds_left(ip_address=IP) <= 35


@pytest.mark.django_db
def test_the_block_ends_with_the_cool_off_and_a_new_window_starts_from_zero():
    for _ in range(LIMIT):
        sign_in_gate_record_failure(reservation=sign_in_gate_reserve(ip_address=IP))
    move_back(61)
    assert lockout_seconds_left(ip_address=IP) == 0
    assert lockout_failures(ip_address=IP) == 0
    reservation = sign_in_gate_reserve(ip_address=IP)
    assert reservation is not None
    row = gate()
    assert (row.attempts, row.failures, row.blocked_until) == (1, 0, None)
    assert row.window_started_at == reservation.window_started_at


@pytest.mark.django_db
def test_failures_spread_over_the_window_add_up():
    # Each failure keeps the window open for another cool-off, as axes' records did.
    for _ in range(LIMIT - 1):
        sign_in_gate_record_failure(reservation=sign_in_gate_reserve(ip_address=IP))
        move_back(50)
    last = sign_in_gate_reserve(ip_address=IP)
    assert sign_in_gate_record_failure(reservation=last) == LIMIT
    assert sign_in_gate_reserve(ip_address=IP) is None


@pytest.mark.django_db
def test_a_success_never_frees_a_failed_slot():
    reservation = sign_in_gate_reserve(ip_address=IP)
    sign_in_gate_record_failure(reservation=reservation)
    sign_in_gate_release(reservation=reservation)  # a confused caller: settled twice
    row = gate()
    assert (row.attempts, row.failures) == (1, 1)


@pytest.mark.django_db
def test_a_check_from_an_ended_window_counts_in_no_window():
    old = sign_in_gate_reserve(ip_address=IP)
    move_back(61)
    new = sign_in_gate_reserve(ip_address=IP)
    assert new.window_started_at != old.window_started_at
    assert sign_in_gate_record_failure(reservation=old) == 0
    sign_in_gate_release(reservation=old)
    row = gate()
    assert (row.attempts, row.failures) == (1, 0)


@pytest.mark.django_db
def test_a_new_window_deletes_rows_that_expired():
    now = timezone.now()
    for n, age in enumerate((3600, 120, 1)):
        SignInGate.objects.create(
            ip_address=f"203.0.113.{n}",
            window_started_at=now - timedelta(seconds=age + 60),
            expires_at=now - timedelta(seconds=age),
            attempts=1,
        )
    SignInGate.objects.create(
        ip_address="203.0.113.9", window_started_at=now, expires_at=now + timedelta(seconds=30)
    )
    sign_in_gate_reserve(ip_address=IP)
    assert set(SignInGate.objects.values_list("ip_address", flat=True)) == {IP, "203.0.113.9"}


@pytest.mark.django_db
def test_a_reservation_is_two_short_statements_when_the_window_is_open(
    django_assert_max_num_queries,
):
    sign_in_gate_reserve(ip_address=IP)
    # SELECT … FOR UPDATE and UPDATE (plus the savepoint pair of the nested atomic block).
    with django_assert_max_num_queries(4):
        sign_in_gate_reserve(ip_address=IP)


@pytest.mark.django_db
def test_unknown_addresses_share_one_count():
    for _ in range(LIMIT):
        assert sign_in_gate_reserve(ip_address=None) is not None
    assert sign_in_gate_reserve(ip_address=None) is None
    assert SignInGate.objects.get().ip_address == ""
