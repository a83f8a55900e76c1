from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceRequestsConfig(AppConfig):
    name = "tenantdesk.service_requests"
    verbose_name = _("Service requests")

    def ready(self):
        # Connects the receivers: a deactivated manager's requests are unassigned.
        from tenantdesk.service_requests import receivers  # noqa: F401
