from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "tenantdesk.places"
    verbose_name = _("Buildings and premises")
