"""The people walkthroughs as new users would do them (issue 21). An organisation: register,
invite a colleague, the colleague accepts from the e-mail a real SMTP server received, both
see the organisation's request, the admin removes the colleague and the colleague's open
chat closes at once. The company: a company admin invites a manager, writes a saved reply
in the app, and the new manager uses it in a chat. Every admin page passes axe."""

import re

import pytest
from playwright.sync_api import expect

from tenantdesk.accounts.models import User
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CustomerFactory, ManagerFactory
from tests.smtp import smtp_server
from tests.unit.notifications.email_helpers import run_worker
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db(transaction=True)

OLGA_PASSWORD = "tall-Giraffe-eats-7-leaves"
NINA_PASSWORD = "river-Stone-42-lantern"


def submit(page, form="main form"):
    with page.expect_navigation() as navigation:
        page.click(f"{form} button[type=submit]")
    return navigation.value.status


def register(page, base_url):
    page.goto(base_url + "/accounts/register")
    page.fill("#id_name", "Olga Smirnova")
    page.fill("#id_username", "olga")
    page.fill("#id_email", "olga@example.com")
    page.fill("#id_password1", OLGA_PASSWORD)
    page.fill("#id_password2", OLGA_PASSWORD)
    page.fill("#id_organisation_name", "Rainbow Ltd")
    page.fill("#id_organisation_address", "Office 204, 5 Lenina Street")
    page.fill("#id_organisation_phone", "+79090951670")
    assert submit(page) == 200
    page.wait_for_url(base_url + "/request/new")


def test_register_invite_accept_share_and_remove(asgi_server, new_context, settings, screenshot):
    base = asgi_server.url
    olga = new_context(locale="en-GB").new_page()
    register(olga, base)
    request = create_request(User.objects.get(username="olga"), title="The lift is stuck")

    olga.get_by_test_id("nav-members").click()
    olga.wait_for_url(base + "/org/members")
    assert_accessible(olga)
    olga.fill("#id_email", "nina@example.com")
    olga.select_option("#id_language", "en")
    assert submit(olga, "[data-testid=invite-form]") == 200
    expect(olga.locator(".alert-success")).to_contain_text("Invitation sent to nina@example.com")
    expect(olga.get_by_test_id("invitations")).to_contain_text("nina@example.com")
    screenshot(olga, "people-members-en")

    # The task worker sends the e-mail to a real SMTP server.
    settings.SITE_URL = base
    with smtp_server(settings) as inbox:
        run_worker()
    ((_when, _to, message),) = inbox.to("nina@example.com")
    assert "Olga Smirnova invites you to Rainbow Ltd" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(re.escape(base) + r"/accounts/invite/[A-Za-z0-9_-]+", text).group(0)

    nina = new_context(locale="en-GB").new_page()
    nina.goto(link)
    expect(nina.locator("h1")).to_have_text("Join Rainbow Ltd")
    assert_accessible(nina)
    nina.fill("#id_name", "Nina Volkova")
    nina.fill("#id_password1", NINA_PASSWORD)
    nina.fill("#id_password2", NINA_PASSWORD)
    assert submit(nina) == 200
    expect(nina.locator(".alert-success")).to_contain_text("You sign in as nina@example.com")
    expect(nina.get_by_test_id("nav-user")).to_contain_text("Nina Volkova · Rainbow Ltd")
    # A member: no Members page in the navigation.
    expect(nina.get_by_test_id("nav-members")).to_have_count(0)

    # Both see the organisation's request: the newcomer, with nothing of her own yet, on
    # the Organisation tab; she opens its chat.
    nina.goto(base + "/request/list")
    expect(nina.locator("main")).to_contain_text("The lift is stuck")
    expect(nina.get_by_test_id("scope-tabs").locator("[aria-current=page]")).to_contain_text(
        "Organisation"
    )
    nina.goto(f"{base}/request/{request.pk}")
    nina.wait_for_selector("[data-chat-connection][data-state=online]")

    olga.goto(base + "/org/members")
    nina_id = User.objects.get(email="nina@example.com").pk
    olga.locator(f"[data-member='{nina_id}'] a", has_text="Remove").click()
    expect(olga.locator("h1")).to_have_text("Remove Nina Volkova?")
    assert submit(olga) == 200
    expect(olga.locator(".alert-success")).to_contain_text("Nina Volkova was removed")
    expect(olga.locator(f"[data-member='{nina_id}']")).to_contain_text("Former member")

    # The removed colleague's open chat is closed for good, within two seconds …
    nina.wait_for_selector("[data-chat-connection][data-state=stopped]", timeout=2000)
    # … and the next page asks them to sign in.
    nina.reload()
    expect(nina).to_have_url(re.compile(r"/accounts/login\?next="))

    olga.goto(base + "/org/activity")
    assert_accessible(olga)
    kinds = olga.locator("[data-testid=activity] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.kind)"
    )
    assert kinds == ["removed", "joined", "invited"]


