"""The printable QR sheets: what they carry (the absolute link with the place's token, in
the code and in text), who may print them, and rotating a code so old prints stop working."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenantdesk.places import selectors
from tenantdesk.places.models import Premises
from tests.factories import BuildingFactory, PremisesFactory
from tests.unit.places.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return PremisesFactory(building=BuildingFactory(name="North Tower"), unit="204", floor="2")


def test_a_sheet_shows_the_building_the_unit_and_the_code(boss_client, office):
    answer = boss_client.get(f"/company/premises/{office.pk}/qr")
    assert answer.status_code == 200
    body = answer.content.decode()
    url = f"https://desk.example.com/request/new?place={office.qr_token}"
    assert f'data-testid="qr-url">{url}</p>' in body
    assert re.search(
        r'<svg viewBox="0 0 \d+ \d+" class="qr-code"><title>QR code for North Tower, 204', body
    )
    assert "North Tower" in body and "floor 2" in body
    # What to scan it for, in both languages on the sheet.
    assert "Scan to report a problem here" in body
    assert 'lang="ru"' in body
    # A4 by default; its print stylesheet, no inline style.
    assert "places/qr-a4" in body and "<style" not in body and " style=" not in body


def test_the_a6_switch_picks_the_small_sheet(anna_client, office):
    body = anna_client.get(f"/company/premises/{office.pk}/qr?size=a6").content.decode()
    assert "places/qr-a6" in body and "qr-sheets qr-a6" in body
    body = anna_client.get(f"/company/premises/{office.pk}/qr?size=<script>").content.decode()
    assert "places/qr-a4" in body and "<script>" not in body.split("qr-sheets")[1][:50]


def test_the_code_carries_the_url_in_it(boss_client, office, settings):
    import segno

    body = boss_client.get(f"/company/premises/{office.pk}/qr").content.decode()
    url = f"https://desk.example.com/request/new?place={office.qr_token}"
    expected = segno.make(url, error="m").svg_inline(
        scale=1, border=4, light="#fff", svgclass="qr-code", lineclass=None, omitsize=True
    )
    # The same modules as the code of that URL (the drawing without its title).
    assert re.sub(r"<title>.*?</title>", "", body).count(expected) == 1


def test_who_may_print_and_rotate(client, customer_client, anna_client, boss_client, office):
    sheet = f"/company/premises/{office.pk}/qr"
    rotate = f"/company/premises/{office.pk}/qr/rotate"
    everything = f"/company/buildings/{office.building_id}/qr"
    for path in (sheet, everything):
        assert client.get(path).status_code == 302
        assert client.get(path)["Location"].startswith("/accounts/login")
        assert customer_client.get(path).status_code == 403
        assert anna_client.get(path).status_code == 200
        assert boss_client.get(path).status_code == 200
    assert client.post(rotate).status_code == 302
    assert customer_client.post(rotate).status_code == 403
    assert anna_client.post(rotate).status_code == 403
    assert 'data-testid="rotate-form"' not in anna_client.get(sheet).content.decode()
    assert 'data-testid="rotate-form"' in boss_client.get(sheet).content.decode()
    assert boss_client.get(rotate).status_code == 405
    token = office.qr_token
    office.refresh_from_db()
    assert office.qr_token == token  # nobody but the admin's POST changed it
    assert anna_client.get("/company/premises/4711/qr").status_code == 404


def test_rotating_makes_the_old_code_stop_working(boss_client, office):
    old = office.qr_token
    assert selectors.premises_by_token(old) == office
    answer = boss_client.post(f"/company/premises/{office.pk}/qr/rotate")
    assert answer.status_code == 302
    office.refresh_from_db()
    assert office.qr_token != old and len(office.qr_token) >= 8
    assert selectors.premises_by_token(old) is None
    assert selectors.premises_by_token(office.qr_token) == office
    body = boss_client.get(answer["Location"]).content.decode()
    assert f"place={office.qr_token}" in body and old not in body


def test_a_common_area_has_a_sheet_too(anna_client):
    lobby = PremisesFactory(unit="Lobby", kind=Premises.Kind.COMMON_AREA)
    body = anna_client.get(f"/company/premises/{lobby.pk}/qr").content.decode()
    assert f"place={lobby.qr_token}" in body


def _queries(client, path) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_all_sheets_of_a_building_cost_the_same_queries_for_1_and_20(boss, office):
    client = signed_in(boss)
    path = f"/company/buildings/{office.building_id}/qr"
    one = _queries(client, path)
    PremisesFactory.create_batch(19, building=office.building)
    assert _queries(client, path) == one
    assert client.get(path).content.decode().count('data-testid="qr-sheet"') == 20


def test_in_russian_the_sheet_speaks_russian_first(boss, office):
    client = signed_in(boss)
    body = client.get(
        f"/company/premises/{office.pk}/qr", HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    russian = body.index("Отсканируйте, чтобы сообщить о проблеме здесь")
    assert russian < body.index("Scan to report a problem here")
    assert "Сменить код" in body and "этаж 2" in body
