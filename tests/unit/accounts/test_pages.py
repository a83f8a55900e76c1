"""The home page's variants, the languages, and the error pages."""

import pytest
from django.test import RequestFactory

from tenantdesk.core import views as core_views

pytestmark = pytest.mark.django_db
# The example phone numbers are written with no-break spaces and hyphens (one line each).
EXAMPLE = "+7\u00a0912\u00a0345\u201167\u201189"
EXAMPLE_NATIONAL = "8\u00a0(912)\u00a0345\u201167\u201189"


def test_home_signed_out_offers_sign_in_and_registration(client):
    body = client.get("/").content.decode()
    assert 'class="btn btn-primary btn-lg" href="/accounts/login"' in body
    assert 'href="/accounts/register"' in body
    assert 'href="/request/new"' not in body
    assert 'href="/request/list"' not in body
    assert 'action="/accounts/logout"' not in body


def test_home_for_a_customer_offers_new_request_and_active_requests(client, customer):
    client.force_login(customer)
    body = client.get("/").content.decode()
    assert body.count('href="/request/new"') == 2  # navigation bar and the page's button
    assert body.count('href="/request/list"') == 2
    assert 'href="/accounts/register"' not in body
    # The navigation bar names the user and their organisation, and offers sign-out by POST.
    assert f"{customer.username} · {customer.organisation.name}" in body
    assert '<form action="/accounts/logout" method="post">' in body


def test_home_for_a_manager_offers_active_requests_only(client, manager):
    client.force_login(manager)
    body = client.get("/").content.decode()
    assert 'href="/request/new"' not in body
    assert body.count('href="/request/list"') == 2
    assert f"{manager.username} · manager" in body


def test_layout_uses_our_own_stylesheet_and_script_not_a_cdn(client):
    body = client.get("/").content.decode()
    for link in (
        # tokens.css, ui.css and shell.css as one file (core/static_bundles.py)
        '<link rel="stylesheet" href="/static/bundles/site.css">',
        '<script src="/static/js/ui.js" type="module"></script>',
    ):
        assert link in body
    assert body.count('rel="stylesheet"') == 1
    assert "cdn" not in body.lower() and "bootstrap" not in body.lower()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1' in body
    for path in ("/static/bundles/site.css", "/static/bundles/site.js", "/static/js/ui.js"):
        assert client.get(path).status_code == 200
    assert client.get("/static/vendor/bootstrap/css/bootstrap.min.css").status_code == 404


def test_russian_from_the_browser_language(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="ru">' in body
    assert "Зарегистрировать организацию" in body
    assert "Войти" in body
    assert "Register an organisation" not in body


def test_english_by_default_and_for_unknown_languages(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert '<html lang="en">' in body
    assert "Register an organisation" in body


def test_russian_from_the_switcher_sticks(client):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/accounts/register"})
    assert response.status_code == 302
    assert response.url == "/accounts/register"
    assert client.cookies["django_language"].value == "ru"
    # The choice beats the browser's language on the following pages.
    body = client.get("/accounts/register", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Название организации" in body
    assert f"Например, {EXAMPLE} или {EXAMPLE_NATIONAL}." in body
    assert '<option value="ru" selected>Русский</option>' in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Organisation name" in client.get("/accounts/register").content.decode()


def test_russian_messages_on_forms(client, customer):
    client.cookies["django_language"] = "ru"
    body = client.post(
        "/accounts/login", {"username": customer.username, "password": "wrong"}
    ).content.decode()
    assert "Неверное имя пользователя или пароль." in body
    body = client.post("/accounts/register", {"organisation_phone": "abc"}).content.decode()
    assert f"Введите правильный номер телефона, например {EXAMPLE}." in body
    assert "Обязательное поле." in body  # Django's own catalogue


def test_russian_blocked_page(client, customer):
    client.cookies["django_language"] = "ru"
    for _ in range(4):
        response = client.post("/accounts/login", {"username": customer.username, "password": "x"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Слишком много неудачных попыток входа" in body
    assert "Повторите попытку через" in body


def test_unknown_url_gets_the_404_page_in_the_layout(client, settings):
    assert settings.DEBUG is False
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert 'class="td-brand"' in body
    assert 'href="/accounts/login"' in body
    assert "Traceback" not in body


def test_404_page_in_russian(client):
    response = client.get("/no/such/page", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


@pytest.mark.parametrize(
    ("handler", "status", "text"),
    [
        (core_views.bad_request, 400, "Bad request"),
        (core_views.permission_denied, 403, "Not allowed"),
        (core_views.page_not_found, 404, "Page not found"),
    ],
)
def test_error_pages_render_in_the_layout(rf, handler, status, text, customer):
    request = rf.get("/")
    request.user = customer
    response = handler(request, Exception("boom"))
    assert response.status_code == status
    body = response.content.decode()
    assert text in body and 'class="td-brand"' in body and "boom" not in body


def test_500_page_renders_in_the_layout(rf, customer):
    request = rf.get("/")
    request.user = customer
    response = core_views.server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and 'class="td-brand"' in body


def test_500_page_still_renders_when_the_layout_context_fails(monkeypatch):
    """If the database is what failed, the user's role cannot be read: render without it."""

    def broken(request):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("tenantdesk.service_requests.context_processors.is_manager", broken)
    request = RequestFactory().get("/")
    request.user = type("U", (), {"is_authenticated": True, "is_active": True})()
    response = core_views.server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "database unavailable" not in body


def test_view_crash_shows_the_500_page_not_a_traceback(client, monkeypatch):
    def crash(request):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("tenantdesk.core.views.render", crash, raising=True)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert b"secret detail" not in response.content


def test_a_stale_form_gets_the_sites_own_page_with_403():
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="ru")
    response = client.post("/accounts/login", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Срок действия формы истёк" in body
    assert "Tenant Desk" in body and "Traceback" not in body


@pytest.mark.parametrize("signed_in", [False, True])
def test_home_page_in_russian_has_no_english_left(client, customer, signed_in):
    if signed_in:
        client.force_login(customer)
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    for english in (
        "Report a broken light",
        "Create a new request",
        "Active requests",
        "Register an organisation",
        ">Sign in<",
    ):
        assert english not in body
    assert "Сообщите о перегоревшей лампе" in body
