"""The office text of the time before buildings becomes a location where it names one
premises (issue 22; docs/request-location.md).

A request without a location gets the premises whose unit its office text names (trimmed,
case-insensitive) among the premises its organisation has a lease of, in any period; no
match, or two (the same unit number in two buildings), leaves it unplaced for a manager.
The office text stays, as a note. Reading runs over an iterator and the writes wait until
it ends (SQLite isolates nothing between the queries of one connection) and go in batches:
60,000 requests take a few seconds and little memory. Reversing changes nothing: the
locations set here cannot be told from ones set later.
"""

from collections import defaultdict

from django.db import migrations

BATCH = 1000


def _key(text: str) -> str:
    return text.strip().casefold()


def office_to_location(apps, schema_editor):
    ServiceRequest = apps.get_model("service_requests", "ServiceRequest")
    Lease = apps.get_model("places", "Lease")
    # organisation id -> unit as typed -> the premises of that unit it has leased
    units: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    leased = Lease.objects.values_list("organisation_id", "premises_id", "premises__unit")
    for organisation_id, premises_id, unit in leased.iterator(chunk_size=BATCH):
        units[organisation_id][_key(unit)].add(premises_id)
    if not units:
        return
    placed = []
    unplaced = (
        ServiceRequest.objects.filter(location__isnull=True)
        .exclude(office="")
        .values_list("pk", "organisation_id", "office")
    )
    for pk, organisation_id, office in unplaced.iterator(chunk_size=BATCH):
        matches = units.get(organisation_id, {}).get(_key(office), ())
        if len(matches) == 1:
            placed.append(ServiceRequest(pk=pk, location_id=next(iter(matches))))
    ServiceRequest.objects.bulk_update(placed, ["location"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0001_initial"),
        ("service_requests", "0010_event_kinds_for_places"),
    ]

    operations = [
        migrations.RunPython(office_to_location, migrations.RunPython.noop, elidable=True),
    ]
