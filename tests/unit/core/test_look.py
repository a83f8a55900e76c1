"""The look's foundation (docs/look.md): the person's theme on every page, the web app
manifest and offline page, and static files precompressed with Brotli and gzip."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from tenantdesk.accounts.models import Theme

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_no_choice_follows_the_system(customer):
    body = signed_in(customer).get("/request/list").content.decode()
    assert customer.theme == Theme.SYSTEM
    assert "data-theme" not in body.split("<head>")[0]
    assert '<meta name="color-scheme" content="light dark">' in body
    for colour, scheme in (("#f4f5f7", "light"), ("#0f1115", "dark")):
        media = f'media="(prefers-color-scheme: {scheme})"'
        assert f'<meta name="theme-color" content="{colour}" {media}>' in body


def test_the_chosen_theme_is_saved_and_written_on_every_page(customer):
    client = signed_in(customer)
    response = client.post("/accounts/profile/theme", {"theme": "dark"})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile"
    customer.refresh_from_db()
    assert customer.theme == "dark"
    body = client.get("/request/list").content.decode()
    assert '<html lang="en" data-theme="dark">' in body
    assert '<meta name="theme-color" content="#0f1115">' in body
    assert 'media="(prefers-color-scheme' not in body
    profile = client.get("/accounts/profile").content.decode()
    assert 'id="theme-dark" value="dark" checked' in profile

    client.post("/accounts/profile/theme", {"theme": "system"})
    assert "data-theme" not in client.get("/").content.decode().split("<head>")[0]


def test_an_unknown_theme_is_refused_and_nothing_changes(customer):
    response = signed_in(customer).post("/accounts/profile/theme", {"theme": "purple"})
    assert response.status_code == 400
    assert "Choose a theme: as the system, light or dark." in response.content.decode()
    customer.refresh_from_db()
    assert customer.theme == Theme.SYSTEM


def test_signed_out_the_theme_switch_is_not_there(client):
    assert client.post("/accounts/profile/theme", {"theme": "dark"}).status_code == 302
    assert "data-theme" not in client.get("/accounts/login").content.decode().split("<head>")[0]


def test_every_page_describes_itself_and_links_the_manifest(client, customer):
    for body in (
        client.get("/accounts/login").content.decode(),
        signed_in(customer).get("/request/list").content.decode(),
    ):
        assert '<meta name="description" content="Tenant Desk: maintenance requests' in body
        assert '<link rel="manifest" href="/manifest.webmanifest">' in body


def test_the_manifest_makes_the_site_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Tenant Desk" and manifest["short_name"]
    assert manifest["start_url"] == "/request/list" and manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"].startswith("#")
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert sizes == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("192x192", "maskable"),
        ("512x512", "maskable"),
    }
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200
        png = b"".join(image.streaming_content)
        width = int.from_bytes(png[16:20], "big")  # the PNG header's IHDR width
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and f"{width}x{width}" == icon["sizes"]


def test_the_offline_page_names_nobody_and_marks_its_stylesheets(client, customer):
    body = signed_in(customer).get("/offline").content.decode()
    assert "You are offline" in body
    assert customer.username not in body and "<script" not in body
    assert 'href="/static/css/ui.css?td-offline"' in body


def test_collectstatic_writes_hashed_brotli_and_gzip_copies(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "tenantdesk.core.staticfiles.StaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("css/ui.css", "bundles/request-page.css"):  # a source, a bundle (static_bundles)
        hashed = manifest[name]
        assert hashed != name  # a long-cache name that changes with the content
        for suffix in ("", ".br", ".gz"):
            assert (tmp_path / f"{hashed}{suffix}").exists(), suffix
    # the bundle's rebased url() points at the image's hashed name
    assert manifest["chat/img/send.svg"] in (tmp_path / hashed).read_text()
    assert not (tmp_path / "vendor").exists()
