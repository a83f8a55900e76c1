"""The look's leftovers (issue 23): the composer in a narrow chat column, the Russian filter
toolbar at 1366 px, relative times that re-age, sticky day separators."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenantdesk.chat.models import Message
from tests.e2e.test_console_sweep_browser import demo, open_as  # noqa: F401  (a fixture)
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def people():
    organisation = OrganisationFactory(name="Rosa Dental LLC")
    customer = CustomerFactory(organisation=organisation, first_name="Rosa", last_name="Klein")
    manager = ManagerFactory(first_name="Anna", last_name="Ivanova")
    return customer, manager, make_service_request(customer, title="Leaking pipe in office 101")


# The composer's row: its width, the message box's, and each button's width and whether its
# words are on screen (a clipped 1 px box is for screen readers only).
COMPOSER = """() => {
  const row = document.querySelector("[data-chat-row]").getBoundingClientRect();
  const input = document.querySelector("[data-chat-text]").getBoundingClientRect();
  const button = (selector) => {
    const box = document.querySelector(selector).getBoundingClientRect();
    const words = document.querySelector(`${selector} .chat-button-text`).getBoundingClientRect();
    return { width: box.width, wordsShown: words.width > 1 };
  };
  return { row: row.width, input: input.width, send: button(".chat-send"),
           attach: button(".chat-attach") };
}"""


def test_a_narrow_chat_column_gets_icon_buttons_with_their_names(asgi_server, new_context, people):
    customer, manager, service_request = people
    base = asgi_server.url
    page = open_as(new_context, base, manager, locale="ru-RU", viewport=DESKTOP).new_page()
    page.goto(f"{base}/request/{service_request.pk}")
    expect(page.get_by_test_id("list-pane")).to_be_visible()  # the list pane beside…
    expect(page.locator("#request-details")).to_be_visible()  # …and the details
    narrow = page.evaluate(COMPOSER)
    assert narrow["row"] < 560  # the case: ~420 px between the list pane and the details
    for name in ("send", "attach"):
        assert not narrow[name]["wordsShown"] and narrow[name]["width"] <= 44, narrow
    assert narrow["input"] >= narrow["row"] - 2 * 44 - 2 * 16, narrow
    expect(page.get_by_role("button", name="Отправить")).to_be_visible()
    expect(page.get_by_label("Прикрепить фото или видео")).to_be_attached()

    # A wide chat column keeps the words.
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function("() => document.querySelector('[data-chat-row]').offsetWidth >= 560")
    wide = page.evaluate(COMPOSER)
    assert wide["send"]["wordsShown"] and wide["attach"]["wordsShown"], wide


# Each filter menu: its row (top) and whether its chosen text fits between its padding.
FILTERS = """() => [...document.querySelectorAll("[data-filter-fields] .list-filter")].map((f) => {
  const select = f.querySelector("select");
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const text = context.measureText(select.selectedOptions[0].text).width;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return { name: select.name, top: Math.round(f.getBoundingClientRect().top), fits: text <= room };
})"""


def test_the_russian_filter_toolbar_is_one_row_at_1366(
    asgi_server,
    new_context,
    demo,  # noqa: F811  (seed_demo's building and types make Russian's menus wide)
):
    base = asgi_server.url
    page = open_as(new_context, base, demo["manager"], locale="ru-RU", viewport=DESKTOP).new_page()
    page.goto(f"{base}/request/list")
    filters = page.evaluate(FILTERS)
    assert len(filters) == 5
    assert {f["top"] for f in filters} == {filters[0]["top"]}, filters
    assert all(f["fits"] for f in filters), filters


def test_relative_times_in_the_list_re_age_every_minute(asgi_server, new_context, people):
    customer, _manager, service_request = people
    base = asgi_server.url
    page = open_as(new_context, base, customer, viewport=DESKTOP).new_page()
    page.clock.install(time=datetime.now())
    page.goto(f"{base}/request/list")
    time = page.get_by_test_id("request-list").locator("time.conv-time").first
    expect(time).to_have_text("just now")

    page.clock.fast_forward("02:00")
    expect(time).to_have_text("2 min")
    page.clock.fast_forward("01:00:00")
    moment = datetime.fromisoformat(time.get_attribute("datetime"))
    later = timezone.localtime(timezone.now() + timedelta(minutes=62), moment.tzinfo)
    expected = moment.strftime("%H:%M") if later.date() == moment.date() else "Yesterday"
    expect(time).to_have_text(expected)
    assert service_request.title in page.get_by_test_id("request-list").inner_text()


# Where each day's pill is, against the top of the message log.
DAY_PILLS = """() => {
  const top = document.querySelector("[data-chat-log]").getBoundingClientRect().top;
  return [...document.querySelectorAll(".chat-day")].map((day) => {
    const pill = day.querySelector(".chat-day-label").getBoundingClientRect();
    return { day: day.dataset.day, top: Math.round(pill.top - top), width: pill.width };
  });
}"""


def test_day_separators_stick_to_the_top_of_the_log(asgi_server, new_context, people):
    customer, manager, service_request = people
    now = timezone.localtime()
    yesterday = now - timedelta(days=1)
    for day, count in ((yesterday, 20), (now, 20)):
        for number in range(count):
            message = Message.objects.create(
                service_request=service_request,
                author=manager if number % 2 else customer,
                by_manager=bool(number % 2),
                text=f"Message {number} of {day:%d %B}: the pipe under the sink still drips.",
            )
            at = day.replace(hour=9, minute=0) + timedelta(minutes=3 * number)
            Message.objects.filter(pk=message.pk).update(created_at=at, delivered_at=at)
    base = asgi_server.url
    page = open_as(new_context, base, customer, viewport=DESKTOP).new_page()
    page.goto(f"{base}/request/{service_request.pk}")
    expect(page.locator(".chat-day")).to_have_count(2)
    log = page.locator("[data-chat-log]")
    page.wait_for_function(
        "() => { const l = document.querySelector('[data-chat-log]');"
        " return l.scrollHeight > l.clientHeight * 2 && l.scrollTop > 0; }"
    )

    # At the bottom (today's messages) today's pill is at the top of the log, exactly over
    # yesterday's, which piles up under it.
    log.evaluate("(l) => { l.scrollTop = l.scrollHeight; }")
    earlier, today = page.evaluate(DAY_PILLS)
    assert 0 <= today["top"] <= 16, today
    assert (earlier["top"], earlier["width"]) == (today["top"], today["width"])

    # In the middle of yesterday: yesterday's pill is at the top, today's further down.
    log.evaluate(
        "(l) => { const m = l.querySelectorAll('.chat-messages > li:not(.chat-day)')[10];"
        " l.scrollTop += m.getBoundingClientRect().top - l.getBoundingClientRect().top - 40; }"
    )
    earlier, today = page.evaluate(DAY_PILLS)
    assert 0 <= earlier["top"] <= 16 and today["top"] > 200, (earlier, today)
