"""Creates the `manager` group with what a manager needs, so it exists after `migrate`."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGER_GROUP = "manager"  # frozen copy of tenantdesk.core.permissions.MANAGER_GROUP

# app_label -> model -> actions. Managers read everything in the admin site and may change
# requests and organisations' details; they never delete anything there.
MANAGER_PERMISSIONS = {
    "accounts": {"organisation": ["view", "change"], "user": ["view"]},
    "service_requests": {"servicerequest": ["view", "change"], "statuschange": ["view"]},
    "chat": {"message": ["view", "add"], "attachment": ["view", "add"]},
}


def create_manager_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so we can grant them.
    for app_config in apps.get_app_configs():
        # create_permissions skips apps without a models module, which migration states
        # lack; restore the old value so a caller's registry is left as it was.
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=MANAGER_GROUP)
    for app_label, models in MANAGER_PERMISSIONS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


def remove_manager_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MANAGER_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("service_requests", "0001_initial"),
        ("chat", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_manager_group, remove_manager_group)]
