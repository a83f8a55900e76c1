"""The chat panel's look and layout in Chromium (issue 23): the composer on a phone (Send in
sight, also with the keyboard open), messages grouped by author and day the same way by the
server and the script, the photo picker, the page without JavaScript."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tenantdesk.chat.models import Message
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.receipts import messages_mark_delivered
from tenantdesk.chat.services.send import message_send
from tenantdesk.service_requests.services.status import service_request_start
from tests.e2e import test_chat_browser
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_chat_browser import open_chat
from tests.e2e.test_shell_browser import axe_in_both_themes
from tests.unit.chat.helpers import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

people = test_chat_browser.people  # the fixture: a customer, a manager, their request

PHONE = {"width": 390, "height": 844}
KEYBOARD_PX = 336  # a phone keyboard with its suggestion bar

# A visual viewport the test controls: Playwright has no on-screen keyboard, and a real one
# shrinks window.visualViewport, not the layout viewport (nor 100dvh).
FAKE_KEYBOARD = """(() => {
  const viewport = new EventTarget();
  let keyboard = 0;
  for (const [name, get] of Object.entries({
    height: () => window.innerHeight - keyboard, width: () => window.innerWidth,
    offsetTop: () => 0, offsetLeft: () => 0, pageTop: () => window.scrollY,
    pageLeft: () => window.scrollX, scale: () => 1,
  })) Object.defineProperty(viewport, name, { get });
  Object.defineProperty(window, "visualViewport", { get: () => viewport });
  window.__keyboard = (px) => { keyboard = px; viewport.dispatchEvent(new Event("resize")); };
})();"""

# Until the request page is full height itself (the app shell's td-main--full), the panel
# is given the screen as that page will give it: its parent's height is all it needs.
FULL_HEIGHT_PARENT = """() => {
  if (document.querySelector("main.td-main--full")) return false;
  const holder = document.createElement("div");
  Object.assign(holder.style, { position: "fixed", inset: "0", height: "100dvh", zIndex: "1000",
    background: "var(--td-bg)", display: "flex", flexDirection: "column" });
  document.body.append(holder);
  holder.append(document.querySelector("[data-chat]"));
  return true;
}"""


def send_box(page) -> dict:
    return page.locator("[data-chat-send]").bounding_box()


def long_conversation(customer, manager, service_request, count=40):
    for number in range(count):
        message_send(
            author=customer if number % 3 else manager,
            service_request=service_request,
            text=f"Message number {number}: the water is still dripping under the sink.",
        )


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("role", ["customer", "manager"])
def test_send_stays_in_sight_on_a_phone_also_with_the_keyboard_open(
    asgi_server,
    new_context,
    screenshot,
    people,
    password,
    role,
    lang,
):
    customer, manager, service_request = people
    long_conversation(customer, manager, service_request)
    user = customer if role == "customer" else manager
    locale = "en-GB" if lang == "en" else "ru-RU"
    context = new_context(locale=locale, viewport=PHONE)
    context.add_init_script(FAKE_KEYBOARD)
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(user), "url": asgi_server.url}]
    )
    page = context.new_page()
    page.goto(f"{asgi_server.url}/request/{service_request.pk}")
    page.wait_for_selector("[data-chat-connection][data-state=online]")
    on_the_page = send_box(page)["y"] + page.evaluate("window.scrollY")
    print(f"{role} {lang}: Send at y={on_the_page:.0f} px on the request page as it is")

    page.evaluate(FULL_HEIGHT_PARENT)
    send = send_box(page)
    assert send["y"] >= 0 and send["y"] + send["height"] <= PHONE["height"], send
    # The log scrolls, not the page; the newest message is in sight.
    log = page.evaluate(
        """() => { const log = document.querySelector('[data-chat-log]');
        return [log.scrollHeight > log.clientHeight,
                log.scrollHeight - log.scrollTop - log.clientHeight]; }"""
    )
    assert log[0] and log[1] < 40, log
    screenshot(page, f"chat-panel-{role}-{lang}-phone")

    page.focus("[data-chat-text]")
    page.evaluate(f"window.__keyboard({KEYBOARD_PX})")
    page.wait_for_selector("[data-chat].is-fitted")
    send = send_box(page)
    above_keyboard = PHONE["height"] - KEYBOARD_PX
    assert send["y"] + send["height"] <= above_keyboard, send
    assert page.evaluate("document.activeElement.id") == "chat-text"
    page.evaluate("window.__keyboard(0)")
    page.wait_for_selector("[data-chat]:not(.is-fitted)")


def test_the_message_box_grows_to_six_lines_then_scrolls(
    asgi_server,
    new_context,
    people,
    password,
):
    customer, _manager, service_request = people
    page = open_chat(
        new_context, asgi_server.url, customer, password, service_request, "en-GB", viewport=PHONE
    )
    box = page.locator("[data-chat-text]")
    one = box.bounding_box()["height"]
    box.fill("one\ntwo\nthree")
    three = box.bounding_box()["height"]
    box.fill("\n".join(str(n) for n in range(20)))
    many = box.bounding_box()["height"]
    box.fill("back to one")
    again = box.bounding_box()["height"]
    assert one < 48 and three > one * 1.8, (one, three)
    assert many < one * 5.5 and many > three, (one, many)  # six lines at most
    assert box.evaluate("(el) => el.scrollHeight > el.clientHeight") is False or many > three
    assert abs(again - one) < 2, (one, again)
    # Shift+Enter is a new line, Enter sends.
    box.fill("first line")
    box.press("Shift+Enter")
    box.type("second line")
    assert box.input_value() == "first line\nsecond line"
    box.press("Enter")
    page.locator(".chat-message.is-mine .chat-text", has_text="second line").wait_for()
    assert box.input_value() == ""


def _at(message, moment):
    Message.objects.filter(pk=message.pk).update(created_at=moment)


@pytest.fixture
def grouped_conversation(people):
    """Three days of a conversation: runs of one author within minutes, a long pause, a
    system message, an internal note between a manager's replies."""
    customer, manager, service_request = people
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    plan = [
        (customer, "Water under the sink", -3, 0, {}),
        (customer, "It is getting worse", -3, 1, {}),
        (manager, "We will look at it", -3, 2, {}),
        (manager, "A plumber is booked", -1, 0, {}),
        (manager, "He will call first", -1, 10, {}),  # ten minutes later: a new header
        (customer, "Thank you", 0, 0, {}),
        (customer, "The door code is 1234", 0, 0.5, {}),
        (manager, "Landlord pays for this one", 0, 1, {"internal": True}),
        (manager, "The plumber is on his way", 0, 2, {}),
        (manager, "About 20 minutes", 0, 3, {}),
    ]
    stored = []
    for author, text, days, minutes, extra in plan:
        message = message_send(author=author, service_request=service_request, text=text, **extra)
        _at(message, now + dt.timedelta(days=days, minutes=minutes))
        stored.append(message)
        if text == "He will call first":
            service_request_start(actor=manager, service_request=service_request)
            system = Message.objects.filter(
                service_request=service_request, kind=Message.Kind.SYSTEM
            ).latest("id")
            _at(system, now + dt.timedelta(days=-1, minutes=11))
    ids = [m.pk for m in stored]
    messages_mark_delivered(reader=manager, service_request=service_request, message_ids=ids)
    messages_mark_delivered(reader=customer, service_request=service_request, message_ids=ids)
    last = Message.objects.filter(service_request=service_request).latest("id").pk
    for reader in (customer, manager):
        messages_mark_read(reader=reader, service_request=service_request, up_to_id=last)
    return customer, manager, service_request


