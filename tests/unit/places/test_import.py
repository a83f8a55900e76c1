"""/company/buildings/import: a CSV or XLSX file, a preview of what it would create, then
all of it in one transaction or nothing. Every bad row is reported by its line with the
reason; a bad file as a whole gets one clear message."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenantdesk.places.models import Building, Lease, Premises
from tests.factories import BuildingFactory, LeaseFactory, OrganisationFactory, PremisesFactory

pytestmark = pytest.mark.django_db

HEADER = "building,address,time_zone,unit,floor,kind,organisation,lease_start,lease_end"
GOOD = f"""{HEADER}
North Tower,1 Lenina Street,Europe/Moscow,204,2,office,Rainbow Ltd,2026-01-01,
North Tower,1 Lenina Street,Europe/Moscow,205,2,office,,,
North Tower,1 Lenina Street,Europe/Moscow,Lobby,1,common_area,,,
South House,5 Mira Avenue,Asia/Yekaterinburg,P-1,-1,parking,Sunrise,01.02.2026,31.12.2026
"""


@pytest.fixture(autouse=True)
def organisations(db):
    return OrganisationFactory(name="Rainbow Ltd"), OrganisationFactory(name="Sunrise")


def upload(text: str | bytes, name="buildings.csv"):
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def preview(client, text, name="buildings.csv"):
    return client.post("/company/buildings/import", {"file": upload(text, name)})


def token_of(answer) -> str:
    body = answer.content.decode()
    return body.split('name="token" value="')[1].split('"')[0]


def nothing_created():
    return (
        not Building.objects.exists()
        and not Premises.objects.exists()
        and not Lease.objects.exists()
    )


def test_the_preview_shows_what_will_be_created_and_import_creates_it(boss_client, organisations):
    answer = preview(boss_client, GOOD)
    assert answer.status_code == 200
    body = answer.content.decode()
    assert 'data-testid="import-preview"' in body
    assert "To be created: 2 buildings, 4 premises, 2 leases." in body
    assert nothing_created()  # a preview stores nothing

    done = boss_client.post("/company/buildings/import/apply", {"token": token_of(answer)})
    assert done.status_code == 302 and done["Location"] == "/company/buildings"
    tower = Building.objects.get(name="North Tower")
    assert tower.address == "1 Lenina Street" and tower.time_zone == "Europe/Moscow"
    assert sorted(tower.premises.values_list("unit", "kind")) == [
        ("204", "office"),
        ("205", "office"),
        ("Lobby", "common_area"),
    ]
    south = Lease.objects.get(organisation=organisations[1])
    assert (south.premises.unit, south.premises.floor, south.premises.kind) == (
        "P-1",
        "-1",
        "parking",
    )
    assert (south.start, south.end) == (datetime.date(2026, 2, 1), datetime.date(2026, 12, 31))
    assert Lease.objects.get(organisation=organisations[0]).end is None
    message = boss_client.get("/company/buildings").content.decode()
    assert "Imported: 2 buildings, 4 premises, 2 leases." in message

    # The token is spent: a second "Import" imports nothing twice.
    again = boss_client.post("/company/buildings/import/apply", {"token": token_of(answer)})
    assert again.status_code == 400 and Premises.objects.count() == 4


def test_importing_the_same_file_again_finds_everything_exists(boss_client):
    boss_client.post(
        "/company/buildings/import/apply", {"token": token_of(preview(boss_client, GOOD))}
    )
    answer = preview(boss_client, GOOD)
    assert answer.status_code == 200
    assert "To be created: 0 buildings, 0 premises, 0 leases." in answer.content.decode()
    boss_client.post("/company/buildings/import/apply", {"token": token_of(answer)})
    assert (Building.objects.count(), Premises.objects.count(), Lease.objects.count()) == (2, 4, 2)


def test_an_xlsx_file_is_read_like_a_csv(boss_client):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "North Tower",
            "1 Lenina Street",
            "Europe/Moscow",
            204,
            2,
            "Office",
            "Rainbow Ltd",
            datetime.datetime(2026, 1, 1),
            None,
        ]
    )
    sheet.append([None] * 9)  # a blank row is skipped
    sheet.append(["North Tower", "1 Lenina Street", "Europe/Moscow", "Лифт", 1, "Common area"])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = preview(boss_client, buffer.getvalue(), name="buildings.xlsx")
    assert answer.status_code == 200, answer.content.decode()
    assert "To be created: 1 buildings, 2 premises, 1 leases." in answer.content.decode()
    boss_client.post("/company/buildings/import/apply", {"token": token_of(answer)})
    lease = Lease.objects.get()
    assert (lease.premises.unit, lease.start) == ("204", datetime.date(2026, 1, 1))
    assert Premises.objects.get(unit="Лифт").kind == "common_area"


def test_a_russian_excel_csv_with_semicolons_in_windows_1251_is_read(boss_client):
    text = HEADER.replace(",", ";") + "\nСеверная башня;ул. Ленина, 1;Europe/Moscow;204;2;офис;;;\n"
    answer = preview(boss_client, text.encode("cp1251"))
    assert answer.status_code == 200, answer.content.decode()
    assert "Северная башня" in answer.content.decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("building,address,unit\nA,B,1\n", "missing: time_zone, floor, kind"),
        (HEADER + ",colour\n", "unknown: colour"),
        ("", "The submitted file is empty."),
        (HEADER + "\n", "The file has a heading but no rows."),
        (b"\xd0\xcf\x11\xe0old excel", "Old Excel files (.xls) are not read"),
        (b"PK\x03\x04not really a zip", "The file is not a readable XLSX workbook."),
    ],
)
def test_a_file_that_cannot_be_read_gets_one_clear_message(boss_client, text, message):
    answer = preview(boss_client, text)
    assert answer.status_code == 400
    body = answer.content.decode()
    assert 'data-field-error="file"' in body and message in body
    assert nothing_created()


def test_wrong_columns_are_named_with_the_expected_ones(boss_client):
    body = preview(boss_client, "name,street\nA,B\n").content.decode()
    assert "The first row must name the columns building, address, time_zone, unit" in body
    assert "missing: building, address, time_zone, unit, floor, kind" in body
    assert "unknown: name, street" in body


ROW = "North Tower,1 Lenina Street,Europe/Moscow"


@pytest.mark.parametrize(
    ("rows", "line", "reason"),
    [
        (
            [f"{ROW},204,2,penthouse,,,"],
            2,
            "kind penthouse is unknown; use one of office, storage, parking, common_area.",
        ),
        (
            [f"{ROW},204,2,office,Rainbow Ltd,2026-13-01,"],
            2,
            "lease_start 2026-13-01 is not a date",
        ),
        ([f"{ROW},204,2,office,Rainbow Ltd,2026-01-01,soon"], 2, "lease_end soon is not a date"),
        (
            [f"{ROW},204,2,office,,,", f"{ROW},204,3,office,,,"],
            3,
            "Unit 204 of North Tower is on line 2 already.",
        ),
        ([f"{ROW},204,2,office,Nobody Inc,2026-01-01,"], 2, "No organisation is named Nobody Inc"),
        (
            [f"{ROW},204,2,office,rainbow ltd,2026-01-01,"],
            2,
            "No organisation is named rainbow ltd",
        ),
        (
            ["North Tower,1 Lenina Street,Moscow,204,2,office,,,"],
            2,
            "time_zone Moscow is not a time zone",
        ),
        (["North Tower,1 Lenina Street,,204,2,office,,,"], 2, 'time_zone "" is not a time zone'),
        (
            [f"{ROW},204,2,office,Rainbow Ltd,,"],
            2,
            "lease_start must be given with an organisation.",
        ),
        ([f"{ROW},204,2,office,,2026-01-01,"], 2, "A lease needs an organisation."),
        (
            [f"{ROW},204,2,office,Rainbow Ltd,2026-02-01,2026-01-01"],
            2,
            "lease_end is before lease_start.",
        ),
        ([f"{ROW},Lobby,1,common_area,Rainbow Ltd,2026-01-01,"], 2, "A common area is not leased."),
        ([f"{ROW},,2,office,,,"], 2, "building and unit must not be empty."),
        (
            [f"{ROW},204,2,office,,,", "North Tower,2 Other Street,Europe/Moscow,205,2,office,,,"],
            3,
            "Building North Tower has another address or time zone on line 2.",
        ),
        (
            [
                f"{ROW},204,2,office,Rainbow Ltd,2026-01-01,",
                f"{ROW},205,2,office,,,",
                f"{ROW},204,2,office,Sunrise,2026-06-01,",
            ],
            4,
            "The lease overlaps Rainbow Ltd's lease on line 2.",
        ),
        (
            [
                f"{ROW},204,2,office,Rainbow Ltd,2026-01-01,",
                f"{ROW},204,3,office,Sunrise,2027-06-01,",
            ],
            3,
            "Unit 204 of North Tower is on line 2 already.",
        ),
    ],
)
def test_bad_rows_are_reported_by_line_and_nothing_is_imported(boss_client, rows, line, reason):
    text = HEADER + "\n" + "\n".join(rows) + "\n" + f"{ROW},999,9,storage,,,\n"
    answer = preview(boss_client, text)
    assert answer.status_code == 400
    body = answer.content.decode()
    assert f'<li data-line="{line}">Line {line}: ' in body
    assert reason in body.replace("&#x27;", "'").replace("&quot;", '"')
    assert 'name="token"' not in body  # no way to import a file with bad rows
    assert nothing_created()


def test_one_premises_may_have_several_leases_one_after_another(boss_client, organisations):
    text = (
        f"{HEADER}\n{ROW},204,2,office,Rainbow Ltd,2026-01-01,2026-05-31\n"
        f"{ROW},204,2,office,Sunrise,2026-06-01,\n"
    )
    answer = preview(boss_client, text)
    assert answer.status_code == 200
    assert "To be created: 1 buildings, 1 premises, 2 leases." in answer.content.decode()
    boss_client.post("/company/buildings/import/apply", {"token": token_of(answer)})
    office = Premises.objects.get()
    assert sorted(office.leases.values_list("organisation__name", flat=True)) == [
        "Rainbow Ltd",
        "Sunrise",
    ]


def test_a_unit_clashing_with_the_database_is_a_row_error(boss_client):
    tower = BuildingFactory(name="North Tower")
    PremisesFactory(building=tower, unit="204", floor="2", kind="storage")
    answer = preview(boss_client, f"{HEADER}\n{ROW},205,2,office,,,\n{ROW},204,2,office,,,\n")
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "Line 3: Unit 204 exists in North Tower as Storage on floor 2" in body
    assert Premises.objects.count() == 1


def test_a_lease_overlapping_another_organisations_lease_in_the_database(
    boss_client, organisations
):
    tower = BuildingFactory(name="North Tower")
    office = PremisesFactory(building=tower, unit="204", floor="2", kind="office")
    LeaseFactory(premises=office, organisation=organisations[0], start=datetime.date(2025, 1, 1))
    answer = preview(boss_client, f"{HEADER}\n{ROW},204,2,office,Sunrise,2026-01-01,\n")
    assert answer.status_code == 400
    assert "Line 2: The lease overlaps Rainbow Ltd" in answer.content.decode().replace(
        "&#x27;", "'"
    )
    assert Lease.objects.count() == 1


def test_the_database_changing_after_the_preview_imports_nothing(boss_client, organisations):
    answer = preview(boss_client, GOOD)
    assert answer.status_code == 200
    # Meanwhile someone leases South House's P-1 to Rainbow Ltd in the app.
    south = BuildingFactory(name="South House", time_zone="Asia/Yekaterinburg")
    parking = PremisesFactory(building=south, unit="P-1", floor="-1", kind="parking")
    LeaseFactory(premises=parking, organisation=organisations[0], start=datetime.date(2026, 1, 1))
    done = boss_client.post("/company/buildings/import/apply", {"token": token_of(answer)})
    assert done.status_code == 400
    body = done.content.decode()
    assert (
        "Nothing was imported" in body
        and "Line 5: The lease overlaps Rainbow Ltd" in body.replace("&#x27;", "'")
    )
    assert not Building.objects.filter(name="North Tower").exists()
    assert Lease.objects.count() == 1


def test_a_forged_or_someone_elses_token_imports_nothing(boss_client, boss, organisations):
    from tests.factories import ManagerFactory
    from tests.unit.places.conftest import signed_in

    answer = preview(boss_client, GOOD)
    token = token_of(answer)
    other_admin = signed_in(ManagerFactory(company_admin=True))
    for client, value in (
        (other_admin, token),
        (boss_client, token[:-2] + "xx"),
        (boss_client, ""),
    ):
        refused = client.post("/company/buildings/import/apply", {"token": value})
        assert refused.status_code == 400
        assert "This preview has expired or is not yours" in refused.content.decode()
    assert nothing_created()


def test_a_file_over_the_size_setting_is_refused_before_it_is_read(boss_client, settings):
    settings.PLACES_IMPORT_MAX_BYTES = 1000
    answer = preview(boss_client, GOOD + "x" * 2000)
    assert answer.status_code == 400
    assert "the largest allowed is 1000" in answer.content.decode()
    assert nothing_created()


def test_more_rows_than_the_setting_are_refused(boss_client, settings):
    settings.PLACES_IMPORT_MAX_ROWS = 3
    answer = preview(boss_client, GOOD)
    assert answer.status_code == 400
    assert "more than 3 rows" in answer.content.decode()


def test_only_a_company_admin_imports(client, customer_client, anna_client, boss_client):
    for path in ("/company/buildings/import", "/company/buildings/import/apply"):
        assert client.post(path, {}).status_code == 302
        assert client.post(path, {})["Location"].startswith("/accounts/login")
        assert customer_client.post(path, {}).status_code == 403
        assert anna_client.post(path, {}).status_code == 403
    assert customer_client.get("/company/buildings/import").status_code == 403
    assert anna_client.get("/company/buildings/import").status_code == 403
    assert anna_client.post("/company/buildings/import", {"file": upload(GOOD)}).status_code == 403
    assert boss_client.get("/company/buildings/import").status_code == 200
    assert nothing_created()


def test_a_post_without_a_file_is_a_field_error(boss_client):
    answer = boss_client.post("/company/buildings/import", {})
    assert answer.status_code == 400
    assert 'data-field-error="file"' in answer.content.decode()


def test_files_of_previews_never_imported_are_swept_by_the_next_upload(boss_client, settings):
    import os
    import time

    from django.core.files.storage import default_storage

    from tenantdesk.places.importing import staging

    preview(boss_client, GOOD)
    (old,) = default_storage.listdir(staging.FOLDER)[1]
    stale = time.time() - settings.PLACES_IMPORT_PREVIEW_SECONDS - 60
    os.utime(default_storage.path(f"{staging.FOLDER}/{old}"), (stale, stale))
    preview(boss_client, GOOD)
    (kept,) = default_storage.listdir(staging.FOLDER)[1]
    assert kept != old
