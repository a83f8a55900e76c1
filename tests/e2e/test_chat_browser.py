"""The chat in Chromium: two people (a customer and a manager) in two browser contexts,
each on the request page /request/<id>, which carries the chat panel."""

import os
import re
import time
from pathlib import Path

import pytest

from tenantdesk.chat import services
from tenantdesk.chat.models import Message
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.chat.helpers import make_service_request, mp4_bytes, session_cookie, webm_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))


def report_latency(label: str, latencies: list[float]) -> None:
    """Prints the figures and keeps them in test-artifacts/chat-latency.txt."""
    ordered = sorted(latencies)
    line = (
        f"chat latency browser→browser ({label}, {len(ordered)} messages): "
        f"median {ordered[len(ordered) // 2]:.1f} ms, max {ordered[-1]:.1f} ms"
    )
    print(line)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTIFACTS / "chat-latency.txt").open("a") as out:
        out.write(line + "\n")
    assert ordered[len(ordered) // 2] < 1000, line


@pytest.fixture
def people(password):
    organisation = OrganisationFactory(name="Rosa Dental LLC")
    customer = CustomerFactory(organisation=organisation, username="rosa")
    manager = ManagerFactory(username="ivanova")
    service_request = make_service_request(customer, title="Leaking pipe in office 101")
    return customer, manager, service_request


def open_chat(
    new_context, base_url, user, password, service_request, locale, viewport=None, **options
):
    if viewport:
        options["viewport"] = viewport
    context = new_context(locale=locale, **options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    # A session made on the server side: these tests are about the chat, not the sign-in form.
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(user), "url": base_url, "httpOnly": True}]
    )
    page.goto(f"{base_url}/request/{service_request.pk}")
    page.wait_for_selector("[data-chat-connection][data-state=online]")
    return page


def status_button(status):
    # The manager's status buttons on the request page.
    return f"[data-status-action={status}]"


def type_and_send(page, text):
    page.fill("[data-chat-text]", text)
    page.click("[data-chat-send]")


def last_text(page):
    return page.locator(".chat-message .chat-text").last.inner_text()


def send_and_time(sender, receiver, text) -> float:
    """Milliseconds from the sender's click to the message showing on the receiver's page."""
    receiver.evaluate(
        """(text) => {
            window.__seenAt = null;
            const list = document.querySelector('[data-chat-messages]');
            new MutationObserver((_, observer) => {
                for (const node of list.querySelectorAll('.chat-text')) {
                    if (node.textContent === text) {
                        window.__seenAt = performance.timeOrigin + performance.now();
                        observer.disconnect();
                    }
                }
            }).observe(list, {childList: true, subtree: true});
        }""",
        text,
    )
    sender.fill("[data-chat-text]", text)
    sent_at = sender.evaluate(
        """() => {
            const at = performance.timeOrigin + performance.now();
            document.querySelector('[data-chat-send]').click();
            return at;
        }"""
    )
    receiver.wait_for_function("() => window.__seenAt !== null")
    return receiver.evaluate("window.__seenAt") - sent_at


