"""The live list's and browser notifications' endpoints, under /live/ (config/urls.py)."""

from django.urls import path

from tenantdesk.notifications import live_views

app_name = "live"

urlpatterns = [
    path("unread", live_views.unread, name="unread"),
    path("push-subscription", live_views.push_subscription, name="push_subscription"),
    path("service-worker.js", live_views.service_worker, name="service_worker"),
]
