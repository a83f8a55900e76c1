"""Invitation links: an HMAC of the invitation's nonce, looked up by its SHA-256."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings


def new_nonce() -> str:
    return secrets.token_hex(16)


def invitation_token(nonce: str) -> str:
    """The link's token: 43 URL-safe characters only SECRET_KEY can make from the nonce."""
    message = f"tenantdesk.invitation:{nonce}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
