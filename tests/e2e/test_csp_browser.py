"""Every page in Chromium, both roles, both languages: under the Content-Security-Policy and
checked by axe-core.

The `csp_violations` fixture (conftest.py) fails any browser test whose pages report a
violation or arrive without a policy; these tests make sure every page is visited under it,
with the scripts on them doing their work (the chat's socket, uploads and previews, the
language switch, the lock-out countdown, the admin's widgets). On the same walk axe-core
(tests/e2e/accessibility.py) fails any page with a serious or critical accessibility
violation; the chat is checked once its messages, photos and videos are in.
"""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from tenantdesk.chat.models import Attachment, Message
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    ManagerFactory,
    OrganisationFactory,
    UserFactory,
    image_bytes,
)
from tests.unit.chat.helpers import make_service_request, mp4_bytes, webm_bytes

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = [("en-GB", "en"), ("ru-RU", "ru")]


@pytest.fixture(scope="module", autouse=True)
def _compiled_translations():
    from django.core.management import call_command

    call_command("compiletranslations", verbosity=0)


@pytest.fixture
def people():
    customer = CustomerFactory(organisation=OrganisationFactory(name="Rosa Dental LLC"))
    manager = ManagerFactory()
    return customer, manager


@pytest.fixture
def service_request(people):
    """A request whose chat already holds a photo and a video (stored, not sent: nobody
    is connected yet, and this process cannot broadcast)."""
    customer, _manager = people
    service_request = make_service_request(customer)
    message = Message.objects.create(
        service_request=service_request, author=customer, text="Photo and video of the leak"
    )
    photo = image_bytes(800, 600)
    Attachment.objects.create(
        message=message,
        kind=Attachment.Kind.PHOTO,
        file=ContentFile(photo, "leak.jpg"),
        thumbnail=ContentFile(image_bytes(320, 240), "thumb.jpg"),
        content_type="image/jpeg",
        size=len(photo),
        width=800,
        height=600,
        original_name="leak.jpg",
    )
    video = mp4_bytes()
    Attachment.objects.create(
        message=message,
        kind=Attachment.Kind.VIDEO,
        file=ContentFile(video, "clip.mp4"),
        content_type="video/mp4",
        extension="mp4",
        size=len(video),
        original_name="clip.mp4",
    )
    return service_request


def visit(page, url, lang, status=200, *, check=True):
    """Opens a page; checks its language and (unless told it is not ready yet) axe."""
    response = page.goto(url)
    assert response.status == status, url
    expect(page.locator("html")).to_have_attribute("lang", lang)
    if check:
        assert_accessible(page)
    return response


