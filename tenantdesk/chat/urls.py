from django.urls import path

from tenantdesk.chat import views

app_name = "chat"

urlpatterns = [
    path("<int:pk>/messages", views.messages, name="messages"),
    path("<int:pk>/delivered", views.delivered, name="delivered"),
    path("<int:pk>/read", views.read, name="read"),
    path("<int:pk>/read/<str:token>", views.read_marker, name="read_marker"),
    path("attachments/<int:attachment_id>", views.attachment, name="attachment"),
    path(
        "attachments/<int:attachment_id>/thumbnail",
        views.attachment,
        {"thumbnail": True},
        name="attachment_thumbnail",
    ),
]