@pytest.mark.parametrize("locale", ["en-GB", "ru-RU"])
def test_two_people_chat_live(
    asgi_server, new_context, screenshot, people, password, locale, request
):
    customer, manager, service_request = people
    lang = locale[:2]
    cust = open_chat(new_context, asgi_server.url, customer, password, service_request, locale)
    mgr = open_chat(new_context, asgi_server.url, manager, password, service_request, locale)

    # Blank text: the button stays disabled.
    assert cust.locator("[data-chat-send]").is_disabled()
    cust.fill("[data-chat-text]", "   \n  ")
    assert cust.locator("[data-chat-send]").is_disabled()

    # A message crosses live; the latency is measured in the browsers' own clocks.
    latencies = [
        send_and_time(cust, mgr, f"Water is still dripping ({lang} {i})") for i in range(5)
    ]
    report_latency(lang, latencies)
    mine = cust.locator(".chat-message.is-mine").last
    # The manager's page received it, so the customer's mark turns to delivered.
    mine.locator(".chat-status[data-status=delivered]").wait_for()

    send_and_time(mgr, cust, "A plumber will come at 15:00.")
    mgr.locator(".chat-message.is-mine .chat-status[data-status=delivered]").last.wait_for()
    assert (
        "Rosa Dental LLC" in mgr.locator(".chat-message.is-theirs .chat-author").first.inner_text()
    )

    # What a user types is shown as text and runs nothing.
    script = "<script>window.__pwned = 1</script>"
    img = '<img src=x onerror="window.__pwned = 2">'
    type_and_send(cust, script)
    mgr.locator(".chat-text", has_text="window.__pwned = 1").wait_for()
    type_and_send(cust, img)
    mgr.locator(".chat-text", has_text="onerror").wait_for()
    for page in (cust, mgr):
        texts = page.locator(".chat-text").all_inner_texts()
        assert script in texts and img in texts
        assert page.evaluate("window.__pwned") is None
        assert page.locator(".chat-messages img:not(.chat-photo)").count() == 0
    assert set(Message.objects.values_list("text", flat=True)) >= {script, img}

    # A manager's status change shows as a system message and a status badge on both sides.
    mgr.click(status_button("in_progress"))
    for page in (cust, mgr):
        page.locator(".chat-message.is-system").first.wait_for()
        page.wait_for_selector("[data-chat-status-badge][data-status=in_progress].text-bg-primary")
    system_text = cust.locator(".chat-message.is-system .chat-text").first.inner_text()
    assert system_text.startswith("Статус изменён" if lang == "ru" else "Status changed")
    assert manager.username in system_text

    screenshot(cust, f"chat-{lang}-customer")
    screenshot(mgr, f"chat-{lang}-manager")

    # Closing makes the chat read-only for the customer at once.
    mgr.wait_for_selector("[data-chat-connection][data-state=online]")
    mgr.click(status_button("closed"))
    cust.wait_for_selector("[data-chat-status-badge][data-status=closed]")
    assert cust.locator("[data-chat-composer]").is_hidden()
    assert cust.locator("[data-chat-notice]").is_visible()
    screenshot(cust, f"chat-{lang}-customer-closed")
    assert cust.errors == [] and mgr.errors == []


def test_photo_and_video_attachments(
    asgi_server, new_context, screenshot, people, password, tmp_path
):
    from tests.factories import image_bytes

    customer, manager, service_request = people
    cust = open_chat(new_context, asgi_server.url, customer, password, service_request, "en-GB")
    mgr = open_chat(new_context, asgi_server.url, manager, password, service_request, "en-GB")

    photo = tmp_path / "leak.jpg"
    photo.write_bytes(image_bytes(800, 600))
    video = tmp_path / "clip.mp4"
    video.write_bytes(mp4_bytes())
    webm = tmp_path / "clip.webm"
    webm.write_bytes(webm_bytes())
    cust.set_input_files("[data-chat-files]", [str(photo), str(video), str(webm)])
    assert cust.locator(".chat-preview").count() == 3
    assert not cust.locator("[data-chat-send]").is_disabled()
    cust.fill("[data-chat-text]", "Photo and video of the leak")
    screenshot(cust, "chat-attachments-preview")
    cust.evaluate(
        """() => {
            window.__progress = [];
            const bar = document.querySelector('[data-chat-progress] .progress-bar');
            new MutationObserver(() => window.__progress.push(bar.textContent))
                .observe(bar, {childList: true, characterData: true, subtree: true});
        }"""
    )
    cust.click("[data-chat-send]")

    for page in (cust, mgr):
        message = page.locator(".chat-message", has_text="Photo and video of the leak")
        message.locator("img.chat-photo").wait_for()
        assert message.locator("video.chat-video").count() == 2
        # The thumbnail really loaded through the access-checked view.
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.chat-photo')].every(i => i.naturalWidth > 0)"
        )
    assert cust.locator(".chat-preview").count() == 0
    # The upload reported its progress up to 100 %.
    assert "100%" in cust.evaluate("window.__progress")
    assert cust.locator("[data-chat-progress]").is_hidden()
    screenshot(mgr, "chat-attachments-manager")