def open_signed_in(new_context, base, locale, user):
    page = new_context(locale=locale).new_page()
    sign_in(page, base, user.username, PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    return page


def chat_works(page, photos, videos):
    """The socket is up, and every photo and video in the chat has loaded (or failed to);
    then the page as it now is passes axe."""
    page.wait_for_selector("[data-chat-connection][data-state=online]")
    expect(page.locator("img.chat-photo")).to_have_count(photos)
    expect(page.locator("video.chat-video")).to_have_count(videos)
    page.wait_for_function(
        """() => [...document.querySelectorAll('img.chat-photo')].every(i => i.naturalWidth > 0)
            && [...document.querySelectorAll('video.chat-video')]
                 .every(v => v.readyState > 0 || v.error)"""
    )
    assert_accessible(page)


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_signed_out_pages(asgi_server, new_context, locale, lang):
    base = asgi_server.url
    page = new_context(locale=locale).new_page()
    for path in ("/", "/accounts/register", "/accounts/login"):
        visit(page, base + path, lang)
    visit(page, base + "/no-such-page", lang, status=404)

    # The language switch is a static script now; it still submits on change.
    other = "ru" if lang == "en" else "en"
    visit(page, base + "/accounts/register", lang)
    with page.expect_navigation():
        page.select_option("#language-select", other)
    expect(page.locator("html")).to_have_attribute("lang", other)
    with page.expect_navigation():
        page.select_option("#language-select", lang)

    # The locked-out page, and its countdown (also a static script now) reaching zero.
    customer = CustomerFactory()
    for expected in (200, 200, 200, 429):
        page.goto(base + "/accounts/login")
        page.fill("#id_username", customer.username)
        page.fill("#id_password", "wrong-password")
        with page.expect_navigation() as navigation:
            page.click("main form button[type=submit]")
        assert navigation.value.status == expected
    expect(page.get_by_test_id("locked-out")).to_be_visible()
    expect(page.locator("#ready-text")).to_be_visible(timeout=6000)
    # At zero the countdown gives way and the sign-in form under it is usable again.
    expect(page.locator("#lockout-countdown")).to_be_hidden()
    expect(page.locator("#lockout-form input[name=username]")).to_be_enabled()


def test_language_switch_without_javascript(asgi_server, new_context):
    page = new_context(java_script_enabled=False).new_page()
    # No axe here: it is a script too (and the same page is checked with scripts on).
    visit(page, asgi_server.url + "/accounts/register", "en", check=False)
    page.select_option("#language-select", "ru")
    with page.expect_navigation():
        page.click("#language-form button[type=submit]")  # the <noscript> button
    assert page.url == asgi_server.url + "/accounts/register"
    expect(page.locator("html")).to_have_attribute("lang", "ru")


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_customer_pages(asgi_server, new_context, tmp_path, people, service_request, locale, lang):
    base = asgi_server.url
    customer, _manager = people
    page = open_signed_in(new_context, base, locale, customer)
    for path in ("/", "/request/new", "/request/list"):
        visit(page, base + path, lang)
    visit(page, base + "/no-such-page", lang, status=404)
    visit(page, f"{base}/request/{service_request.pk + 1000}", lang, status=404)
    # Not staff: the admin site answers with its own sign-in page.
    visit(page, base + "/admin/", lang)
    expect(page.locator("#login-form")).to_be_visible()

    visit(page, f"{base}/request/{service_request.pk}", lang, check=False)
    chat_works(page, photos=1, videos=1)
    # New attachments: previews from blob: URLs, an upload with a progress bar.
    photo = tmp_path / "more.jpg"
    photo.write_bytes(image_bytes(800, 600))
    video = tmp_path / "more.webm"
    video.write_bytes(webm_bytes())
    page.set_input_files("[data-chat-files]", [str(photo), str(video)])
    page.wait_for_function(
        """() => [...document.querySelectorAll('.chat-preview img')].every(i => i.naturalWidth > 0)
            && [...document.querySelectorAll('.chat-preview video')]
                 .every(v => v.readyState > 0 || v.error)"""
    )
    page.fill("[data-chat-text]", "Two more")
    page.click("[data-chat-send]")
    page.locator(".chat-message", has_text="Two more").locator("img.chat-photo").wait_for()
    chat_works(page, photos=2, videos=2)


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_manager_pages(asgi_server, new_context, people, service_request, locale, lang):
    base = asgi_server.url
    _customer, manager = people
    page = open_signed_in(new_context, base, locale, manager)
    for path in ("/", "/request/list"):
        visit(page, base + path, lang)
    visit(page, base + "/request/new", lang)  # a request taken by phone (issue 12)
    visit(page, base + "/no-such-page", lang, status=404)
    visit(page, f"{base}/request/{service_request.pk}", lang, check=False)
    chat_works(page, photos=1, videos=1)

    # The admin site, as a manager uses it: the index, a list and a request's page with
    # its photo, a message with its attachments.
    visit(page, base + "/admin/", lang)
    visit(page, base + "/admin/service_requests/servicerequest/", lang)
    visit(page, f"{base}/admin/service_requests/servicerequest/{service_request.pk}/change/", lang)
    photo = page.locator(".field-photo_link img")
    page.wait_for_function("(img) => img.naturalWidth > 0", arg=photo.element_handle())
    # Sized by the admin stylesheet now that an inline style would be blocked.
    assert photo.bounding_box()["width"] <= 240
    message = service_request.messages.get()
    visit(page, f"{base}/admin/chat/message/{message.pk}/change/", lang)


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_administrator_pages(asgi_server, new_context, people, locale, lang):
    base = asgi_server.url
    customer, _manager = people
    UserFactory(username="root", is_staff=True, is_superuser=True)
    page = new_context(locale=locale).new_page()
    visit(page, base + "/admin/login/", lang)
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
    expect(page.locator("#site-name")).to_be_visible()
    for path in ("/admin/", "/admin/accounts/signinevent/", "/admin/accounts/user/"):
        visit(page, base + path, lang)
    # The heaviest admin page: two-list selectors for groups and permissions, and an
    # autocomplete for the organisation, all built by the admin's scripts.
    visit(page, f"{base}/admin/accounts/user/{customer.pk}/change/", lang)
    expect(page.locator("#id_groups_from")).to_be_visible()
    page.click(".field-organisation .select2-selection")
    expect(page.locator(".select2-results__option", has_text="Rosa Dental LLC")).to_be_visible()
    visit(page, f"{base}/admin/accounts/organisation/{customer.organisation.pk}/change/", lang)
    visit(page, base + "/admin/accounts/user/add/", lang)


def test_the_recorder_catches_inline_code_but_not_json_data(
    asgi_server, new_context, csp_violations
):
    """The fixture that guards every browser test can fail: inline script, handler and
    style are reported under the site's own policy; a json_script data block is not."""
    base = asgi_server.url
    page = new_context().new_page()
    policy = page.request.get(base + "/").headers["content-security-policy"]
    probe = (
        "<!doctype html><html lang=en><body>"
        '<script id="data" type="application/json">{"a": 1}</script>'
        "<script>document.title = 'ran'</script>"
        '<button onclick="void 0">x</button>'
        '<p style="color: red">x</p>'
        "</body></html>"
    )
    page.route(
        base + "/csp-probe",
        lambda route: route.fulfill(
            body=probe, content_type="text/html", headers={"Content-Security-Policy": policy}
        ),
    )
    page.goto(base + "/csp-probe")
    csp_violations.settle()
    assert page.title() == ""  # the inline script did not run
    assert sorted(v["directive"] for v in csp_violations) == [
        "script-src-attr",
        "script-src-elem",
        "style-src-attr",
    ]
    csp_violations.clear()

    page.route(
        base + "/no-policy", lambda route: route.fulfill(body="<p>x", content_type="text/html")
    )
    page.goto(base + "/no-policy")
    assert [v["directive"] for v in csp_violations] == ["(no policy sent)"]
    csp_violations.clear()
