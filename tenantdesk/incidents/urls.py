from django.urls import path

from tenantdesk.incidents import views, views_join

app_name = "incidents"

urlpatterns = [
    path("incidents", views.incident_list, name="list"),
    path("incidents/new", views.incident_new, name="new"),
    path("incidents/<int:pk>", views.incident_detail, name="detail"),
    path("incidents/<int:pk>/update", views.incident_update, name="update"),
    path("incidents/<int:pk>/link", views.incident_link, name="link"),
    path("incidents/<int:pk>/unlink/<int:request_pk>", views.incident_unlink, name="unlink"),
    path("incidents/<int:pk>/close", views.incident_close_view, name="close"),
    # A member's "Add us to it" on /request/new.
    path("incidents/<int:pk>/join", views_join.join, name="join"),
]