def test_offline_messages_are_sent_once_when_back(asgi_server, new_context, people, password):
    customer, manager, service_request = people
    cust = open_chat(new_context, asgi_server.url, customer, password, service_request, "en-GB")
    mgr = open_chat(new_context, asgi_server.url, manager, password, service_request, "en-GB")
    cust.context.set_offline(True)
    # Chromium's offline mode does not cut open sockets: close ours as a dropped link would.
    cust.evaluate("document.querySelector('[data-chat]').chat.socket.ws.close()")
    cust.wait_for_selector("[data-chat-connection][data-state=offline]")
    type_and_send(cust, "Typed while offline")
    cust.locator(".chat-status[data-status=sending]").wait_for()
    time.sleep(1)
    assert not Message.objects.filter(text="Typed while offline").exists()
    cust.context.set_offline(False)
    mgr.locator(".chat-text", has_text="Typed while offline").wait_for(timeout=20_000)
    cust.locator(".chat-message.is-mine .chat-status[data-status=delivered]").wait_for()
    time.sleep(1)
    assert Message.objects.filter(text="Typed while offline").count() == 1
    assert mgr.locator(".chat-text", has_text="Typed while offline").count() == 1


def test_phone_width(asgi_server, new_context, screenshot, people, password):
    customer, manager, service_request = people
    cust = open_chat(
        new_context,
        asgi_server.url,
        customer,
        password,
        service_request,
        "ru-RU",
        viewport={"width": 390, "height": 844},
    )
    type_and_send(cust, "Проверка на телефоне: длинное сообщение, которое переносится по словам.")
    cust.locator(".chat-message.is-mine").wait_for()
    width = cust.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(cust, "chat-ru-customer-phone")


def test_load_earlier_pages_through_a_long_history(asgi_server, new_context, people, password):
    customer, manager, service_request = people
    # Stored directly: this process runs Playwright's event loop, where the service's
    # broadcast (async_to_sync) may not run; nobody is connected yet anyway.
    Message.objects.bulk_create(
        Message(service_request=service_request, author=customer, text=f"old {i}")
        for i in range(65)
    )
    mgr = open_chat(new_context, asgi_server.url, manager, password, service_request, "en-GB")
    assert mgr.locator(".chat-message").count() == 50
    assert mgr.locator(".chat-text").first.inner_text() == "old 15"
    mgr.click("[data-chat-load-earlier]")
    mgr.locator(".chat-text", has_text="old 0").wait_for()
    texts = mgr.locator(".chat-text").all_inner_texts()
    assert texts == [f"old {i}" for i in range(65)]
    assert mgr.locator("[data-chat-load-earlier]").is_hidden()
    # Every message the manager's page showed has been acknowledged as delivered.
    deadline = time.monotonic() + 5
    while Message.objects.filter(delivered_at__isnull=True).exists():
        assert time.monotonic() < deadline, "not every shown message was marked delivered"
        time.sleep(0.1)


def test_a_refused_message_comes_back_to_the_composer(asgi_server, new_context, people, password):
    customer, manager, service_request = people
    cust = open_chat(new_context, asgi_server.url, customer, password, service_request, "en-GB")
    # Past the limit only by bypassing the textarea's maxlength, as a script could.
    too_long = "x" * 4001
    cust.evaluate(
        """(text) => {
            const area = document.querySelector('[data-chat-text]');
            area.removeAttribute('maxlength');
            area.value = text;
            area.dispatchEvent(new Event('input'));
        }""",
        too_long,
    )
    assert cust.locator("[data-chat-send]").is_disabled()
    # The server refuses what the page would not send, and nothing is stored.
    cust.evaluate(
        "(text) => document.querySelector('[data-chat]').chat.sendText(text + ' y')",
        too_long,
    )
    cust.locator("[data-chat-form-error]").wait_for()
    assert "too long" in cust.locator("[data-chat-form-error]").inner_text()
    assert cust.locator(".chat-message").count() == 0
    assert not Message.objects.exists()


def test_signing_out_in_another_tab_disconnects_the_chat(
    asgi_server, new_context, people, password, screenshot
):
    customer, manager, service_request = people
    cust = open_chat(new_context, asgi_server.url, customer, password, service_request, "en-GB")
    other_tab = cust.context.new_page()
    other_tab.goto(f"{asgi_server.url}/")
    other_tab.locator("form[action='/accounts/logout'] button").click()
    cust.wait_for_selector("[data-chat-connection][data-state=stopped]")
    notice = cust.locator("[data-chat-notice]")
    assert notice.is_visible() and "signed out" in notice.inner_text()
    assert cust.locator("[data-chat-send]").is_disabled()


