"""Saved replies (issue 12): the managers' prepared texts, read for the composer's picker.

Edited in the admin site in both languages; the picker gets each text in the page's
language (Russian when the page is Russian, English otherwise).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tenantdesk.chat.models import SavedReply
from tenantdesk.core.errors import json_endpoint
from tenantdesk.service_requests.access import can_use_saved_replies


def saved_reply_list(*, language: str | None) -> list[dict]:
    """The replies in use, in their order, with the text in `language` (en or ru)."""
    field = "text_ru" if (language or "").startswith("ru") else "text_en"
    return [
        {"id": pk, "title": title, "text": text}
        for pk, title, text in SavedReply.objects.filter(is_active=True)
        .order_by("position", "title", "pk")
        .values_list("pk", "title", field)
    ]


@json_endpoint(methods=["GET"])
def saved_replies(request):
    """GET /chat/saved-replies: {"replies": [{id, title, text}]}, managers only (403)."""
    if not can_use_saved_replies(request.user):
        raise PermissionDenied(_("Saved replies are for managers."))
    return JsonResponse({"replies": saved_reply_list(language=get_language())})
