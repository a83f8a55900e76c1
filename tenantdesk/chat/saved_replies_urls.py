from django.urls import path

from tenantdesk.chat import saved_replies_pages as pages

app_name = "saved_replies"

urlpatterns = [
    path("company/saved-replies", pages.saved_replies_page, name="page"),
    path("company/saved-replies/<int:pk>", pages.saved_reply_edit, name="edit"),
    path("company/saved-replies/<int:pk>/accept", pages.saved_reply_accept, name="accept"),
    path("company/saved-replies/<int:pk>/delete", pages.saved_reply_delete, name="delete"),
]
