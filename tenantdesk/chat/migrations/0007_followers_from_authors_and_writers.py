"""Followers for the requests that exist (issue 21): each request's author, when a customer
of its organisation, and every customer of its organisation who has written a message in
it. From now on the creation service and the chat's send service add them as it happens.

Here, not in service_requests: knowing who wrote in a chat is the chat's (a migration of a
lower app does not depend on a higher one). Managers (the `manager` group, superusers)
never follow: they have assignment. A person no longer in the request's organisation is
left out. Idempotent (ON CONFLICT DO NOTHING); the way back removes nothing, the table
itself goes with service_requests' 0008 when that is unapplied.
"""

from django.db import migrations
from django.db.models import F, Min, Q

BATCH = 2000


def followers_from_authors_and_writers(apps, schema_editor):
    ServiceRequest = apps.get_model("service_requests", "ServiceRequest")
    RequestFollower = apps.get_model("service_requests", "RequestFollower")
    Message = apps.get_model("chat", "Message")
    User = apps.get_model("accounts", "User")
    managers = User.objects.filter(Q(is_superuser=True) | Q(groups__name="manager")).values("pk")
    authors = (
        ServiceRequest.objects.filter(author__organisation_id=F("organisation_id"))
        .exclude(author_id__in=managers)
        .values_list("pk", "author_id", "created_at")
    )
    # One row per writer and request (the earliest message is when they began following).
    writers = (
        Message.objects.filter(
            kind="user",
            by_manager=False,
            author__organisation_id=F("service_request__organisation_id"),
        )
        .exclude(author_id__in=managers)
        .values_list("service_request_id", "author_id")
        .annotate(since=Min("created_at"))
        .order_by()
    )
    for source in (authors, writers):
        batch = []
        for request_id, user_id, since in source.iterator(chunk_size=BATCH):
            batch.append(
                RequestFollower(service_request_id=request_id, user_id=user_id, created_at=since)
            )
            if len(batch) >= BATCH:
                RequestFollower.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        RequestFollower.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0006_unread_index"),
        ("service_requests", "0008_request_followers"),
    ]

    operations = [
        migrations.RunPython(followers_from_authors_and_writers, migrations.RunPython.noop),
    ]
