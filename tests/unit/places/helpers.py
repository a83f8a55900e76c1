"""POST data for the building page's formsets, as the page's forms would send it."""

from __future__ import annotations


def formset_post(prefix: str, rows: list[dict]) -> dict:
    """Rows with an "id" are stored objects (they come first, as on the page); the rest
    are new rows."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(sum(1 for row in rows if row.get("id"))),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for number, row in enumerate(rows):
        for name, value in row.items():
            if value is None:
                continue
            data[f"{prefix}-{number}-{name}"] = value
    return data


def premises_row(premises, **changes) -> dict:
    row = {"id": premises.pk, "unit": premises.unit, "floor": premises.floor, "kind": premises.kind}
    row.update(changes)
    return row


def lease_row(lease, **changes) -> dict:
    row = {
        "id": lease.pk,
        "organisation": lease.organisation_id,
        "premises": lease.premises_id,
        "start": lease.start.isoformat(),
        "end": lease.end.isoformat() if lease.end else "",
    }
    row.update(changes)
    return row
