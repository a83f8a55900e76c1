"""User names tried at sign-in, as the lock-out's records and our sign-in log keep them.

A sign-in form receives whatever a client sends: names far longer than any account's
(axes keeps 255 characters, our log 150, and PostgreSQL refuses a longer value) or with
NUL characters (PostgreSQL refuses them in any text). Such an attempt is still a failed
sign-in to count and to log, so the name is stored cleaned and cut, never refused.
"""

from axes.models import AccessAttempt

# U+FFFD REPLACEMENT CHARACTER: visibly "something unprintable was here" in the admin, and
# no account can have it (user names are letters, digits and @.+-_).
NUL_REPLACEMENT = "\ufffd"


def username_without_nul(name: str) -> str:
    return name.replace("\x00", NUL_REPLACEMENT)


def username_for_log(name: str | None, *, max_length: int) -> str:
    """The name tried, as a text column of `max_length` can keep it."""
    return username_without_nul(name or "")[:max_length]


def axes_username(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the name axes stores in its AccessAttempt records."""
    if credentials:
        name = credentials.get("username")
    else:  # axes' own fallback when it has no credentials
        name = getattr(request, "POST", {}).get("username")
    if name is None:
        return None
    return username_for_log(name, max_length=AccessAttempt._meta.get_field("username").max_length)
