"""What every change of people writes: the audit log line, an invitation's fresh link and
its e-mail, and the hourly invitation limit. Shared by the organisation's services
(services.py), the company's team (team.py) and accepting an invitation (accepting.py)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.core.errors import RateLimited
from tenantdesk.people import tokens
from tenantdesk.people.models import Invitation, MembershipEvent
from tenantdesk.people.signals import invitation_sent

Kind = MembershipEvent.Kind


def log(organisation_id, kind, *, actor=None, subject=None, email="", **data) -> None:
    """One line of the audit log (organisation_id None: the company's team)."""
    MembershipEvent.objects.create(
        organisation_id=organisation_id,
        kind=kind,
        actor=actor,
        actor_name=actor.display_name if actor else "",
        subject=subject,
        email=email or (subject.email if subject else ""),
        data=data,
    )


def announce_sent(invitation: Invitation) -> None:
    # Inside the transaction: the e-mail's job (a row) commits, or rolls back, with it.
    invitation_sent.send(sender=Invitation, invitation_id=invitation.pk, nonce=invitation.nonce)


def check_rate(organisation_id) -> None:
    """RateLimited once an organisation (None: the company) has sent INVITATIONS_PER_HOUR
    invitations, first ones and resends alike, in the last hour."""
    since = timezone.now() - timedelta(hours=1)
    sent = MembershipEvent.objects.filter(
        organisation_id=organisation_id,
        kind__in=(Kind.INVITED, Kind.INVITATION_RESENT),
        created_at__gte=since,
    ).count()
    if sent >= settings.INVITATIONS_PER_HOUR:
        raise RateLimited(
            _("This organisation has sent %(count)d invitations in the last hour; try later.")
            % {"count": sent}
        )


def fresh_link(invitation: Invitation) -> None:
    """A new nonce (the previous link stops working), valid for the full period."""
    invitation.nonce = tokens.new_nonce()
    invitation.token_hash = tokens.token_hash(tokens.invitation_token(invitation.nonce))
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=settings.INVITATION_VALID_DAYS)


def same_address(queryset, email: str):
    return queryset.filter(email__iexact=email.strip())


def _closed() -> ValidationError:
    return ValidationError(
        _("This invitation was already used or revoked."), code="invitation_closed"
    )


def resend(*, actor, invitation: Invitation, organisation_id) -> Invitation:
    """A new link for an open invitation of this organisation (None: the company's team),
    valid for the full period again; the caller has checked who acts and locked what its
    rules need, inside its transaction."""
    invitation = Invitation.objects.select_for_update().get(
        pk=invitation.pk, organisation_id=organisation_id
    )
    if invitation.accepted_at or invitation.revoked_at:
        raise _closed()
    check_rate(organisation_id)
    fresh_link(invitation)
    invitation.save(update_fields=["nonce", "token_hash", "sent_at", "expires_at"])
    log(organisation_id, Kind.INVITATION_RESENT, actor=actor, email=invitation.email)
    announce_sent(invitation)
    return invitation


def revoke(*, actor, invitation: Invitation, organisation_id) -> None:
    """Revoke an open invitation of this organisation (None: the company's team)."""
    revoked = Invitation.objects.filter(
        pk=invitation.pk, organisation_id=organisation_id, accepted_at=None, revoked_at=None
    ).update(revoked_at=timezone.now())
    if not revoked:
        raise _closed()
    log(organisation_id, Kind.INVITATION_REVOKED, actor=actor, email=invitation.email)
