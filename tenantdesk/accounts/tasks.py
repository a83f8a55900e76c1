"""The accounts' e-mails, sent by the task worker (django-tasks, `manage.py db_worker`),
never inside the request that asked for them.

A password reset is enqueued with nothing but the address typed into the form: whether it
belongs to anyone is found out here, so the page that asked answers in the same time
whether or not it does. Each e-mail is in its recipient's language (User.language), with a
plain-text and an HTML part, and links to SITE_URL. Jobs take ids and addresses, never
objects: they run later and read the current state.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tasks import task

from tenantdesk.accounts.email_change import email_change_token, email_taken
from tenantdesk.accounts.models import User
from tenantdesk.core.languages import supported_language


def _language_of(user: User) -> str:
    return supported_language(user.language or settings.LANGUAGE_CODE)


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _send(*, user: User, to: str, template: str, subject: str, context: dict) -> None:
    """Render accounts/email/<template>.txt and .html (in the active language) and send."""
    context = {
        **context,
        "user": user,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "subject": subject,
        "language": translation.get_language(),
    }
    message = EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}",
        body=render_to_string(f"accounts/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    message.attach_alternative(
        render_to_string(f"accounts/email/{template}.html", context), "text/html"
    )
    message.send()


@task()
def password_reset_send(email: str) -> dict:
    """E-mail a password reset link to every active account with this address (Django's
    own choice of accounts and its own single-use, expiring token); none: nothing."""
    sent = 0
    # Django's rule: active accounts with a usable password whose address matches,
    # letters' case ignored.
    for user in PasswordResetForm().get_users(email):
        with translation.override(_language_of(user)):
            path = reverse(
                "accounts:password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
            _send(
                user=user,
                to=user.email,
                template="password_reset",
                subject=_("Reset your password"),
                context={
                    "reset_url": _absolute(path),
                    "valid_minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60),
                },
            )
        sent += 1
    return {"sent": sent}


@task()
def email_change_send(user_id: int, new_email: str) -> dict:
    """E-mail the link that confirms `new_email` as this person's address to that address
    (their present address, not yet confirmed: the confirmation of a new account's)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    # Taken by someone else since it was asked for: the link could not be used anyway.
    if user is None or email_taken(email=new_email, by_other_than=user):
        return {"sent": 0}
    first = new_email == user.email  # confirming the address they have, not a new one
    with translation.override(_language_of(user)):
        path = reverse(
            "accounts:email_change_confirm",
            kwargs={"token": email_change_token(user=user, new_email=new_email)},
        )
        _send(
            user=user,
            to=new_email,
            template="email_confirm" if first else "email_change",
            subject=_("Confirm your e-mail address")
            if first
            else _("Confirm your new e-mail address"),
            context={
                "confirm_url": _absolute(path),
                "new_email": new_email,
                "valid_hours": max(1, settings.EMAIL_CHANGE_TIMEOUT // 3600),
            },
        )
    return {"sent": 1}