STRUCTURE = """(list) => [...list.children].map((li) => li.classList.contains("chat-day")
  ? ["day", li.dataset.day, li.textContent.trim()]
  : ["message", li.dataset.messageId, [...li.classList].sort().join(" "),
     li.querySelector(".chat-avatar")?.textContent ?? null,
     li.querySelector(".chat-author").textContent, li.querySelector(".chat-time").textContent,
     li.querySelector(".chat-text")?.textContent ?? null,
     li.querySelector(".chat-status")?.textContent ?? null,
     Boolean(li.querySelector(".chat-note-label"))])"""


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_the_server_and_the_script_group_messages_alike(
    asgi_server, new_context, grouped_conversation, password, role
):
    customer, manager, service_request = grouped_conversation
    user = customer if role == "customer" else manager
    page = open_chat(new_context, asgi_server.url, user, password, service_request, "en-GB")
    scripted = page.evaluate(f"({STRUCTURE})(document.querySelector('[data-chat-messages]'))")
    # The <noscript> list, as a browser without scripts builds it.
    served = page.evaluate(
        f"""() => {{
        const html = [...document.querySelectorAll('noscript')].map((n) => n.textContent)
            .find((t) => t.includes('chat-messages-without-script'));
        const holder = document.createElement('template');
        holder.innerHTML = html;
        const list = '[data-testid=chat-messages-without-script]';
        return ({STRUCTURE})(holder.content.querySelector(list));
        }}"""
    )
    assert scripted == served
    days = [entry[2] for entry in scripted if entry[0] == "day"]
    assert days[1:] == ["Yesterday", "Today"], days
    continued = {
        entry[6]: "is-continued" in entry[2].split() for entry in scripted if entry[0] == "message"
    }
    assert continued["It is getting worse"] and not continued["We will look at it"]
    assert not continued["He will call first"]  # ten minutes later
    assert continued["The door code is 1234"]
    assert not continued["The plumber is on his way"]  # after a note: a header again
    assert continued["About 20 minutes"]
    if role == "manager":
        assert not continued["Landlord pays for this one"]
    else:
        assert "Landlord pays for this one" not in continued

    # A live message continues the group on both sides' pages, by the same rule.
    page.fill("[data-chat-text]", "One more thing")
    page.click("[data-chat-send]")
    item = page.locator(".chat-message", has_text="One more thing")
    item.wait_for()
    page.wait_for_selector(
        ".chat-message[data-message-id]:last-child .chat-status[data-status=sent]"
    )
    mine_last = page.evaluate(
        "() => [...document.querySelectorAll('[data-chat-messages] > .chat-message')]"
        ".at(-1).className"
    )
    # The last stored message is the manager's, a minute before noon today: the manager's new
    # message continues it only if that is within five minutes of now.
    assert "is-mine" in mine_last.split(), mine_last


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_grouped_chat_is_accessible_in_both_themes(
    asgi_server, new_context, screenshot, grouped_conversation, password, lang
):
    customer, manager, service_request = grouped_conversation
    locale = "en-GB" if lang == "en" else "ru-RU"
    for user, name, viewport in (
        (manager, "manager", {"width": 1366, "height": 768}),
        (customer, "customer", PHONE),
    ):
        page = open_chat(
            new_context,
            asgi_server.url,
            user,
            password,
            service_request,
            locale,
            viewport=viewport,
            color_scheme="light",
        )
        page.evaluate(FULL_HEIGHT_PARENT)
        axe_in_both_themes(page)  # ends in the dark theme
        screenshot(page, f"chat-panel-grouped-{name}-{lang}-dark")
        assert page.errors == []
        # Keyboard: from the message box back to Attach, on to the next control after Send.
        page.focus("[data-chat-text]")
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.id") == "chat-files"
        page.focus("[data-chat-text]")
        page.keyboard.type("x")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.matches('[data-chat-send]')")
        page.fill("[data-chat-text]", "")
        # Times never wrap.
        wrapped = page.evaluate(
            """() => [...document.querySelectorAll('.chat-time')].filter((t) =>
                t.getBoundingClientRect().height
                > parseFloat(getComputedStyle(t).lineHeight) * 1.5).length"""
        )
        assert wrapped == 0


