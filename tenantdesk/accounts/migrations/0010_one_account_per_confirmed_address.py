import django.db.models.functions.text
from django.db import migrations, models


def unconfirm_repeated_addresses(apps, schema_editor):
    """Before the constraint: where several accounts hold the same address as confirmed
    (0008 marked every address in use confirmed, repeated ones too), the address stays
    confirmed for one account only: an active one first, then the oldest. The others are
    asked to confirm it again (nothing but that link is sent to them meanwhile), and
    their profile page offers to send the link again."""
    User = apps.get_model("accounts", "User")
    seen = set()
    unconfirm = []
    rows = (
        User.objects.filter(email_confirmed_at__isnull=False)
        .exclude(email="")
        .order_by("-is_active", "date_joined", "pk")
        .values_list("pk", "email")
    )
    for pk, email in rows.iterator(chunk_size=2000):
        key = email.lower()
        if key in seen:
            unconfirm.append(pk)
        else:
            seen.add(key)
    for start in range(0, len(unconfirm), 1000):
        User.objects.filter(pk__in=unconfirm[start : start + 1000]).update(email_confirmed_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_user_session_stamp"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(unconfirm_repeated_addresses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("email_confirmed_at__isnull", False))
                & ~models.Q(("email", "")),
                name="accounts_one_account_per_confirmed_address",
            ),
        ),
    ]
