import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_renders_in_chromium(asgi_server, page, screenshot):
    page.goto(asgi_server.url + "/")
    assert page.locator("a[href='/accounts/register']").is_visible()
    screenshot(page, "smoke-home")
