"""Screenshots of the main pages, in English and Russian, on a desktop and a 390 px phone,
with data like `make run`'s demo: the chat (photos, a status change, two days), the manager's
list, the create page, sign-in. Saved as test-artifacts/screenshots/ui-<page>-<lang>-<size>.png
to be looked at; each also checks that a phone needs no sideways scrolling and that the page
passes axe.

`make screenshots` (SCREENSHOTS=all) also runs test_every_page: every page, chosen by its
address (so it works whatever the markup), in both languages, light and dark, desktop
(1366×768) and phone (390×844), on seed_demo's data with this conversation, into
test-artifacts/screenshots/all/; tools/screenshots.py then copies four of them, made small,
to docs/screenshots/ for the README (docs/measuring-the-look.md)."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from harness.browser import EVERY_PAGE
from tenantdesk.chat.models import Message
from tenantdesk.service_requests.management.commands.seed_demo import (
    _demo_photo,
    create_demo_request,
)
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.status import (
    service_request_change_status,
)
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_chat_browser import photo_message
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.chat.helpers import session_cookie
from tests.unit.service_requests.helpers import bulk_requests

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module", autouse=True)
def _compiled_translations():
    from django.core.management import call_command

    call_command("compiletranslations", verbosity=0)


@pytest.fixture
def demo():
    """The demo's people and its request, with a conversation over two days."""
    organisation = OrganisationFactory(name="Demo Tenant LLC")
    customer = CustomerFactory(organisation=organisation, first_name="Ivan", last_name="Petrov")
    manager = ManagerFactory(first_name="Anna", last_name="Ivanova")
    service_request = create_demo_request(customer)
    converse(customer, manager, service_request)
    return customer, manager, service_request


def converse(customer, manager, service_request):
    """The demo's conversation over two days (a photo, an answer, a status change), and
    three requests of another organisation."""
    yesterday = timezone.localtime() - timedelta(days=1)
    at = {
        "opened": yesterday.replace(hour=9, minute=12),
        "photo": yesterday.replace(hour=9, minute=15),
        "answer": yesterday.replace(hour=9, minute=40),
        "status": yesterday.replace(hour=9, minute=41),
        "today": timezone.localtime().replace(hour=8, minute=5),
    }
    lamp = Image.open(_demo_photo())
    stamped = []
    stamped.append(
        (
            photo_message(
                service_request,
                customer,
                "Hello! The lamp is still flickering this morning.",
                image=lamp,
            ),
            at["photo"],
        )
    )
    stamped.append(
        (
            Message.objects.create(
                service_request=service_request,
                author=manager,
                by_manager=True,
                text="Good morning. An electrician will come to office 101 at 15:00.",
            ),
            at["answer"],
        )
    )
    service_request_change_status(
        actor=manager, service_request=service_request, status=ServiceRequest.Status.IN_PROGRESS
    )
    stamped.append((service_request.messages.get(kind=Message.Kind.SYSTEM), at["status"]))
    stamped.append(
        (
            photo_message(
                service_request,
                customer,
                "Fixed, thank you! It is steady now.",
                image=lamp.transpose(Image.Transpose.FLIP_LEFT_RIGHT).crop((100, 0, 700, 600)),
            ),
            at["today"],
        )
    )
    for message, when in stamped:
        Message.objects.filter(pk=message.pk).update(created_at=when, delivered_at=when)
    ServiceRequest.objects.filter(pk=service_request.pk).update(
        created_at=at["opened"], last_activity_at=at["today"]
    )
    other = OrganisationFactory(name="Rosa Dental LLC")
    bulk_requests(other, CustomerFactory(organisation=other), 3, type="plumbing")


def open_page(new_context, base, lang, size, user=None):
    context = new_context(locale=f"{lang}-RU" if lang == "ru" else "en-GB", viewport=SIZES[size])
    if user is not None:
        context.add_cookies(
            [{"name": "sessionid", "value": session_cookie(user), "url": base, "httpOnly": True}]
        )
    return context.new_page()


def take(page, screenshot, name):
    if page.viewport_size["width"] < 500:
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, name)
    assert_accessible(page)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_screenshots_of_the_main_pages(asgi_server, new_context, screenshot, demo, lang, size):
    base = asgi_server.url
    customer, manager, service_request = demo

    page = open_page(new_context, base, lang, size)
    page.goto(f"{base}/accounts/login")
    take(page, screenshot, f"ui-sign-in-{lang}-{size}")

    page = open_page(new_context, base, lang, size, customer)
    page.goto(f"{base}/request/new")
    take(page, screenshot, f"ui-create-{lang}-{size}")
    page.goto(f"{base}/request/{service_request.pk}")
    page.wait_for_selector("[data-chat-connection][data-state=online]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.chat-photo, img.request-photo-thumb')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator(".chat-day").count() == 2
    take(page, screenshot, f"ui-chat-{lang}-{size}")

    page = open_page(new_context, base, lang, size, manager)
    page.goto(f"{base}/request/list")
    take(page, screenshot, f"ui-list-{lang}-{size}")


# --- make screenshots: every page by its address ---------------------------------------

EVERY_SIZE = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
ALL = ARTIFACTS / "all"


@pytest.fixture
def demo_site(settings):
    """seed_demo's people, places and announcement, with the demo conversation."""
    from django.core.management import call_command

    from tenantdesk.accounts.models import User
    from tenantdesk.service_requests.management.commands.seed_demo import (
        DEMO_CUSTOMER,
        DEMO_MANAGER,
    )

    settings.DEMO_DATA = True
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    customer = User.objects.get(username=DEMO_CUSTOMER[0])
    manager = User.objects.get(username=DEMO_MANAGER[0])
    service_request = ServiceRequest.objects.filter(author=customer).earliest("pk")
    converse(customer, manager, service_request)
    return {"customer": customer, "manager": manager, "request": service_request}


def settled(page):
    """Waits for what any page needs before its picture, whatever its markup: the network
    quiet (a socket does not count), the fonts and every image in view loaded (a lazy one
    out of view never loads, and is not in the picture)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        """() => document.fonts.status === 'loaded' && [...document.images].every((image) => {
          const box = image.getBoundingClientRect();
          const inView = box.bottom > 0 && box.top < innerHeight && box.width > 0;
          return image.complete || !inView;
        })"""
    )


@pytest.mark.every_page  # only for `make screenshots` (SCREENSHOTS=all): tests/e2e/conftest.py
@pytest.mark.parametrize("size", EVERY_SIZE)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_page(asgi_server, new_context, demo_site, lang, scheme, size):
    base = asgi_server.url
    ALL.mkdir(parents=True, exist_ok=True)
    pages = {}
    for name, role, address in EVERY_PAGE:
        if role not in pages:
            context = new_context(
                locale=f"{lang}-RU" if lang == "ru" else "en-GB",
                viewport=EVERY_SIZE[size],
                color_scheme=scheme,
            )
            if role is not None:
                cookie = session_cookie(demo_site[role])
                context.add_cookies(
                    [{"name": "sessionid", "value": cookie, "url": base, "httpOnly": True}]
                )
            pages[role] = context.new_page()
        page = pages[role]
        response = page.goto(base + address.format(request=demo_site["request"].pk))
        assert response.status == (404 if name == "error-404" else 200), (name, response.status)
        settled(page)
        page.screenshot(path=str(ALL / f"{name}-{lang}-{scheme}-{size}.png"))
