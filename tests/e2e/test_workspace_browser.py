"""The manager's workspace in Chromium: a manager takes a request (the customer sees
"Assigned to …" live in the chat), sets it urgent, finds it under Mine and Overdue; the
queues with tabs and due times in both languages, on a desktop and at 390 px."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tenantdesk.chat.models import SavedReply
from tenantdesk.service_requests.models import ServiceRequest
from tests.e2e.accessibility import assert_accessible
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.chat.helpers import make_service_request, session_cookie
from tests.unit.service_requests.helpers import bulk_requests

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def open_as(new_context, base, user, *, lang="en", size="desktop"):
    context = new_context(locale="ru-RU" if lang == "ru" else "en-GB", viewport=SIZES[size])
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(user), "url": base, "httpOnly": True}]
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return page


@pytest.fixture
def people():
    organisation = OrganisationFactory(name="Rosa Dental LLC")
    customer = CustomerFactory(organisation=organisation, username="rosa")
    manager = ManagerFactory(username="ivanova", first_name="Anna", last_name="Ivanova")
    # Opened an hour ago: made urgent now, its 15-minute first response is already overdue.
    service_request = make_service_request(customer, title="Leaking pipe in office 101")
    created = timezone.now() - timedelta(hours=1)
    ServiceRequest.objects.filter(pk=service_request.pk).update(
        created_at=created,
        first_response_due_at=created + timedelta(hours=4),
        resolution_due_at=created + timedelta(days=3),
    )
    return customer, manager, service_request


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_manager_takes_a_request_and_finds_it_in_mine_and_overdue(
    asgi_server, new_context, screenshot, people, lang
):
    customer, manager, service_request = people
    base = asgi_server.url
    cust = open_as(new_context, base, customer, lang=lang)
    cust.goto(f"{base}/request/{service_request.pk}")
    cust.wait_for_selector("[data-chat-connection][data-state=online]")
    assert cust.locator("[data-testid=take]").count() == 0  # a customer is not offered it

    mgr = open_as(new_context, base, manager, lang=lang)
    mgr.goto(f"{base}/request/{service_request.pk}")
    mgr.click("[data-testid=assignee-menu-button]")
    mgr.click("[data-testid=take]")
    mgr.wait_for_selector("[data-testid=unassign]", state="attached")
    assert "Anna Ivanova" in mgr.locator("[data-testid=request-assignee]").inner_text()

    # The customer's open chat gets the system message live, in the customer's language.
    assigned = "Назначена: Anna Ivanova" if lang == "ru" else "Assigned to Anna Ivanova"
    cust.locator(".chat-message.is-system .chat-text", has_text=assigned).wait_for()

    mgr.click("[data-testid=priority-menu-button]")
    mgr.click("[data-priority-choice=urgent]")
    mgr.wait_for_selector("[data-testid=request-priority] [data-priority=urgent]")
    priority_text = "Приоритет изменён" if lang == "ru" else "Priority changed"
    cust.locator(".chat-message.is-system .chat-text", has_text=priority_text).wait_for()
    assert mgr.locator("[data-testid=request-due] [data-due=overdue]").count() == 1
    assert_accessible(mgr)
    screenshot(mgr, f"workspace-detail-{lang}-manager")
    screenshot(cust, f"workspace-detail-{lang}-customer")

    for tab in ("mine", "overdue"):
        mgr.goto(f"{base}/request/list?tab={tab}")
        row = mgr.locator(f"[data-request-id='{service_request.pk}']")
        row.wait_for()
        assert row.locator("[data-due=overdue]").count() >= 1
        assert mgr.locator(f"[data-tab-count={tab}]").inner_text() == "1"
        assert mgr.locator(f"[data-tab={tab}][aria-current=page]").count() == 1
    assert cust.errors == [] and mgr.errors == []


@pytest.fixture
def busy_queue(people):
    """The list of a busy morning: urgent, overdue, answered, unassigned, closed, old."""
    customer, manager, service_request = people
    other = OrganisationFactory(name="Northwind Logistics")
    now = timezone.now()
    rows = bulk_requests(other, CustomerFactory(organisation=other), 5, type="electrical")
    titles = [
        "No power in the server room",
        "Flickering lights in the hall",
        "Socket sparks near the window",
        "Replace the bulbs in room 12",
        "Old request from before due times",
    ]
    updates = [
        {"priority": "urgent", "first_response_due_at": now + timedelta(minutes=12)},
        {"assignee": manager, "first_response_due_at": now - timedelta(minutes=50)},
        {
            "status": "in_progress",
            "assignee": manager,
            "priority": "high",
            "first_response_at": now - timedelta(hours=1),
            "first_response_due_at": now,
            "resolution_due_at": now + timedelta(hours=5),
        },
        {"status": "closed", "priority": "low", "closed_at": now},
        {},
    ]
    for sr, title, fields in zip(rows, titles, updates, strict=True):
        fields.setdefault("resolution_due_at", now + timedelta(days=2) if fields else None)
        ServiceRequest.objects.filter(pk=sr.pk).update(title=title, **fields)
    ServiceRequest.objects.filter(pk=service_request.pk).update(
        priority="urgent", assignee=manager, first_response_due_at=now - timedelta(minutes=45)
    )
    return manager


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_screenshots_of_the_queues(asgi_server, new_context, screenshot, busy_queue, lang, size):
    base = asgi_server.url
    page = open_as(new_context, base, busy_queue, lang=lang, size=size)
    page.goto(f"{base}/request/list")
    page.wait_for_selector("#request-list-tabs [data-tab=active][aria-current=page]")
    assert page.locator("#request-list-rows [data-request-id]").count() == 5
    if size == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    overdue = "просрочено" if lang == "ru" else "overdue"
    assert page.locator("[data-due=overdue]:visible", has_text=overdue).count() >= 1
    assert_accessible(page)
    screenshot(page, f"workspace-list-{lang}-{size}")
    page.goto(f"{base}/request/list?tab=mine&sort=due")
    page.wait_for_selector("[data-tab=mine][aria-current=page]")
    assert page.locator("#request-list-rows [data-request-id]").count() == 3
    screenshot(page, f"workspace-mine-{lang}-{size}")
    assert page.errors == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_saved_replies_by_slash_and_by_the_picker(
    asgi_server, new_context, screenshot, people, lang
):
    customer, manager, service_request = people
    SavedReply.objects.create(
        title="Need a photo", text_en="Please send a photo.", text_ru="Пришлите фото.", position=1
    )
    SavedReply.objects.create(
        title="Plumber today",
        text_en="A plumber will come today.",
        text_ru="Сантехник придёт сегодня.",
        position=2,
    )
    base = asgi_server.url
    cust = open_as(new_context, base, customer, lang=lang)
    cust.goto(f"{base}/request/{service_request.pk}")
    cust.wait_for_selector("[data-chat-connection][data-state=online]")
    assert cust.locator("[data-saved-replies-toggle]").count() == 0

    mgr = open_as(new_context, base, manager, lang=lang, size="phone")
    mgr.goto(f"{base}/request/{service_request.pk}")
    mgr.wait_for_selector("[data-chat-connection][data-state=online]")
    # "/" and a few letters: the list narrows as you type; Enter takes the highlighted one.
    mgr.locator("[data-chat-text]").press_sequentially("/plumb")
    mgr.wait_for_function("() => document.querySelectorAll('[data-saved-reply]').length === 1")
    assert_accessible(mgr)
    screenshot(mgr, f"workspace-saved-replies-{lang}-phone")
    mgr.keyboard.press("Enter")
    plumber = "Сантехник придёт сегодня." if lang == "ru" else "A plumber will come today."
    assert mgr.locator("[data-chat-text]").input_value() == plumber
    assert mgr.locator("[data-saved-replies-panel]").is_hidden()
    assert not mgr.locator("[data-chat-send]").is_disabled()  # the composer saw the text
    # Nothing was sent by choosing; Enter now sends it.
    mgr.keyboard.press("Enter")
    cust.locator(".chat-text", has_text=plumber).wait_for()

    # The button: a filter box, arrow keys, Enter.
    mgr.click("[data-saved-replies-toggle]")
    mgr.locator("#saved-replies-filter").fill("photo")
    mgr.wait_for_function("() => document.querySelectorAll('[data-saved-reply]').length === 1")
    mgr.keyboard.press("Enter")
    photo = "Пришлите фото." if lang == "ru" else "Please send a photo."
    assert mgr.locator("[data-chat-text]").input_value() == photo
    assert cust.errors == [] and mgr.errors == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_request_taken_by_phone(asgi_server, new_context, screenshot, people, lang):
    customer, manager, _service_request = people
    organisation = customer.organisation
    base = asgi_server.url
    mgr = open_as(new_context, base, manager, lang=lang, size="phone")
    mgr.goto(f"{base}/request/list")
    mgr.click("[data-testid=new-by-phone]")
    mgr.wait_for_selector("[data-testid=phone-request-form]")
    # The search box offers every organisation (a datalist); choosing fills "Name (#id)".
    options = mgr.locator("#organisation-options option")
    assert f"{organisation.name} (#{organisation.pk})" in [
        options.nth(i).get_attribute("value") for i in range(options.count())
    ]
    mgr.fill("#id_organisation", f"{organisation.name} (#{organisation.pk})")
    mgr.click("label[data-type=electrical]")
    mgr.fill("#id_title", "No light in the corridor")
    mgr.fill("#id_description", "Called at 9:10: the corridor on floor 2 is dark.")
    mgr.fill("#id_office", "210")
    mgr.select_option("#id_priority", "high")
    assert mgr.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(mgr)
    screenshot(mgr, f"workspace-phone-request-{lang}-phone")
    mgr.click("[data-testid=phone-request-form] button[type=submit]")
    mgr.wait_for_selector("[data-chat-connection][data-state=online]")
    created = ServiceRequest.objects.get(title="No light in the corridor")
    assert created.author == manager and created.priority == "high" and not created.photo

    # The organisation's member sees it in their list and opens its chat.
    cust = open_as(new_context, base, customer, lang=lang)
    cust.goto(f"{base}/request/list")
    cust.click(f"[data-request-id='{created.pk}'] a")
    cust.wait_for_selector("[data-chat-connection][data-state=online]")
    assert cust.errors == [] and mgr.errors == []
