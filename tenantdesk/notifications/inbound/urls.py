from django.urls import path

from tenantdesk.notifications.inbound import views

app_name = "inbound_email"

urlpatterns = [
    # No trailing slash: a provider's POST must not meet an APPEND_SLASH redirect.
    path("inbound", views.inbound_email, name="inbound"),
]
