"""A chat page told "try again later" (1013: the database or Redis is away) backs off
for real: its next attempts wait seconds, growing, and focusing the tab does not hurry
them; when the server takes it again the page is online (chat/js/socket.js).

The page runs on Playwright's fake clock: the seconds of back-off are skipped, not waited
for (they took 21 s of a CI run), and each attempt is timed by the page's own clock when
the page tries to connect, so the pauses measured are exactly the ones the page chose.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_chat_browser import (  # noqa: F401  (people: a fixture)
    RECORD_ATTEMPTS,
    people,
    skip_ahead,
)
from tests.unit.chat.helpers import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


class TryAgainLater:
    """Stands between the page and the chat socket: while `on`, every connection is taken
    and closed at once with 1013, as the server does during a database outage."""

    def __init__(self, context):
        self.on = False
        context.route_web_socket("**/ws/request/**", self._route)

    def _route(self, ws):
        if self.on:
            ws.close(code=1013, reason="try again later")
            return
        server = ws.connect_to_server()
        server.on_message(ws.send)


def test_a_chat_closed_with_1013_backs_off_and_comes_back(asgi_server, new_context, people):  # noqa: F811
    customer, _manager, service_request = people
    context = new_context(locale="en-GB")
    context.clock.install()  # runs on by itself; run_for skips ahead
    server = TryAgainLater(context)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": session_cookie(customer),
                "url": asgi_server.url,
                "httpOnly": True,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{asgi_server.url}/request/{service_request.pk}")
    page.wait_for_selector("[data-chat-connection][data-state=online]")

    page.evaluate(RECORD_ATTEMPTS)
    server.on = True
    page.evaluate("() => document.querySelector('[data-chat]').chat.socket.ws.close()")
    page.wait_for_selector("[data-chat-connection][data-state=offline]")

    def attempts_after_skipping(count: int, at_most_ms: int) -> list[int]:
        """The times of the attempts since the refusals began, once there are `count`,
        skipping the page's clock ahead a quarter of a second at a time."""
        enough = f"() => window.__chatSocketAttempts.length >= {count}"
        opened = skip_ahead(page, at_most_ms, until=enough)
        attempts = page.evaluate("() => window.__chatSocketAttempts")
        assert opened, f"fewer than {count} attempts in {at_most_ms} ms: {attempts}"
        return attempts

    attempts_after_skipping(1, 5_000)
    # The tab gets focus right after the refusal: while told to wait, that hurries nothing.
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")
    attempts = attempts_after_skipping(3, 20_000)
    first_pause = attempts[1] - attempts[0]
    second_pause = attempts[2] - attempts[1]
    # 2 s doubling with jitter (half to all of it): 2–4 s, then 4–8 s. Before, each
    # accept-then-close counted as a success and the page came back every 0.25–0.5 s.
    assert first_pause >= 1_900, attempts
    assert second_pause >= 3_900, attempts

    server.on = False
    page.clock.run_for(16_000)  # longer than the next pause can be (8–16 s)
    page.wait_for_selector("[data-chat-connection][data-state=online]", timeout=10_000)