def test_a_company_admin_invites_a_manager_edits_a_saved_reply_and_the_manager_uses_it(
    asgi_server, new_context, settings, screenshot
):
    base = asgi_server.url
    boss = ManagerFactory(company_admin=True, first_name="Irina Belova")
    customer = CustomerFactory(first_name="Olga")
    request = create_request(customer, title="The heating is off")

    admin = new_context(locale="en-GB").new_page()
    sign_in(admin, base, boss.username, PASSWORD)
    admin.wait_for_url(base + "/request/list")
    admin.get_by_test_id("nav-team").click()
    admin.wait_for_url(base + "/company/team")
    assert_accessible(admin)
    admin.fill("#id_email", "sergey@example.com")
    assert submit(admin, "[data-testid=invite-form]") == 200
    expect(admin.locator(".alert-success")).to_contain_text("Invitation sent to sergey@example.com")
    screenshot(admin, "people-team-en")

    settings.SITE_URL = base
    with smtp_server(settings) as inbox:
        run_worker()
    ((_when, _to, message),) = inbox.to("sergey@example.com")
    assert "the management company's team" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(re.escape(base) + r"/accounts/invite/[A-Za-z0-9_-]+", text).group(0)

    sergey = new_context(locale="en-GB").new_page()
    sergey.goto(link)
    sergey.fill("#id_name", "Sergey Volkov")
    sergey.fill("#id_password1", NINA_PASSWORD)
    sergey.fill("#id_password2", NINA_PASSWORD)
    assert submit(sergey) == 200
    expect(sergey.get_by_test_id("nav-user")).to_contain_text("Sergey Volkov · manager")
    expect(sergey.get_by_test_id("nav-team")).to_have_count(0)

    # The company admin writes a saved reply in the app, in both languages.
    admin.goto(base + "/company/saved-replies")
    assert_accessible(admin)
    admin.fill("#id_title", "Heating engineer")
    admin.fill("#id_text_en", "A heating engineer is on the way.")
    admin.fill("#id_text_ru", "Инженер по отоплению уже едет.")
    assert submit(admin, "[data-testid=saved-reply-form]") == 200
    expect(admin.get_by_test_id("in-use")).to_contain_text("Heating engineer")

    # The new manager picks it in the chat and sends it.
    sergey.goto(f"{base}/request/{request.pk}")
    sergey.wait_for_selector("[data-chat-connection][data-state=online]")
    sergey.locator("[data-chat-text]").press_sequentially("/heat")
    sergey.wait_for_function("() => document.querySelectorAll('[data-saved-reply]').length === 1")
    sergey.keyboard.press("Enter")
    assert sergey.locator("[data-chat-text]").input_value() == "A heating engineer is on the way."
    sergey.keyboard.press("Enter")
    sergey.locator(".chat-message.is-mine .chat-text", has_text="heating engineer").wait_for()
