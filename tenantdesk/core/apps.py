from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tenantdesk.core"
    verbose_name = _("Core")

    def ready(self):
        # Registers the system checks (core.E001, core.W001).
        from tenantdesk.core import checks  # noqa: F401
