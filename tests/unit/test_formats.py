"""One date style per language, 24-hour, in the site's time zone, for pages and the chat."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from tenantdesk.chat.serializers import message_for_language

# 05:36 UTC is 08:36 in Moscow (the default TIME_ZONE); 13:05 UTC is 16:05.
MORNING = datetime(2026, 11, 27, 5, 36, tzinfo=UTC)
AFTERNOON = datetime(2026, 11, 27, 13, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "language, short, long",
    [
        ("en", "27 Nov 2026, 16:05", "27 November 2026"),
        ("ru", "27.11.2026, 16:05", "27 ноября 2026"),
    ],
)
def test_pages_write_dates_one_way_per_language_in_24_hours(language, short, long):
    template = Template('{{ when|date:"SHORT_DATETIME_FORMAT" }}|{{ when|date:"DATE_FORMAT" }}')
    with translation.override(language):
        rendered = template.render(Context({"when": AFTERNOON}))
    assert rendered == f"{short}|{long}"
    assert "p.m." not in rendered and "PM" not in rendered


@pytest.mark.parametrize("language, day", [("en", "27 November 2026"), ("ru", "27 ноября 2026")])
def test_chat_messages_carry_their_time_and_day_in_the_same_formats(language, day):
    data = {
        "author_id": 1,
        "kind": "user",
        "by_manager": True,
        "author_name": "Anna Ivanova",
        "organisation": None,
        "text": "hi",
        "created_at": MORNING.isoformat(),
    }
    with translation.override(language):
        payload = message_for_language(data)
    assert payload["time_label"] == "08:36"
    assert payload["day"] == "2026-11-27"
    assert payload["day_label"] == day
