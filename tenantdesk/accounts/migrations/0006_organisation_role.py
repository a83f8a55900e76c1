# Each organisation's people get a role; the first of each (who registered it) its admin.

from django.db import migrations, models
from django.db.models import Min


def first_member_is_admin(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    first_ids = (
        User.objects.filter(organisation__isnull=False)
        .values("organisation_id")
        .annotate(first_id=Min("id"))
        .values_list("first_id", flat=True)
    )
    # A plain UPDATE (the historical model's manager): a role is not a sign-in matter, so
    # nothing needs announcing to open sockets.
    User.objects.filter(id__in=list(first_ids)).update(organisation_role="admin")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_manager"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="organisation_role",
            field=models.CharField(
                choices=[("member", "Member"), ("admin", "Organisation admin")],
                default="member",
                max_length=10,
                verbose_name="role in the organisation",
            ),
        ),
        migrations.RunPython(first_member_is_admin, migrations.RunPython.noop),
    ]