PASTE = """() => {
  const data = new DataTransfer();
  data.items.add(window.__files[0]);
  const options = { clipboardData: data, bubbles: true, cancelable: true };
  const paste = new ClipboardEvent("paste", options);
  document.querySelector("[data-chat-text]").dispatchEvent(paste);
}"""

DRAG = """(type) => {
  if (type === "dragenter") {
    window.__drag = new DataTransfer();
    window.__drag.items.add(window.__files[0]);
  }
  const options = { dataTransfer: window.__drag, bubbles: true, cancelable: true };
  const event = new DragEvent(type, options);
  document.querySelector("[data-chat-log]").dispatchEvent(event);
}"""


def _files(page, specs) -> None:
    """Puts File objects made in the page on window.__files: [name, type, bytes]."""
    page.evaluate(
        """(specs) => { window.__files = specs.map(([name, type, size]) =>
            new File([new Uint8Array(size)], name, { type })); }""",
        specs,
    )


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_photo_picker_speaks_the_pages_language_and_its_errors_go_when_fixed(
    asgi_server,
    new_context,
    screenshot,
    people,
    password,
    lang,
    tmp_path,
):
    from tests.factories import image_bytes

    customer, _manager, service_request = people
    page = open_chat(
        new_context,
        asgi_server.url,
        customer,
        password,
        service_request,
        "en-GB" if lang == "en" else "ru-RU",
        viewport={"width": 1280, "height": 900},
    )
    attach = page.locator("label.chat-attach")
    assert attach.locator(".chat-button-text").inner_text() == (
        "Attach" if lang == "en" else "Прикрепить"
    )
    assert (
        page.locator("[data-chat-files]").is_hidden()
        or page.evaluate("getComputedStyle(document.querySelector('[data-chat-files]')).opacity")
        == "0"
    )
    error = page.locator("[data-chat-form-error]")

    # The wrong type: said, nothing added; a good photo next: the message goes.
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a photo")
    page.set_input_files("[data-chat-files]", [str(text_file)])
    assert error.is_visible() and "notes.txt" in error.inner_text()
    photos = []
    for number in range(6):
        photo = tmp_path / f"leak-{number}.jpg"
        photo.write_bytes(image_bytes(40, 30))
        photos.append(str(photo))
    page.set_input_files("[data-chat-files]", photos[:1])
    assert error.is_hidden()
    assert page.locator(".chat-preview").count() == 1

    # Too many: five kept, said; removing one (×) fixes it and the message goes.
    page.set_input_files("[data-chat-files]", photos[1:])
    assert page.locator(".chat-preview").count() == 5
    assert error.is_visible()
    screenshot(page, f"chat-picker-too-many-{lang}")
    page.locator(".chat-preview-remove").first.click()
    assert page.locator(".chat-preview").count() == 4
    assert error.is_hidden()

    # Too large (the photo limit), checked before uploading anything.
    limit = page.evaluate(
        "JSON.parse(document.getElementById('chat-config').textContent).imageMaxBytes"
    )
    _files(page, [["huge.jpg", "image/jpeg", limit + 1]])
    page.evaluate(PASTE)
    assert "huge.jpg" in error.inner_text() and page.locator(".chat-preview").count() == 4
    for _ in range(4):
        page.locator(".chat-preview-remove").first.click()
    assert error.is_hidden() and page.locator(".chat-preview").count() == 0

    # Pasted from the clipboard.
    _files(page, [["pasted.png", "image/png", 2000]])
    page.evaluate(PASTE)
    assert page.locator(".chat-preview", has_text="pasted.png").count() == 1

    # Dropped onto the chat: the panel says where they go while dragging.
    _files(page, [["dropped.mp4", "video/mp4", 3000]])
    page.evaluate(DRAG, "dragenter")
    assert page.locator("[data-chat-drop]").is_visible()
    page.evaluate(DRAG, "drop")
    assert page.locator("[data-chat-drop]").is_hidden()
    assert page.locator(".chat-preview", has_text="dropped.mp4").count() == 1
    assert page.locator(".chat-preview").count() == 2
    screenshot(page, f"chat-picker-previews-{lang}")
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_without_javascript_the_chat_shows_the_conversation_and_posts_a_plain_form(
    asgi_server, new_context, screenshot, grouped_conversation, password, lang
):
    customer, _manager, service_request = grouped_conversation
    context = new_context(
        locale="en-GB" if lang == "en" else "ru-RU", java_script_enabled=False, viewport=PHONE
    )
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(customer), "url": asgi_server.url}]
    )
    page = context.new_page()
    url = f"{asgi_server.url}/request/{service_request.pk}"
    page.goto(url)
    conversation = page.locator("[data-testid=chat-messages-without-script]")
    assert conversation.locator(".chat-text", has_text="The door code is 1234").is_visible()
    # Nothing pretends to connect.
    assert page.locator("[data-chat-connection]").is_hidden()
    assert not page.get_by_text("Connecting…").is_visible()
    assert not page.get_by_text("Подключение…").is_visible()
    send = page.locator("[data-chat-send]")
    assert send.is_enabled()

    # Nothing typed: the page again with the reason at the message box (400), nothing stored.
    count = Message.objects.count()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        send.click()
    assert answer.value.status == 400
    assert page.locator("[data-chat-form-error]").is_visible()
    assert Message.objects.count() == count

    page.fill("[data-chat-text]", "Sent without JavaScript <b>as text</b>")
    with page.expect_navigation():
        send.click()
    assert page.url.startswith(url) and page.url.endswith("#chat")
    assert page.locator(
        "[data-testid=chat-messages-without-script] .chat-text"
    ).last.inner_text() == ("Sent without JavaScript <b>as text</b>")
    assert Message.objects.filter(text__startswith="Sent without JavaScript").count() == 1
    screenshot(page, f"chat-no-js-{lang}")


