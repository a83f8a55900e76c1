"""What base.html gives the live list's script (static/js/inbox.js) and the notification
control: addresses, strings in the page's language, and the VAPID public key when set."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import json_script
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def live_config(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    config = {
        "wsPath": "/ws/inbox/",
        "unreadUrl": reverse("live:unread"),
        "listUrl": reverse("service_requests:list"),
        "pushUrl": reverse("live:push_subscription"),
        "serviceWorkerUrl": reverse("live:service_worker"),
        "logoutUrl": reverse("accounts:logout"),
        # Push is offered only when the server can sign pushes.
        "vapidPublicKey": settings.VAPID_PUBLIC_KEY or None,
        "strings": {
            "enable": _("Enable notifications"),
            "on": _("Notifications on"),
            "blocked": _("Notifications blocked"),
            "blockedHelp": _(
                "Notifications are blocked for this site; allow them in the browser's site "
                "settings."
            ),
            "turnOff": _("Notifications are on; click to turn them off."),
            "attachment": _("Sent an attachment"),
        },
    }
    return json_script(config, "live-config")
