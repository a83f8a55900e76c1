"""Unread counts kept as numbers instead of counted from the messages on every page
(issue 18): each request's counted messages per side, each read position's share of them.
The backfill counts what is stored once; from then on the chat's services keep them."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def _counted(Message, **where):
    """A subquery: the number of people's messages (notes aside) of one request."""
    return Coalesce(
        Subquery(
            Message.objects.filter(kind="user", internal=False, **where)
            .order_by()
            .values("service_request_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        Value(0),
    )


def backfill(apps, schema_editor):
    Message = apps.get_model("chat", "Message")
    ReadCursor = apps.get_model("chat", "ReadCursor")
    ServiceRequest = apps.get_model("service_requests", "ServiceRequest")
    ServiceRequest.objects.update(
        messages_from_customers=_counted(Message, service_request=OuterRef("pk"), by_manager=False),
        messages_from_managers=_counted(Message, service_request=OuterRef("pk"), by_manager=True),
    )
    read = {
        "service_request": OuterRef("service_request"),
        "pk__lte": OuterRef("last_read_id"),
    }
    ReadCursor.objects.update(
        read_from_customers=_counted(Message, by_manager=False, **read),
        read_from_managers=_counted(Message, by_manager=True, **read),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0004_internal_notes_and_saved_replies"),
        ("service_requests", "0005_message_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="readcursor",
            name="read_from_customers",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="customer messages read"
            ),
        ),
        migrations.AddField(
            model_name="readcursor",
            name="read_from_managers",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="manager messages read"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
