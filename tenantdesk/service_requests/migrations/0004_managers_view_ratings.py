"""The `manager` group reads ratings in the admin site, as it reads requests and their
history (accounts 0002); ratings are written by the rating service only."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGER_GROUP = "manager"  # frozen copy of tenantdesk.core.permissions.MANAGER_GROUP
CODENAMES = ["view_rating"]


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations; make this app's now.
    app_config = apps.get_app_config("service_requests")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=MANAGER_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="service_requests", codename__in=CODENAMES
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=MANAGER_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="service_requests", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("service_requests", "0003_workspace_and_closure_loop"),
        ("accounts", "0002_manager_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
