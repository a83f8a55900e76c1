"""One history (issue 19): StatusChange and RequestChange become RequestEvent rows.

Status steps keep their ids (the e-mails' idempotency keys and queued jobs name them:
"closed:<person>:<request>:<step id>"), their times and actors; other changes keep their
times, actors and data and get the ids after them (nothing refers to those). Every request
gets its "created" event (a request taken by phone already had one: RequestChange
"created_for", which becomes it). Then both old tables are dropped. The way back writes the
two tables again from the events.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations, models

BATCH = 2000


def _reset_sequence(schema_editor, model):
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    ServiceRequest = apps.get_model("service_requests", "ServiceRequest")
    StatusChange = apps.get_model("service_requests", "StatusChange")
    RequestChange = apps.get_model("service_requests", "RequestChange")
    RequestEvent = apps.get_model("service_requests", "RequestEvent")
    events = []

    def flush(force=False):
        if events and (force or len(events) >= BATCH):
            RequestEvent.objects.bulk_create(events)
            events.clear()

    for step in StatusChange.objects.order_by("pk").iterator(chunk_size=BATCH):
        # The transition table's step that leads there (lifecycle.py).
        action = {"in_progress": "start", "closed": "close", "pending": "reopen"}.get(
            step.to_status, ""
        )
        data = {"from": step.from_status, "to": step.to_status, "action": action}
        if step.reason:  # as payloads.StatusChanged stores it: no empty reason
            data["reason"] = step.reason
        events.append(
            RequestEvent(
                id=step.pk,
                service_request_id=step.service_request_id,
                kind="status",
                actor_id=step.changed_by_id,
                created_at=step.changed_at,
                data=data,
            )
        )
        flush()
    flush(force=True)
    _reset_sequence(schema_editor, RequestEvent)
    by_phone = set()
    for change in RequestChange.objects.order_by("pk").iterator(chunk_size=BATCH):
        kind, data = change.kind, change.data or {}
        if kind == "created_for":
            kind, data = "created", {"channel": "phone", **data}
            by_phone.add(change.service_request_id)
        events.append(
            RequestEvent(
                service_request_id=change.service_request_id,
                kind=kind,
                actor_id=change.actor_id,
                created_at=change.created_at,
                data=data,
            )
        )
        flush()
    for request in ServiceRequest.objects.order_by("pk").only("pk", "author_id", "created_at"):
        if request.pk not in by_phone:
            events.append(
                RequestEvent(
                    service_request_id=request.pk,
                    kind="created",
                    actor_id=request.author_id,
                    created_at=request.created_at,
                    data={"channel": "form"},
                )
            )
            flush()
    flush(force=True)


def backwards(apps, schema_editor):
    StatusChange = apps.get_model("service_requests", "StatusChange")
    RequestChange = apps.get_model("service_requests", "RequestChange")
    RequestEvent = apps.get_model("service_requests", "RequestEvent")
    steps, changes = [], []
    for event in RequestEvent.objects.order_by("pk").iterator(chunk_size=BATCH):
        data = event.data or {}
        if event.kind == "status":
            steps.append(
                StatusChange(
                    id=event.pk,
                    service_request_id=event.service_request_id,
                    from_status=data.get("from", ""),
                    to_status=data.get("to", ""),
                    changed_by_id=event.actor_id,
                    changed_at=event.created_at,
                    reason=data.get("reason", ""),
                )
            )
        elif event.kind != "created" or data.get("channel") == "phone":
            kind = "created_for" if event.kind == "created" else event.kind
            if kind == "created_for":
                data = {k: v for k, v in data.items() if k != "channel"}
            changes.append(
                RequestChange(
                    service_request_id=event.service_request_id,
                    kind=kind,
                    actor_id=event.actor_id,
                    data=data,
                    created_at=event.created_at,
                )
            )
    StatusChange.objects.bulk_create(steps, batch_size=BATCH)
    RequestChange.objects.bulk_create(changes, batch_size=BATCH)
    _reset_sequence(schema_editor, StatusChange)


class Migration(migrations.Migration):
    dependencies = [
        ("service_requests", "0006_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RequestEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("created", "Created"),
                            ("status", "Status changed"),
                            ("assigned", "Assigned"),
                            ("unassigned", "Unassigned"),
                            ("priority", "Priority changed"),
                            ("rated", "Rated"),
                        ],
                        max_length=20,
                        verbose_name="event",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="time"),
                ),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="details")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "service_request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="service_requests.servicerequest",
                        verbose_name="service request",
                    ),
                ),
            ],
            options={
                "verbose_name": "event",
                "verbose_name_plural": "history",
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(
                        fields=["service_request", "created_at"], name="sr_event_request_time"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="RequestChange"),
        migrations.DeleteModel(name="StatusChange"),
    ]