def test_with_javascript_the_connection_is_shown(asgi_server, new_context, people, password):
    customer, _manager, service_request = people
    page = open_chat(new_context, asgi_server.url, customer, password, service_request, "en-GB")
    assert page.locator("[data-chat-connection]").is_visible()
    assert page.locator("[data-chat-connection]").get_attribute("data-state") == "online"


def test_delivered_shows_while_the_other_side_only_has_the_list_open(
    asgi_server, new_context, people, password
):
    customer, manager, service_request = people
    receiver = new_context(locale="en-GB").new_page()
    receiver.context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(customer), "url": asgi_server.url}]
    )
    receiver.goto(asgi_server.url + reverse("service_requests:list"))
    receiver.locator(f"[data-request-id='{service_request.pk}']").first.wait_for()
    receiver.wait_for_selector("html[data-inbox=online]")
    sender = open_chat(new_context, asgi_server.url, manager, password, service_request, "en-GB")

    sender.fill("[data-chat-text]", "We come at noon")
    sender.click("[data-chat-send]")
    mine = sender.locator(".chat-message.is-mine", has_text="We come at noon")
    mine.locator(".chat-status[data-status=delivered]").wait_for()
    assert mine.locator(".chat-status").inner_text().strip() == "Delivered"
    message = Message.objects.get(text="We come at noon")
    assert message.delivered_at is not None and message.read_at is None  # not read: only listed
