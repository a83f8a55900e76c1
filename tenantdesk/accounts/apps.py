from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tenantdesk.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from tenantdesk.accounts import revocation, signals

        signals.connect()
        revocation.connect()
