"""Production logs: one JSON object per line on stderr, with the request id."""

import json

import pytest

from tests.unit.test_config import PRODUCTION_ENV, _run_production

# Run under config.settings.production's LOGGING (manage.py shell configures it).
EMIT = """
import logging
from tenantdesk.core.request_id import current_request_id
log = logging.getLogger("tenantdesk.somewhere")
log.warning("outside any request")
current_request_id.set("3f2a9c0d41e84b7f")
log.warning("a %s line", "formatted")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("it failed")
logging.getLogger("uvicorn.access").info(
    '%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "GET", "/readyz", "1.1", 200
)
logging.getLogger("uvicorn.error").info("Started server process [%d]", 42,
    extra={"color_message": "Started server process [\\x1b[36m%d\\x1b[0m]"})
"""


@pytest.fixture(scope="module")
def lines():
    result = _run_production(PRODUCTION_ENV, "shell", "-c", EMIT)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # fails on any line that is not JSON


def test_every_production_log_line_is_a_json_object_with_the_request_id(lines):
    outside, formatted, failed, access, started = lines
    for line in (outside, formatted, failed, access, started):
        assert {"time", "level", "logger", "message", "request_id"} <= set(line), line
    assert outside["request_id"] is None
    assert formatted == {
        "time": formatted["time"],
        "level": "WARNING",
        "logger": "tenantdesk.somewhere",
        "message": "a formatted line",
        "request_id": "3f2a9c0d41e84b7f",
    }
    assert formatted["time"].endswith("+00:00")  # ISO 8601, UTC
    assert failed["level"] == "ERROR"
    assert "ZeroDivisionError: division by zero" in failed["exception"]
    assert "Traceback" in failed["exception"]


def test_uvicorn_lines_use_the_same_format(lines):
    *_, access, started = lines
    assert access["logger"] == "uvicorn.access"
    assert access["message"] == '127.0.0.1:50000 - "GET /readyz HTTP/1.1" 200'
    assert access["request_id"] == "3f2a9c0d41e84b7f"
    assert started["message"] == "Started server process [42]"
    assert "color_message" not in started  # uvicorn's copy with terminal colours
