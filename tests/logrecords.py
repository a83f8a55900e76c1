"""Log records captured with the request id the site's handlers add (config/settings):
the `records` fixture, shared by the HTTP and socket request-id tests."""

import logging

import pytest

from tenantdesk.core.request_id import RequestIdFilter


class Records(logging.Handler):
    """A log handler with the filter the site's handlers have (config/settings)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def ids_of(self, predicate) -> list:
        return [record.request_id for record in self.records if predicate(record)]


@pytest.fixture
def records():
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
