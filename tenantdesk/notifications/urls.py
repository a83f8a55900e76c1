from django.urls import path

from tenantdesk.notifications import views

app_name = "notifications"

urlpatterns = [
    path("accounts/notifications", views.preferences, name="preferences"),
    path("email/unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
]