def test_message_times_are_in_the_sites_time_zone_not_the_browsers(
    asgi_server, new_context, people, password, settings
):
    from django.utils import timezone

    customer, _manager, service_request = people
    message = Message.objects.create(
        service_request=service_request, author=customer, text="What time is it?"
    )
    # The browser runs in another zone than the site's (Europe/Moscow by default).
    cust = open_chat(
        new_context,
        asgi_server.url,
        customer,
        password,
        service_request,
        "en-GB",
        timezone_id="America/New_York",
    )
    shown = cust.locator(".chat-message .chat-time").last.inner_text()
    # English shows a 12-hour clock: compare as 24-hour times.
    hours, minutes, suffix = re.fullmatch(r"(\d{1,2}):(\d{2})\s*([AP]M)?", shown).groups()
    hour = int(hours) % 12 + (12 if suffix == "PM" else 0) if suffix else int(hours)
    expected = timezone.localtime(message.created_at)
    assert (hour, int(minutes)) == (expected.hour, expected.minute), (shown, settings.TIME_ZONE)


def test_catch_up_after_reconnect_loses_nothing_when_live_messages_overtake_it(
    asgi_server, new_context, people, password
):
    """More missed messages than one sync page, and a live message shown before the first
    page arrives: every missed message must still appear (none lost, none twice)."""
    customer, manager, service_request = people
    mgr = open_chat(new_context, asgi_server.url, manager, password, service_request, "en-GB")
    cust = open_chat(new_context, asgi_server.url, customer, password, service_request, "en-GB")
    # The manager's page goes offline: no reconnection, no polling.
    mgr.evaluate(
        """() => { const chat = document.querySelector('[data-chat]').chat;
        chat.poll = async () => {}; chat.socket.stopped = true; chat.socket.ws.close(); }"""
    )
    missed = 120  # more than one page (50) of sync
    for i in range(missed):  # written while the manager is away
        services.message_send(
            author=customer, service_request=service_request, text=f"missed {i}", client_id=None
        )
    # Reconnect, but hold the first sync answer back until a live message has been shown.
    mgr.evaluate(
        """() => { const chat = document.querySelector('[data-chat]').chat;
        const original = chat.onFrame.bind(chat); window.__held = null; let syncs = 0;
        chat.socket.handlers.onFrame = (frame) => {
          if (frame.type === 'sync' && ++syncs === 1) { window.__held = frame; return; }
          original(frame); };
        window.__release = () => original(window.__held);
        chat.socket.stopped = false; chat.socket.connect(); }"""
    )
    mgr.wait_for_function("() => window.__held !== null")
    type_and_send(cust, "live during catch-up")
    mgr.locator(".chat-text", has_text="live during catch-up").wait_for()
    mgr.evaluate("window.__release()")
    mgr.locator(".chat-text", has_text=f"missed {missed - 1}").wait_for()
    texts = mgr.locator(".chat-message .chat-text").all_inner_texts()
    shown = [text for text in texts if text.startswith("missed ")]
    assert shown == [f"missed {i}" for i in range(missed)]


def test_text_the_server_cannot_store_is_dropped_with_the_reason_not_resent(
    asgi_server, new_context, people, password
):
    customer, manager, service_request = people
    context = new_context(locale="en-GB")
    sends = []

    def watch(ws):
        ws.on(
            "framesent",
            lambda payload: sends.append(payload) if "message.send" in str(payload) else None,
        )

    cust = context.new_page()
    cust.on("websocket", watch)
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
    cust.goto(f"{asgi_server.url}/request/{service_request.pk}")
    cust.wait_for_selector("[data-chat-connection][data-state=online]")
    cust.evaluate(
        """() => {
            const area = document.querySelector('[data-chat-text]');
            area.value = 'before\\u0000after';
            area.dispatchEvent(new Event('input'));
        }"""
    )
    cust.click("[data-chat-send]")
    cust.locator("[data-chat-form-error]").wait_for()
    assert "cannot be stored" in cust.locator("[data-chat-form-error]").inner_text()
    assert cust.locator(".chat-message").count() == 0
    # The browser saying it is online again makes the page send its whole outbox: the
    # refused message is no longer in it.
    cust.evaluate("() => window.dispatchEvent(new Event('online'))")
    cust.wait_for_timeout(1000)
    assert len(sends) == 1, sends
    assert not Message.objects.exists()
