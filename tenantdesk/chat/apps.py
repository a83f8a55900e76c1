from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "tenantdesk.chat"
    verbose_name = _("Chat")

    def ready(self):
        from tenantdesk.chat import signals  # noqa: F401  (connects the receivers)
