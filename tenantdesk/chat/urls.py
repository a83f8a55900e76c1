from django.urls import path

from tenantdesk.chat import saved_replies, views

app_name = "chat"

urlpatterns = [
    path("<int:pk>/messages", views.messages, name="messages"),
    path("<int:pk>/delivered", views.delivered, name="delivered"),
    path("<int:pk>/read", views.read, name="read"),
    path("<int:pk>/read/<str:token>", views.read_marker, name="read_marker"),
    path("attachments/<int:attachment_id>", views.attachment, name="attachment"),
    # The managers' saved replies for the composer (issue 12).
    path("saved-replies", saved_replies.saved_replies, name="saved_replies"),
    path(
        "attachments/<int:attachment_id>/thumbnail",
        views.attachment,
        {"thumbnail": True},
        name="attachment_thumbnail",
    ),
]
