from django.urls import path

from tenantdesk.people import views

app_name = "people"

urlpatterns = [
    path("org/members", views.members, name="members"),
    path("org/members/invite", views.invite, name="invite"),
    path("org/members/<int:pk>/role", views.member_role, name="member_role"),
    path("org/members/<int:pk>/remove", views.member_remove, name="member_remove"),
    path("org/invitations/<int:pk>/resend", views.invitation_resend, name="invitation_resend"),
    path("org/invitations/<int:pk>/revoke", views.invitation_revoke, name="invitation_revoke"),
    path("org/details", views.details, name="details"),
    path("org/activity", views.activity, name="activity"),
    path("accounts/invite/<str:token>", views.accept, name="accept"),
]
