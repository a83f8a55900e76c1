"""The membership log also keeps what accounts announces about a person's sign-in security
(two-factor on or off, a password reset by e-mail): one log of people, in one place. A
member's lines go to their organisation's log, a manager's to the team's."""

from django.dispatch import receiver

from tenantdesk.accounts.models import User
from tenantdesk.accounts.signals import security_event
from tenantdesk.people.records import log


@receiver(security_event, sender=User, dispatch_uid="people_log_security_event")
def _log_security_event(sender, user, kind, **kwargs):
    # Sent after the change committed: this line is written on its own.
    log(user.organisation_id, kind, actor=user, subject=user)
