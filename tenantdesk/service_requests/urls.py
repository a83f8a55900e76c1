from django.urls import path

from tenantdesk.service_requests import views, views_workspace

app_name = "service_requests"

urlpatterns = [
    path("new", views.create, name="new"),
    path("list", views.active_list, name="list"),
    path("<int:pk>", views.detail, name="detail"),
    path("<int:pk>/status", views.change_status, name="change_status"),
    # The manager's workspace (issue 12).
    path("<int:pk>/assign", views_workspace.assign, name="assign"),
    path("<int:pk>/priority", views_workspace.set_priority, name="set_priority"),
    # Private files: served only after the same access check as the page.
    path("<int:pk>/photo", views.photo, name="photo"),
    path("<int:pk>/photo/thumb", views.photo, {"thumbnail": True}, name="photo_thumbnail"),
]
