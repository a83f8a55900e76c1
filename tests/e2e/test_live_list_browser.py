"""The live list in Chromium: lists, the navigation badge and the tab title follow what
other people do, without a reload, over each page's inbox socket (/ws/inbox/); browser
notifications for a hidden tab, asked for only on a click.

Everything the other person does goes through the live server (their browser), because
the server's channel layer lives in its process, not in the test's.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tenantdesk.chat.services.send import message_send
from tenantdesk.notifications.push import payload_for
from tenantdesk.service_requests.models import ServiceRequest
from tests.e2e.accessibility import assert_accessible
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.chat.helpers import make_service_request, session_cookie
from tests.unit.service_requests.helpers import noise_jpeg

pytestmark = pytest.mark.django_db(transaction=True)

# Each page's inbox frames, kept for the test (inbox.js dispatches them on the document),
# and a mark that is gone if the page ever reloads.
RECORD_FRAMES = """
window.__frames = [];
window.__notReloaded = true;
document.addEventListener("tenantdesk:inbox", (event) => window.__frames.push(event.detail));
"""

# The page believes it is hidden (a background tab), and every Notification it makes or
# permission it asks for is recorded; the real ones still run underneath.
HIDDEN_TAB = """
const hidden = { visibilityState: "hidden", hidden: true };
for (const [name, value] of Object.entries(hidden)) {
  Object.defineProperty(Document.prototype, name, { get: () => value, configurable: true });
}
"""
RECORD_NOTIFICATIONS = """
window.__notifications = [];
window.__permissionRequests = 0;
window.__decisions = [];  // notify.js has decided about a message: { message_id, shown }
document.addEventListener("tenantdesk:notification", (e) => window.__decisions.push(e.detail));
if ("Notification" in window) {
  const Original = window.Notification;
  class Recorded extends Original {
    constructor(title, options = {}) {
      super(title, options);
      window.__notifications.push({ title, body: options.body, tag: options.tag });
      window.__lastNotification = this;
    }
  }
  Object.defineProperty(Recorded, "permission", {
    get: () => Original.permission,
    configurable: true,
  });
  Recorded.requestPermission = (...args) => {
    window.__permissionRequests += 1;
    return Original.requestPermission(...args);
  };
  window.Notification = Recorded;
}
"""


# True once this tab has decided, for every request.message it heard, whether to notify.
DECIDED = """() => {
  const ids = window.__frames.filter((f) => f.type === "request.message").map((f) => f.message_id);
  return ids.length > 0 && ids.every((id) => window.__decisions.some((d) => d.message_id === id));
}"""


def open_page(new_context, base, user, path, *, locale="en-GB", context=None, hidden=False):
    """A signed-in page whose inbox socket is open (the state it started from fetched)."""
    if context is None:
        context = new_context(locale=locale)
        context.add_cookies(
            [{"name": "sessionid", "value": session_cookie(user), "url": base, "httpOnly": True}]
        )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.add_init_script(RECORD_FRAMES)
    page.add_init_script(RECORD_NOTIFICATIONS)
    if hidden:
        page.add_init_script(HIDDEN_TAB)
    page.goto(f"{base}{path}")
    page.wait_for_selector("html[data-inbox=online]")
    return page


def row_ids(page) -> list[int]:
    return [
        int(i)
        for i in page.eval_on_selector_all(
            "#request-list-rows [data-request-id]", "rows => rows.map(r => r.dataset.requestId)"
        )
    ]


def send_in_chat(page, text):
    page.wait_for_selector("[data-chat-connection][data-state=online]")
    page.fill("[data-chat-text]", text)
    page.click("[data-chat-send]")
    expect(page.locator(".chat-message .chat-text").last).to_have_text(text)


@pytest.fixture
def tenants():
    organisation = OrganisationFactory(name="Rosa Dental LLC")
    customer = CustomerFactory(organisation=organisation, username="rosa")
    manager = ManagerFactory(username="ivanova")
    stranger = CustomerFactory(organisation=OrganisationFactory(name="Other Tenant"))
    older = make_service_request(customer, title="Broken window")
    newer = make_service_request(customer, title="Leaking pipe")
    ServiceRequest.objects.filter(pk=older.pk).update(
        last_activity_at=newer.created_at.replace(year=2020)
    )
    return customer, manager, stranger, older, newer


def test_a_new_request_appears_at_the_top_of_the_managers_list(
    asgi_server, new_context, tenants, tmp_path
):
    customer, manager, stranger, older, newer = tenants
    base = asgi_server.url
    mgr = open_page(new_context, base, manager, "/request/list")
    other = open_page(new_context, base, stranger, "/request/list")
    assert row_ids(mgr) == [newer.pk, older.pk]

    cust = open_page(new_context, base, customer, "/request/new")
    photo = tmp_path / "leak.jpg"
    photo.write_bytes(noise_jpeg(800, 600))
    cust.locator("label.type-card[data-type=electrical]").click()
    cust.fill("#id_title", "Sparks from the socket")
    cust.fill("#id_description", "The socket by the door sparks.")
    cust.fill("#id_office", "12")
    cust.set_input_files("#id_photo", str(photo))
    cust.click("form[data-testid=request-form] button[type=submit]")
    cust.wait_for_url(re.compile(r"/request/\d+$"))
    created = ServiceRequest.objects.get(title="Sparks from the socket")

    expect(mgr.locator("#request-list-rows [data-request-id]").first).to_have_attribute(
        "data-request-id", str(created.pk)
    )
    assert row_ids(mgr) == [created.pk, newer.pk, older.pk]
    assert mgr.evaluate("() => window.__notReloaded")
    # Another organisation's member heard nothing at all of it.
    other.wait_for_timeout(500)
    assert other.evaluate("() => window.__frames") == []
    assert row_ids(other) == []
    assert mgr.errors == [] and cust.errors == [] and other.errors == []


def test_an_empty_list_gets_its_first_request_and_keeps_its_filters_usable(
    asgi_server, new_context, tmp_path
):
    # The list's shape changes (no table → a table): the page's content is swapped whole.
    customer = CustomerFactory(organisation=OrganisationFactory(name="New Tenant"))
    manager = ManagerFactory()
    base = asgi_server.url
    mgr = open_page(new_context, base, manager, "/request/list")
    empty = open_page(new_context, base, customer, "/request/list")
    expect(empty.get_by_test_id("list-empty")).to_be_visible()
    expect(mgr.get_by_test_id("list-empty")).to_be_visible()
    mgr.fill("#id_q", "Door")  # someone typing in a filter is not interrupted

    creator = open_page(new_context, base, customer, "/request/new")
    photo = tmp_path / "door.jpg"
    photo.write_bytes(noise_jpeg(800, 600))
    creator.locator("label.type-card[data-type=carpentry]").click()
    creator.fill("#id_title", "Door does not close")
    creator.fill("#id_description", "The office door sticks.")
    creator.fill("#id_office", "7")
    creator.set_input_files("#id_photo", str(photo))
    creator.click("form[data-testid=request-form] button[type=submit]")
    creator.wait_for_url(re.compile(r"/request/\d+$"))
    created = ServiceRequest.objects.get(title="Door does not close")

    expect(empty.locator("#request-list-rows [data-request-id]")).to_have_count(1)
    assert row_ids(empty) == [created.pk]
    expect(empty.get_by_test_id("list-empty")).to_have_count(0)
    assert empty.evaluate("() => window.__notReloaded")
    # The manager's page waits while the filter field has focus, then follows.
    mgr.wait_for_timeout(2500)
    expect(mgr.locator("#id_q")).to_be_focused()
    expect(mgr.locator("#id_q")).to_have_value("Door")
    expect(mgr.get_by_test_id("list-empty")).to_be_visible()
    mgr.locator("#id_q").blur()
    expect(mgr.locator("#request-list-rows [data-request-id]")).to_have_count(1)
    assert empty.errors == [] and mgr.errors == [] and creator.errors == []


def test_a_message_moves_the_row_up_and_counts_in_the_badge_and_title(
    asgi_server, new_context, tenants, screenshot
):
    customer, manager, stranger, older, newer = tenants
    base = asgi_server.url
    mgr = open_page(new_context, base, manager, "/request/list")
    other = open_page(new_context, base, stranger, "/request/list")
    badge = mgr.locator("#nav-unread")
    expect(badge).to_be_hidden()
    assert mgr.title() == "Requests · Tenant Desk"
    assert row_ids(mgr) == [newer.pk, older.pk]

    cust = open_page(new_context, base, customer, f"/request/{older.pk}")
    send_in_chat(cust, "The window is still broken.\nPlease hurry.")

    row = mgr.locator(f"#request-list-rows [data-request-id='{older.pk}']")
    expect(row.locator("[data-unread-count]")).to_have_text("1")
    # The row's preview is the new message's first line (issue 23), its time "just now".
    expect(row.get_by_test_id("row-preview")).to_have_text("The window is still broken.")
    expect(row.locator("time")).to_have_text("just now")
    assert row_ids(mgr) == [older.pk, newer.pk]  # moved to the top
    expect(badge).to_have_text("1")
    expect(badge).to_be_visible()
    expect(mgr).to_have_title("(1) Requests · Tenant Desk")

    send_in_chat(cust, "And it is cold.")
    expect(row.locator("[data-unread-count]")).to_have_text("2")
    expect(row.get_by_test_id("row-preview")).to_have_text("And it is cold.")
    expect(badge).to_have_attribute("data-unread-total", "2")
    expect(mgr).to_have_title("(2) Requests · Tenant Desk")
    assert mgr.evaluate("() => window.__notReloaded")
    screenshot(mgr, "live-list-manager-unread")

    # The customer's own messages are not unread for them; nobody else heard anything.
    expect(cust.locator("#nav-unread")).to_be_hidden()
    assert other.evaluate("() => window.__frames") == []
    assert mgr.errors == [] and cust.errors == []


# The page's inbox sockets, kept; while __blockInbox is set, a new one goes to a path with
# no route, so it fails like a socket to a server that is down.
CUT_INBOX = """
window.__inboxSockets = [];
window.__blockInbox = false;
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(url, protocols) {
    const inbox = String(url).includes("/ws/inbox/");
    const down = inbox && window.__blockInbox;
    super(down ? String(url).replace("/ws/inbox/", "/ws/down/") : url, protocols);
    if (inbox) window.__inboxSockets.push(this);
  }
};
"""


def test_after_a_reconnect_the_page_catches_up_with_what_it_missed(
    asgi_server, new_context, tenants
):
    customer, manager, stranger, older, newer = tenants
    base = asgi_server.url
    context = new_context()
    context.add_init_script(CUT_INBOX)
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(manager), "url": base, "httpOnly": True}]
    )
    mgr = open_page(new_context, base, manager, "/request/list", context=context)
    mgr.evaluate("() => { window.__blockInbox = true; window.__inboxSockets.at(-1).close(); }")
    mgr.wait_for_selector("html[data-inbox=offline]")

    cust = open_page(new_context, base, customer, f"/request/{older.pk}")
    send_in_chat(cust, "Sent while the manager's page was offline")
    mgr.wait_for_timeout(1000)
    assert mgr.evaluate("() => window.__frames") == []  # it heard nothing
    expect(mgr.locator("#nav-unread")).to_be_hidden()

    mgr.evaluate("() => { window.__blockInbox = false; }")
    mgr.wait_for_selector("html[data-inbox=online]")
    expect(mgr.locator("#nav-unread")).to_have_text("1")
    row = mgr.locator(f"#request-list-rows [data-request-id='{older.pk}']")
    expect(row.locator("[data-unread-count]")).to_have_text("1")
    assert row_ids(mgr) == [older.pk, newer.pk]
    expect(mgr).to_have_title("(1) Requests · Tenant Desk")
    assert mgr.evaluate("() => window.__notReloaded")


def test_a_closed_request_leaves_the_customers_active_list(asgi_server, new_context, tenants):
    customer, manager, stranger, older, newer = tenants
    # A colleague's request: in the organisation's tab, not in the customer's own (issue 21).
    colleague = CustomerFactory(organisation=customer.organisation)
    make_service_request(colleague, title="The colleague's lamp")
    base = asgi_server.url
    cust = open_page(new_context, base, customer, "/request/list")
    assert row_ids(cust) == [newer.pk, older.pk]  # "Mine", the default with a colleague

    def counts():
        return {
            name: cust.locator(f"[data-{kind}-count={name}]").inner_text()
            for kind, name in [
                ("tab", "active"),
                ("tab", "closed"),
                ("scope", "mine"),
                ("scope", "organisation"),
            ]
        }

    assert counts() == {"active": "2", "closed": "0", "mine": "2", "organisation": "3"}

    mgr = open_page(new_context, base, manager, f"/request/{newer.pk}")
    mgr.get_by_test_id("status-menu-button").click()  # the header's menu (issue 23)
    mgr.click("[data-status-action=closed]")
    mgr.get_by_test_id("close-dialog-confirm").click()  # closing asks first (issue 12)
    mgr.wait_for_selector("[data-chat-status-badge][data-status=closed]")

    expect(cust.locator("#request-list-rows [data-request-id]")).to_have_count(1)
    assert row_ids(cust) == [older.pk]
    # The tabs' counts are a live part of the page: they follow without a reload.
    expect(cust.locator("[data-tab-count=closed]")).to_have_text("1")
    assert counts() == {"active": "1", "closed": "1", "mine": "1", "organisation": "2"}
    assert cust.evaluate("() => window.__notReloaded")
    statuses = [
        f["status"] for f in cust.evaluate("() => window.__frames") if f["type"] == "request.status"
    ]
    assert statuses == ["closed"]


def test_a_hidden_tab_notifies_once_and_the_click_opens_the_request(
    asgi_server, new_context, tenants
):
    customer, manager, stranger, older, newer = tenants
    base = asgi_server.url
    context = new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(manager), "url": base, "httpOnly": True}]
    )
    context.grant_permissions(["notifications"], origin=base)
    # Two background tabs of the same person: one notification between them.
    hidden = [
        open_page(new_context, base, manager, "/request/list", context=context, hidden=True)
        for _ in range(2)
    ]
    for tab in hidden:
        expect(tab.locator("#notify-control")).to_have_attribute("data-state", "on")
        assert tab.evaluate("() => window.__permissionRequests") == 0

    cust = open_page(new_context, base, customer, f"/request/{older.pk}")
    send_in_chat(cust, "Water everywhere!\nSecond line is not shown.")

    for tab in hidden:
        tab.wait_for_function(DECIDED)  # both have decided: a duplicate would be there now
    shown = [n for tab in hidden for n in tab.evaluate("() => window.__notifications")]
    assert shown == [
        {
            "title": f"#{older.pk} Broken window",
            "body": "Water everywhere!",
            "tag": f"td-request-{older.pk}",
        }
    ]

    # A click on it opens the request in the tab that showed it.
    showing = next(tab for tab in hidden if tab.evaluate("() => window.__notifications.length"))
    showing.evaluate("() => window.__lastNotification.dispatchEvent(new Event('click'))")
    showing.wait_for_url(f"{base}/request/{older.pk}")


# Another tab's localStorage writes reach this tab late: Chromium passes them between
# renderer processes asynchronously, and a Web Lock handed from one tab to the next can
# overtake them (it did under load: both tabs read "not shown yet" and both showed it).
# After __storageLags(), this tab sees localStorage as it was then, plus its own writes:
# that lag at its widest, every time.
LAGGING_STORAGE = """
(() => {
  const { getItem, setItem, removeItem } = Storage.prototype;
  window.__storageLags = () => {
    const seen = new Map();
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      seen.set(key, getItem.call(localStorage, key));
    }
    Storage.prototype.getItem = function (key) {
      if (this !== localStorage) return getItem.call(this, key);
      return seen.has(key) ? seen.get(key) : null;
    };
    Storage.prototype.setItem = function (key, value) {
      if (this === localStorage) seen.set(key, String(value));
      return setItem.call(this, key, value);
    };
    Storage.prototype.removeItem = function (key) {
      if (this === localStorage) seen.delete(key);
      return removeItem.call(this, key);
    };
  };
})();
"""

NOTIFIER_IN_THE_PAGE = """async () => {
  const { Notifier } = await import("/static/js/live/notify.js");
  const strings = { attachment: "Sent an attachment" };
  window.__notifier = new Notifier({ strings }, null, { onEnabled() {}, onDisabled() {} });
}"""

# The tab's notifier gets the frame the moment the test-start lock is released (every tab
# waits for it in shared mode, so all of them are let go at once).
ON_THE_START = """(id) => {
  const frame = {
    type: "request.message", service_request_id: 7, title: "Broken window", message_id: id,
    system: false, other_side: true, preview: `message ${id}`, attachments: 0,
  };
  window.__storageLags();
  window.__decided = navigator.locks.request(
    "test-start", { mode: "shared" }, () => window.__notifier.message(frame),
  );
}"""

HOLD_THE_START = """() => new Promise((held) => {
  navigator.locks.request("test-start", () => new Promise((release) => {
    window.__start = release;
    held();
  }));
})"""

WAITING_AT_THE_START = """async (count) => {
  const { pending } = await navigator.locks.query();
  return pending.filter((lock) => lock.name === "test-start").length === count;
}"""


def test_two_hidden_tabs_deciding_at_the_same_moment_show_one_notification(
    asgi_server, new_context
):
    # The notifier itself (static/js/live/notify.js) in two hidden tabs of one browser,
    # each handed the same message at the same instant, and each seeing the other's
    # localStorage writes only after it has decided. Several messages, so that either
    # tab may be the quicker one.
    base = asgi_server.url
    context = new_context()
    context.grant_permissions(["notifications"], origin=base)
    context.add_init_script(RECORD_NOTIFICATIONS)
    tabs = []
    for script in (HIDDEN_TAB, HIDDEN_TAB, None):
        tab = context.new_page()
        tab.errors = []
        tab.on("pageerror", lambda error, tab=tab: tab.errors.append(str(error)))
        if script:
            tab.add_init_script(script)
            tab.add_init_script(LAGGING_STORAGE)
        tab.goto(f"{base}/")
        tabs.append(tab)
    *hidden, starter = tabs
    for tab in hidden:
        tab.evaluate(NOTIFIER_IN_THE_PAGE)

    message_ids = list(range(101, 111))
    for message_id in message_ids:
        starter.evaluate(HOLD_THE_START)
        for tab in hidden:
            tab.evaluate(ON_THE_START, message_id)
        starter.wait_for_function(WAITING_AT_THE_START, arg=len(hidden))
        starter.evaluate("() => window.__start()")
        for tab in hidden:
            tab.evaluate("() => window.__decided")  # this tab has decided (and shown, or not)

    shown = [n["body"] for tab in hidden for n in tab.evaluate("() => window.__notifications")]
    assert sorted(shown) == [f"message {message_id}" for message_id in message_ids]
    assert all(tab.errors == [] for tab in tabs)


def test_no_notification_while_another_tab_of_the_site_is_visible(
    asgi_server, new_context, tenants
):
    customer, manager, stranger, older, newer = tenants
    base = asgi_server.url
    context = new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(manager), "url": base, "httpOnly": True}]
    )
    context.grant_permissions(["notifications"], origin=base)
    background = open_page(
        new_context, base, manager, "/request/list", context=context, hidden=True
    )
    looking = open_page(new_context, base, manager, "/request/list", context=context)

    cust = open_page(new_context, base, customer, f"/request/{older.pk}")
    send_in_chat(cust, "First")
    background.wait_for_function(DECIDED)
    assert background.evaluate("() => window.__notifications") == []
    assert looking.evaluate("() => window.__notifications") == []

    looking.close()  # nobody looks any more
    send_in_chat(cust, "Second")
    background.wait_for_function("() => window.__notifications.length === 1")
    assert background.evaluate("() => window.__notifications[0].body") == "Second"


def test_own_and_system_messages_never_notify(asgi_server, new_context, tenants):
    customer, manager, stranger, older, newer = tenants
    base = asgi_server.url
    context = new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(manager), "url": base, "httpOnly": True}]
    )
    context.grant_permissions(["notifications"], origin=base)
    background = open_page(
        new_context, base, manager, "/request/list", context=context, hidden=True
    )
    mgr = open_page(
        new_context, base, manager, f"/request/{newer.pk}", context=context, hidden=True
    )
    send_in_chat(mgr, "Our own answer")
    mgr.get_by_test_id("status-menu-button").click()  # the header's menu (issue 23)
    mgr.click("[data-status-action=in_progress]")
    background.wait_for_function(
        "() => window.__frames.filter((f) => f.type === 'request.message').length >= 2"
    )
    background.wait_for_function(DECIDED)
    assert background.evaluate("() => window.__notifications") == []


@pytest.mark.parametrize("lang, locale", [("en", "en-GB"), ("ru", "ru-RU")])
def test_permission_is_asked_only_on_a_click_of_the_control(
    asgi_server, new_context, tenants, screenshot, lang, locale
):
    customer, manager, stranger, older, newer = tenants
    base = asgi_server.url
    texts = {
        "en": ("Enable notifications", "Notifications on"),
        "ru": ("Включить уведомления", "Уведомления включены"),
    }[lang]
    page = open_page(new_context, base, customer, "/request/list", locale=locale)
    page.goto(f"{base}/request/{older.pk}")  # and the chat page: nothing asks there either
    page.wait_for_selector("html[data-inbox=online]")
    control = page.locator("#notify-control")
    expect(control).to_be_visible()
    expect(control).to_have_text(re.compile(texts[0]))
    assert page.evaluate("() => window.__permissionRequests") == 0
    nav = page.locator("nav.site-nav")
    shot = screenshot(page, f"live-notify-control-off-{lang}")
    nav.screenshot(path=str(shot.with_name(f"{shot.stem}-nav.png")))
    assert_accessible(page)

    # By keyboard: focus it and press Enter: now, and only now, the browser is asked.
    # (Nobody answers the prompt in headless Chromium: it stays unanswered or is refused.)
    control.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__permissionRequests === 1")
    expect(control).not_to_have_attribute("data-state", "on")

    # A browser where the person allowed them: on from the start, nothing asked again.
    context = new_context(locale=locale)
    context.grant_permissions(["notifications"], origin=base)
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(customer), "url": base, "httpOnly": True}]
    )
    page = open_page(new_context, base, customer, "/request/list", context=context)
    control = page.locator("#notify-control")
    expect(control).to_have_attribute("data-state", "on")
    expect(control).to_have_text(re.compile(texts[1]))
    expect(control).to_have_attribute("title", re.compile("."))  # what a click does
    assert page.evaluate("() => window.__permissionRequests") == 0
    shot = screenshot(page, f"live-notify-control-on-{lang}")
    page.locator("nav.site-nav").screenshot(path=str(shot.with_name(f"{shot.stem}-nav.png")))

    # Clicked: off for this site's pages (the browser's permission stays); again: on.
    control.click()
    expect(control).to_have_attribute("data-state", "off")
    expect(control).to_have_text(re.compile(texts[0]))
    control.click()
    expect(control).to_have_attribute("data-state", "on")
    assert page.errors == []


def test_a_browser_without_notifications_shows_no_control(asgi_server, new_context, tenants):
    customer, *_ = tenants
    base = asgi_server.url
    context = new_context()
    context.add_init_script("delete window.Notification;")
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(customer), "url": base, "httpOnly": True}]
    )
    page = open_page(new_context, base, customer, "/request/list", context=context)
    expect(page.locator("#notify-control")).to_be_hidden()
    assert page.errors == []


def test_a_refused_permission_shows_blocked(asgi_server, new_context, tenants, screenshot):
    customer, *_ = tenants
    base = asgi_server.url
    page = open_page(new_context, base, customer, "/request/list")
    # As a browser whose person said "Block" (the prompt cannot be answered from here).
    page.evaluate(
        """() => {
          Object.defineProperty(window.Notification, "permission", { get: () => "denied" });
          window.Notification.requestPermission = async () => "denied";
        }"""
    )
    control = page.locator("#notify-control")
    control.click()
    expect(control).to_have_attribute("data-state", "blocked")
    expect(control).to_have_text(re.compile("Notifications blocked"))
    expect(control).to_be_disabled()
    shot = screenshot(page, "live-notify-control-blocked-en")
    page.locator("nav.site-nav").screenshot(path=str(shot.with_name(f"{shot.stem}-nav.png")))


# --- Web Push's service worker -----------------------------------------------------------------
# No push service is reachable from here, so PushManager.subscribe cannot run; Chromium's
# DevTools protocol delivers a push message to the registered worker instead, as a push
# service would, with the payload tenantdesk/notifications/push.py builds.

NOTIFICATIONS_SHOWN = """async () => {
  const registration = await navigator.serviceWorker.ready;
  const shown = await registration.getNotifications();
  return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data.url }));
}"""


def test_the_service_worker_shows_a_push_only_when_no_page_is_visible(
    asgi_server, new_context, tenants
):
    customer, manager, stranger, older, newer = tenants
    base = asgi_server.url
    context = new_context()
    context.grant_permissions(["notifications"], origin=base)
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(customer), "url": base, "httpOnly": True}]
    )
    page = open_page(new_context, base, customer, "/request/list", context=context)
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.evaluate(
        """async (url) => {
          await navigator.serviceWorker.register(url, { scope: "/" });
          await navigator.serviceWorker.ready;
        }""",
        "/live/service-worker.js",
    )
    page.wait_for_function("() => navigator.serviceWorker.controller !== undefined")
    registration_id = next(
        r["registrationId"] for r in registrations if r["scopeURL"] == f"{base}/"
    )

    def deliver(text):
        message = message_send(author=manager, service_request=older, text=text, client_id=None)
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": base,
                "registrationId": registration_id,
                "data": json.dumps(payload_for(message, customer)),
            },
        )

    # A page of the site is visible: it shows the message itself; no notification over it.
    deliver("While you look")
    page.wait_for_timeout(500)
    assert page.evaluate(NOTIFICATIONS_SHOWN) == []

    # No page of the site open (the tab went elsewhere): the worker shows it.
    page.goto("about:blank")
    deliver("While you are away\nsecond line")
    page.wait_for_timeout(500)
    page.goto(f"{base}/accounts/notifications-check-page-does-not-exist")
    assert page.evaluate(NOTIFICATIONS_SHOWN) == [
        {
            "title": f"#{older.pk} Broken window",
            "body": "While you are away",
            "tag": f"td-request-{older.pk}",
            "url": f"/request/{older.pk}",
        }
    ]


@pytest.mark.parametrize("locale", ["en-GB", "ru-RU"])
def test_a_member_follows_a_colleagues_request_from_its_page_and_finds_it_in_mine(
    asgi_server, new_context, tenants, locale, screenshot
):
    customer, manager, stranger, older, newer = tenants
    colleague = CustomerFactory(organisation=customer.organisation)
    theirs = make_service_request(colleague, title="The colleague's lamp")
    base = asgi_server.url
    texts = {
        "en-GB": ("You do not get notifications", "You get notifications", "Following"),
        "ru-RU": ("Вы не получаете уведомлений", "Вы получаете уведомления", "Вы подписаны"),
    }[locale]
    context = new_context(locale=locale, viewport={"width": 390, "height": 844})
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(customer), "url": base, "httpOnly": True}]
    )
    page = open_page(new_context, base, customer, "/request/list", context=context)
    assert row_ids(page) == [newer.pk, older.pk]  # Mine: not the colleague's
    page.get_by_test_id("scope-organisation").click()
    page.wait_for_url(f"{base}/request/list?scope=organisation")
    assert theirs.pk in row_ids(page)
    screenshot(page, f"customer-list-organisation-{locale}-phone")
    assert_accessible(page)

    page.goto(f"{base}/request/{theirs.pk}")
    # On a phone, following is among the request's details, folded under the title.
    expect(page.get_by_test_id("following")).to_be_hidden()
    page.get_by_test_id("request-details-toggle").click()
    expect(page.get_by_test_id("following")).to_contain_text(texts[0])
    page.get_by_test_id("follow").click()  # a POST with the page's CSRF token
    page.get_by_test_id("request-details-toggle").click()
    expect(page.get_by_test_id("following-badge")).to_have_text(texts[2])
    expect(page.get_by_test_id("following")).to_contain_text(texts[1])
    screenshot(page, f"request-following-{locale}-phone")
    assert_accessible(page)

    page.goto(f"{base}/request/list")
    assert theirs.pk in row_ids(page)
    expect(page.locator("[data-scope-count=mine]")).to_have_text("3")
    page.goto(f"{base}/request/{theirs.pk}")
    page.get_by_test_id("request-details-toggle").click()
    page.get_by_test_id("unfollow").click()
    page.get_by_test_id("request-details-toggle").click()
    expect(page.get_by_test_id("follow")).to_be_visible()
    assert page.errors == []
