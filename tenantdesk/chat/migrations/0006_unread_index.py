"""The unread messages' index (issue 18), built without locking the messages table."""

from django.db import migrations, models

from tenantdesk.core.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("chat", "0005_read_counts"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="message",
            index=models.Index(
                condition=models.Q(("internal", False), ("kind", "user"), ("read_at__isnull", True)),
                fields=["service_request", "id"],
                name="chat_msg_unread",
            ),
        ),
    ]
