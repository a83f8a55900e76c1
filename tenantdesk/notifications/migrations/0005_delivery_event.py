"""E-mails point at the request's event that caused them (issue 19). Those already made
get it too: a closing's or a reopening's key ends with its status step's id, which the
history kept (service_requests 0007); a new request's is the request's "created" event."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000


def backfill(apps, schema_editor):
    EmailDelivery = apps.get_model("notifications", "EmailDelivery")
    RequestEvent = apps.get_model("service_requests", "RequestEvent")
    known = set(RequestEvent.objects.filter(kind="status").values_list("pk", flat=True))
    created = dict(
        RequestEvent.objects.filter(kind="created").values_list("service_request_id", "pk")
    )
    changed = []
    deliveries = EmailDelivery.objects.filter(
        kind__in=("closed", "reopened", "new_request"), event__isnull=True
    )
    for delivery in deliveries.iterator(chunk_size=BATCH):
        if delivery.kind == "new_request":
            delivery.event_id = created.get(delivery.service_request_id)
        else:
            step = delivery.key.rsplit(":", 1)[-1]
            delivery.event_id = int(step) if step.isdigit() and int(step) in known else None
        if delivery.event_id is not None:
            changed.append(delivery)
    EmailDelivery.objects.bulk_update(changed, ["event"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_email_claimed_at"),
        ("service_requests", "0007_one_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="emaildelivery",
            name="event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="service_requests.requestevent",
                verbose_name="caused by",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
