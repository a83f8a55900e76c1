"""The read report of a request page opened without JavaScript.

Such a page cannot tell when something was on screen, so opening it is the reading: its
<noscript> image loads /chat/<id>/read/<token> (chat/panel.html). The token is signed, so
only a page the site rendered for this person can move their read position, and a link
copied elsewhere is useless to anyone else; it names the newest message the page showed.
"""

from __future__ import annotations

from django.core import signing

from tenantdesk.chat.ids import is_message_id

_SALT = "tenantdesk.chat.read-marker"
# A page's image loads as the page does; a day leaves room for a slow or restored page.
MAX_AGE_SECONDS = 24 * 3600


def read_marker_token(*, user_id: int, service_request_id: int, up_to_id: int) -> str:
    return signing.dumps([user_id, service_request_id, up_to_id], salt=_SALT, compress=False)


def read_marker_up_to(token: str, *, user_id: int, service_request_id: int) -> int | None:
    """The message id the token marks as read, when it was made for this person and
    request and has not expired; else None."""
    try:
        value = signing.loads(token, salt=_SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not (isinstance(value, list) and len(value) == 3):
        return None
    signed_user, signed_request, up_to_id = value
    if signed_user != user_id or signed_request != service_request_id:
        return None
    return up_to_id if is_message_id(up_to_id) else None
