from django.urls import path

from tenantdesk.people import views, views_company

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
    path("company/team", views_company.team_page, name="team"),
    path("company/team/invite", views_company.team_invite, name="team_invite"),
    path("company/team/<int:pk>/admin", views_company.team_admin, name="team_admin"),
    path("company/team/<int:pk>/deactivate", views_company.team_deactivate, name="team_deactivate"),
    path(
        "company/invitations/<int:pk>/resend",
        views_company.team_invitation_resend,
        name="team_invitation_resend",
    ),
    path(
        "company/invitations/<int:pk>/revoke",
        views_company.team_invitation_revoke,
        name="team_invitation_revoke",
    ),
    path("company/activity", views_company.company_activity, name="company_activity"),
]
