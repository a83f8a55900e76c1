"""The link that confirms a new e-mail address: a signed, timestamped value, no table.

It names the person, the new address and the address they had when they asked. So it
works only for that person, only within EMAIL_CHANGE_TIMEOUT, and only while their address
is still the one it was made for: once any change of address is confirmed, every other
link made before it stops working (a link cannot be used twice).

A signed value is readable by whoever holds it (it is signed, not encrypted), and the link
goes to the new address, which may be a mistyped stranger's: the current address is in it
only as a keyed hash (HMAC with SECRET_KEY), which tells them nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from tenantdesk.accounts.models import User

SALT = "tenantdesk.accounts.email-change"


@dataclass(frozen=True)
class EmailChange:
    user_id: int
    new_email: str
    # The keyed hash of the address the person had when they asked (address_hash).
    old_email_hash: str

    def made_for(self, current_email: str) -> bool:
        """Whether the link was made while the person's address was `current_email`."""
        return constant_time_compare(self.old_email_hash, address_hash(current_email))


def address_hash(email: str) -> str:
    return salted_hmac(SALT, email, algorithm="sha256").hexdigest()


def email_change_token(*, user: User, new_email: str) -> str:
    """A signed value asking to change this person's address to `new_email`."""
    return signing.dumps(
        {"user": user.pk, "new": new_email, "old": address_hash(user.email)}, salt=SALT
    )


def email_change_read(token: str) -> EmailChange | None:
    """What a token asks for, or None when it is tampered with, malformed or expired."""
    try:
        value = signing.loads(token, salt=SALT, max_age=settings.EMAIL_CHANGE_TIMEOUT)
        return EmailChange(
            user_id=int(value["user"]),
            new_email=str(value["new"]),
            old_email_hash=str(value["old"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        # SignatureExpired is a BadSignature; a validly signed value of another shape (a
        # token of another feature would need our salt, so only a bug makes one) is refused.
        return None


def email_taken(*, email: str, by_other_than: User) -> bool:
    """Whether another account already uses this address (letters' case ignored)."""
    return User.objects.filter(email__iexact=email).exclude(pk=by_other_than.pk).exists()
