from django.urls import path

from tenantdesk.announcements import views

app_name = "announcements"

# Included at the site's root: the list is /announcements, without a slash, like the
# site's other pages.
urlpatterns = [
    path("announcements", views.announcement_list, name="list"),
    path("announcements/new", views.announcement_new, name="new"),
    path("announcements/<int:pk>/edit", views.announcement_edit, name="edit"),
    path("announcements/<int:pk>/end", views.announcement_end, name="end"),
    path("announcements/<int:pk>/delete", views.announcement_delete, name="delete"),
    path("announcements/<int:pk>/dismiss", views.announcement_dismiss, name="dismiss"),
]
