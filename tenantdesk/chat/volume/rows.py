"""Writing a data set's rows straight into the tables: COPY on PostgreSQL (executemany
elsewhere), ids chosen by the caller, sequences and planner statistics brought up to date
after."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, models
from PIL import Image

from tenantdesk.chat.models import Attachment, Message, ReadCursor
from tenantdesk.service_requests.models import (
    Rating,
    RequestEvent,
    RequestFollower,
    ServiceRequest,
)

_ADAPTED = {
    "postgresql": {"JSONField"},
    "other": {"JSONField", "DateTimeField", "UUIDField"},
}


def _write(model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert rows (values in `columns` order, ids included) as fast as the database takes them."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    # A column the rows do not give takes its field's default, so that a column added to a
    # model later (with a default) does not make every seed fail on NOT NULL.
    given = {field.attname for field in fields}
    rest = [f for f in model._meta.concrete_fields if f.attname not in given and f.has_default()]
    if rest:
        defaults = tuple(f.get_default() for f in rest)
        fields += rest
        rows = [(*row, *defaults) for row in rows]
    adapted = _ADAPTED.get(connection.vendor, _ADAPTED["other"])
    adapters = [
        (lambda v, f=f: f.get_db_prep_save(v, connection))
        if f.get_internal_type() in adapted
        else None
        for f in fields
    ]
    if any(adapters):
        rows = [
            tuple(a(v) if a and v is not None else v for a, v in zip(adapters, row, strict=True))
            for row in rows
        ]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            # The names are the models' own, quoted; the values go as parameters.
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def _reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    """After writing ids by hand, the next id the database gives must follow them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _sample_photo() -> tuple[str, str]:
    """One real photo and thumbnail that every photo of the data set points at."""

    def jpeg(size) -> ContentFile:
        buffer = io.BytesIO()
        Image.new("RGB", size, (120, 140, 170)).save(buffer, format="JPEG", quality=80)
        return ContentFile(buffer.getvalue())

    return (
        default_storage.save("volume/sample.jpg", jpeg((800, 600))),
        default_storage.save("volume/sample_thumb.jpg", jpeg((320, 240))),
    )


def _analyze(models_: Iterable[type[models.Model]]) -> None:
    """Fresh planner statistics: with the ones of an empty table PostgreSQL plans the
    first hour of queries for a handful of rows (autovacuum would catch up, later)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


COLUMNS = {
    ServiceRequest: (
        "id",
        "created_at",
        "updated_at",
        "organisation",
        "author",
        "type",
        "title",
        "description",
        "office",
        "status",
        "last_activity_at",
        "photo",
        "photo_thumbnail",
        "assignee",
        "priority",
        "first_response_due_at",
        "resolution_due_at",
        "first_response_at",
        "closed_at",
        "messages_from_customers",
        "messages_from_managers",
        "location",
    ),
    Message: (
        "id",
        "service_request",
        "author",
        "kind",
        "text",
        "by_manager",
        "internal",
        "event",
        "client_id",
        "created_at",
        "delivered_at",
        "read_at",
    ),
    ReadCursor: (
        "id",
        "user",
        "service_request",
        "last_read_id",
        "read_from_customers",
        "read_from_managers",
        "updated_at",
    ),
    Attachment: (
        "id",
        "message",
        "kind",
        "file",
        "thumbnail",
        "content_type",
        "extension",
        "size",
        "width",
        "height",
        "original_name",
        "created_at",
    ),
    RequestEvent: ("id", "service_request", "kind", "actor", "created_at", "data"),
    Rating: ("id", "service_request", "author", "manager", "score", "comment", "created_at"),
    RequestFollower: ("id", "service_request", "user", "created_at"),
}
