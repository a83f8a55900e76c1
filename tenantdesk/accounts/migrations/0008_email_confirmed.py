# The addresses people had before confirmation existed have been receiving the service's
# e-mails all along: they count as confirmed at the migration; every address from now on is
# confirmed by a link.

from django.db import migrations, models
from django.utils import timezone


def existing_addresses_confirmed(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.exclude(email="").update(email_confirmed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_company_admin"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="e-mail confirmed"),
        ),
        migrations.RunPython(existing_addresses_confirmed, migrations.RunPython.noop),
    ]
