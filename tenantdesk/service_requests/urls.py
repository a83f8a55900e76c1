from django.urls import path

from tenantdesk.service_requests import views, views_closure, views_workspace

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
    # The closure loop and further photos (issue 12).
    path("<int:pk>/reopen", views_closure.reopen, name="reopen"),
    path("<int:pk>/rate", views_closure.rate, name="rate"),
    path("<int:pk>/photos/<int:position>", views_closure.photo_at, name="photo_at"),
    path(
        "<int:pk>/photos/<int:position>/thumb",
        views_closure.photo_at,
        {"thumbnail": True},
        name="photo_at_thumbnail",
    ),
]
