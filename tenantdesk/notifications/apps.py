from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """E-mail, browser push and reply by e-mail: the app on top of the chat.

    It listens to what the lower apps announce (chat.announcements,
    service_requests.signals) and never the other way round.
    """

    name = "tenantdesk.notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # Connects the receivers: e-mail on messages, closings and new requests; Web Push.
        from tenantdesk.notifications import push, receivers  # noqa: F401
