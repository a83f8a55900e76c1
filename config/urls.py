from django.contrib import admin
from django.urls import include, path

from tenantdesk.core import health, installable
from tenantdesk.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("favicon.ico", core_views.favicon),
    # Installable (core/installable.py): the manifest and the service worker's offline page.
    path("manifest.webmanifest", installable.manifest, name="manifest"),
    path("offline", installable.offline, name="offline"),
    # Probes for nginx and process managers (core/health.py); no trailing slash, so
    # APPEND_SLASH never answers them with a redirect.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before accounts/: the e-mail preferences live at /accounts/notifications.
    path("", include("tenantdesk.notifications.urls")),
    # Before accounts/: the invitation link lives at /accounts/invite/<token>.
    path("", include("tenantdesk.people.urls")),
    path("", include("tenantdesk.places.urls")),
    path("accounts/", include("tenantdesk.accounts.urls")),
    path("request/", include("tenantdesk.service_requests.urls")),
    path("chat/", include("tenantdesk.chat.urls")),
    path("", include("tenantdesk.incidents.urls")),
    path("", include("tenantdesk.chat.saved_replies_urls")),
    path("email/", include("tenantdesk.notifications.inbound.urls")),
    path("live/", include("tenantdesk.notifications.live_urls")),
    path("", include("tenantdesk.announcements.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "tenantdesk.core.views.bad_request"
handler403 = "tenantdesk.core.views.permission_denied"
handler404 = "tenantdesk.core.views.page_not_found"
handler500 = "tenantdesk.core.views.server_error"
