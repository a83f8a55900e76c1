"""Announcements as people would use them (issue 22): a manager posts one in the app for
a building, the members of the organisation leasing there get it by e-mail (a real SMTP
server) and see it as a banner in their language; one closes it without a reload, another
with JavaScript off; closed stays closed. Both pages pass axe."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenantdesk.announcements.models import Announcement
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import (
    PASSWORD,
    BuildingFactory,
    CustomerFactory,
    LeaseFactory,
    ManagerFactory,
    PremisesFactory,
)
from tests.smtp import smtp_server
from tests.unit.notifications.email_helpers import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment, timezone.get_fixed_timezone(180)).strftime("%Y-%m-%dT%H:%M")


def _signed_in(url: str) -> bool:
    return "/accounts/login" not in url


def test_post_email_banner_and_dismiss(asgi_server, new_context, settings, screenshot):
    base = asgi_server.url
    building = BuildingFactory(name="Alpha House", time_zone="Europe/Moscow")
    lease = LeaseFactory(premises=PremisesFactory(building=building))
    olga = CustomerFactory(username="olga", organisation=lease.organisation, language="ru")
    nina = CustomerFactory(username="nina", organisation=lease.organisation)
    ManagerFactory(username="anna")

    manager = new_context(locale="en-GB").new_page()
    sign_in(manager, base, "anna", PASSWORD)
    manager.wait_for_url(_signed_in)
    manager.goto(base + "/announcements/new")
    assert_accessible(manager)
    manager.get_by_label("Alpha House (Europe/Moscow)").check()
    manager.fill("#id_title_en", "Water off on Tuesday")
    manager.fill("#id_title_ru", "Во вторник нет воды")
    manager.fill("#id_text_en", "Pipes are replaced.\nKeep taps closed.")
    manager.fill("#id_text_ru", "Меняем трубы.\nКраны закрыть.")
    now = timezone.now()
    manager.fill("#id_starts_at", _local(now - datetime.timedelta(hours=1)))
    manager.fill("#id_ends_at", _local(now + datetime.timedelta(hours=4)))
    with manager.expect_navigation():
        manager.click("[data-testid=announcement-form] button[type=submit]")
    expect(manager.locator(".alert-success")).to_contain_text("Water off on Tuesday")
    expect(manager.get_by_test_id("announcements-current")).to_contain_text("Alpha House")
    assert_accessible(manager)
    screenshot(manager, "announcements-list-en")
    assert Announcement.objects.get().time_zone == "Europe/Moscow"

    settings.SITE_URL = base
    with smtp_server(settings) as inbox:
        run_worker()
    ((_when, _to, message),) = inbox.to(olga.email)
    assert "Во вторник нет воды" in message["Subject"]
    assert len(inbox.to(nina.email)) == 1

    # Olga (Russian) closes the banner; the page does not reload.
    page = new_context(locale="ru-RU").new_page()
    sign_in(page, base, "olga", PASSWORD)
    page.wait_for_url(_signed_in)
    page.goto(base + "/")
    banner = page.locator("[data-announcement]")
    expect(banner).to_contain_text("Во вторник нет воды")
    expect(banner).to_contain_text("Меняем трубы.")
    assert_accessible(page)
    screenshot(page, "announcement-banner-ru")
    page.evaluate("window.__stayed = true")
    banner.get_by_role("button").click()
    expect(banner).to_have_count(0)
    assert page.evaluate("window.__stayed") is True
    page.goto(base + "/request/list")
    expect(page.locator("[data-announcement]")).to_have_count(0)

    # Nina, without JavaScript: the form post comes back to the page she was on.
    # (Signed in with scripts on: without them the sign-in page's first button is the
    # language switcher's.)
    signing_in = new_context(locale="en-GB")
    nina_page = signing_in.new_page()
    sign_in(nina_page, base, "nina", PASSWORD)
    nina_page.wait_for_url(_signed_in)
    plain = new_context(
        locale="en-GB", java_script_enabled=False, storage_state=signing_in.storage_state()
    ).new_page()
    plain.goto(base + "/request/list")
    expect(plain.locator("[data-announcement]")).to_contain_text("Water off on Tuesday")
    with plain.expect_navigation():
        plain.locator("[data-announcement] button").click()
    assert plain.url == base + "/request/list"
    expect(plain.locator("[data-announcement]")).to_have_count(0)
