"""harness/nginx.py's error-log check for `make scale-test`: an [error] line passes only when
it is of a known kind, inside the window a test opened for it and, when it names a worker,
for the worker that test stopped. The lines are nginx 1.22's own, from a scale-test run."""

import pytest

from harness.nginx import ErrorLog, error_kind

KILLED, OTHER = 35937, 47537
RESET = (
    "2026/12/07 00:07:15 [error] 10419#10419: *452 recv() failed (104: Connection reset by "
    "peer) while proxying upgraded connection, client: 127.0.0.1, server: desk.example.com, "
    'request: "GET /ws/request/112/?lang=en HTTP/1.1", upstream: '
    '"http://127.0.0.1:{port}/ws/request/112/?lang=en", host: "127.0.0.1:51129"'
)
REFUSED = (
    "2026/12/07 00:07:17 [error] 10419#10419: *456 connect() failed (111: Connection refused) "
    "while connecting to upstream, client: 127.0.0.1, server: desk.example.com, request: "
    '"GET /ws/request/112/?lang=en HTTP/1.1", upstream: '
    '"http://127.0.0.1:{port}/ws/request/112/?lang=en", host: "127.0.0.1:51129"'
)
TOO_LARGE = (
    "2026/12/07 00:04:30 [error] 10156#10156: *11 client intended to send too large body: "
    '3145728 bytes, client: 127.0.0.1, server: desk.example.com, request: "POST '
    '/accounts/login HTTP/1.1", host: "127.0.0.1:40295"'
)
# Not a kind the scale test expects: a worker answering with nothing at all.
PREMATURE = (
    "2026/12/07 00:07:16 [error] 10419#10419: *470 upstream prematurely closed connection "
    "while reading response header from upstream, client: 127.0.0.1, server: "
    'desk.example.com, request: "GET /request/list HTTP/1.1", upstream: '
    '"http://127.0.0.1:35937/request/list", host: "127.0.0.1:51129"'
)
WARN = "2026/12/07 00:07:18 [warn] 10419#10419: *480 an upstream response is buffered"


@pytest.fixture
def log(tmp_path):
    return ErrorLog(tmp_path / "error.log")


def write(log: ErrorLog, *lines: str) -> None:
    with log.path.open("a") as file:
        file.write("".join(line + "\n" for line in lines))


def test_the_kinds_of_the_lines_seen():
    assert error_kind(RESET.format(port=KILLED)) == "upgraded socket reset"
    assert error_kind(REFUSED.format(port=KILLED)) == "upstream refused"
    assert error_kind(TOO_LARGE) == "body too large"
    assert error_kind(PREMATURE) is None


def test_lines_in_their_window_for_the_stopped_worker_are_explained(log):
    write(log, WARN)  # before anything: a [warn] is counted, not asserted
    window = log.expect("upgraded socket reset", "upstream refused", upstream_port=KILLED)
    write(log, RESET.format(port=KILLED), REFUSED.format(port=KILLED))
    window.close()
    assert log.unexplained() == []
    assert window.seen == {"upgraded socket reset": 1, "upstream refused": 1}
    assert log.kinds() == {"upgraded socket reset": 1, "upstream refused": 1}


def test_the_same_line_outside_any_window_is_not(log):
    with log.expect("upstream refused", upstream_port=KILLED):
        pass
    write(log, REFUSED.format(port=KILLED))
    assert log.unexplained() == [REFUSED.format(port=KILLED)]


def test_a_line_naming_another_worker_than_the_stopped_one_is_not(log):
    with log.expect("upstream refused", upstream_port=KILLED):
        write(log, REFUSED.format(port=OTHER))
    assert log.unexplained() == [REFUSED.format(port=OTHER)]


def test_a_kind_the_window_does_not_name_is_not(log):
    # A graceful stop expects refusals only: a reset then is news.
    with log.expect("upstream refused", upstream_port=KILLED):
        write(log, RESET.format(port=KILLED))
    assert log.unexplained() == [RESET.format(port=KILLED)]


def test_a_new_kind_of_error_is_never_explained(log):
    with log.expect("upgraded socket reset", "upstream refused", upstream_port=KILLED):
        write(log, PREMATURE)
    assert log.unexplained() == [PREMATURE]
    assert log.kinds() == {"unknown": 1}


def test_unexplained_since_an_offset(log):
    write(log, TOO_LARGE)
    since = log.size()
    with log.expect("body too large"):
        write(log, TOO_LARGE)
    assert log.unexplained(since) == []
    assert log.unexplained() == [TOO_LARGE]


def test_a_window_that_names_a_worker_kind_must_name_the_worker(log):
    with pytest.raises(ValueError, match="upstream_port"):
        log.expect("upstream refused")
    with pytest.raises(ValueError, match="unknown error kinds"):
        log.expect("connection timed out")
