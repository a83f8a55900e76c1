from django.urls import path

from tenantdesk.accounts import theme, two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("register", views.RegisterView.as_view(), name="register"),
    path("login", views.SignInView.as_view(), name="login"),
    path("login/verify", two_factor_views.login_verify, name="login_verify"),
    path("logout", views.SignOutView.as_view(), name="logout"),
    path("password-reset", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("profile", views.profile, name="profile"),
    path("profile/email", views.profile_email, name="profile_email"),
    path("profile/password", views.profile_password, name="profile_password"),
    path("profile/theme", theme.profile_theme, name="profile_theme"),
    path("two-factor/setup", two_factor_views.setup, name="two_factor_setup"),
    path("two-factor/disable", two_factor_views.disable, name="two_factor_disable"),
    path(
        "two-factor/recovery-codes",
        two_factor_views.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path(
        "profile/email/confirm-again",
        views.profile_email_confirm_again,
        name="profile_email_confirm_again",
    ),
    path(
        "profile/email/confirm/<str:token>",
        views.email_change_confirm,
        name="email_change_confirm",
    ),
]
