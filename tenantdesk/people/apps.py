from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "tenantdesk.people"
    verbose_name = _("People")

    def ready(self):
        # Connects the receivers: sign-in security events go to the membership log.
        from tenantdesk.people import receivers  # noqa: F401
