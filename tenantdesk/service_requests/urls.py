from django.urls import path

from tenantdesk.service_requests.views import actions, create, detail, lists, location

app_name = "service_requests"

urlpatterns = [
    path("new", create.create, name="new"),
    path("list", lists.active_list, name="list"),
    path("<int:pk>", detail.detail, name="detail"),
    # The page's header and details alone, for its live updates (issue 23).
    path("<int:pk>/panels", detail.panels, name="panels"),
    path("<int:pk>/status", actions.change_status, name="change_status"),
    # The manager's workspace (issue 12).
    path("<int:pk>/assign", actions.assign, name="assign"),
    path("<int:pk>/priority", actions.set_priority, name="set_priority"),
    # Places (issue 22): a manager places the request, or moves it.
    path("<int:pk>/location", location.set_location, name="set_location"),
    # Private files: served only after the same access check as the page.
    path("<int:pk>/photo", detail.photo, name="photo"),
    path("<int:pk>/photo/thumb", detail.photo, {"thumbnail": True}, name="photo_thumbnail"),
    # The closure loop and further photos (issue 12).
    path("<int:pk>/reopen", actions.reopen, name="reopen"),
    path("<int:pk>/rate", actions.rate, name="rate"),
    # Followers (issue 21): whose notifications a member of the organisation gets.
    path("<int:pk>/follow", actions.follow, name="follow"),
    path("<int:pk>/unfollow", actions.unfollow, name="unfollow"),
    path("<int:pk>/photos/<int:position>", detail.photo_at, name="photo_at"),
    path(
        "<int:pk>/photos/<int:position>/thumb",
        detail.photo_at,
        {"thumbnail": True},
        name="photo_at_thumbnail",
    ),
]
