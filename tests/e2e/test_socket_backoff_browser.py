"""A chat page told "try again later" (1013: the database or Redis is away) backs off
for real: its next attempts wait seconds, growing, and focusing the tab does not hurry
them; when the server takes it again the page is online (chat/js/socket.js)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.test_chat_browser import open_switched_chat, people  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


class TryAgainLater:
    """Stands between the page and the chat socket: while `on`, every connection is taken
    and closed at once with 1013, as the server does during a database outage."""

    def __init__(self, context):
        self.on = False
        self.attempts: list[float] = []
        context.route_web_socket("**/ws/request/**", self._route)

    def _route(self, ws):
        if self.on:
            self.attempts.append(time.monotonic())
            ws.close(code=1013, reason="try again later")
            return
        server = ws.connect_to_server()
        server.on_message(ws.send)


def test_a_chat_closed_with_1013_backs_off_and_comes_back(asgi_server, new_context, people):  # noqa: F811
    customer, _manager, service_request = people
    page, _switch = open_switched_chat(new_context, asgi_server.url, customer, service_request)
    # A route of its own, added last: Playwright asks the newest route first.
    server = TryAgainLater(page.context)
    server.on = True
    page.evaluate("() => document.querySelector('[data-chat]').chat.socket.ws.close()")
    page.wait_for_selector("[data-chat-connection][data-state=offline]")

    def wait_for_attempts(count: int, timeout_ms: int) -> None:
        deadline = time.monotonic() + timeout_ms / 1000
        while len(server.attempts) < count:
            assert time.monotonic() < deadline, server.attempts
            page.wait_for_timeout(50)  # not time.sleep: the route must keep answering

    wait_for_attempts(1, 5_000)
    # The tab gets focus right after the refusal: while told to wait, that hurries nothing.
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")
    wait_for_attempts(3, 20_000)
    first_pause = server.attempts[1] - server.attempts[0]
    second_pause = server.attempts[2] - server.attempts[1]
    # 2 s doubling with jitter (half to all of it): 2–4 s, then 4–8 s. Before, each
    # accept-then-close counted as a success and the page came back every 0.25–0.5 s.
    assert first_pause >= 1.9, server.attempts
    assert second_pause >= 3.9, server.attempts

    server.on = False
    page.wait_for_selector("[data-chat-connection][data-state=online]", timeout=20_000)
