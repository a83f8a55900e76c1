"""Web Push: a message of the other side reaches the browsers people subscribed, tab open
or not (the service worker, static/js/service-worker.js, shows it).

A stored message is announced after commit (chat.announcements.message_posted); the
receiver here only enqueues `push_message` (django-tasks, run by `manage.py db_worker`),
so no push service is ever called inside a web request or a socket handler. The task
decides at run time who gets it: the people of the other side who may see the request
(service_requests.access), on the customer side only its followers (active members of its
organisation), on the manager side only its assignee, else every manager (the e-mails'
rules, notifications.recipients); not its author, and not those who have read it meanwhile.
A push service that answers 404 or 410 has forgotten the subscription: it is deleted.

Pushes go out through the outbound guard (core.outbound, SPEC "Outbound requests"), to the
push services' hosts only (PUSH_SERVICE_HOSTS), at public addresses only. The endpoint was
checked when the browser subscribed (live_views) and is checked again here, since a name
may start resolving elsewhere. A refusal is logged and nothing is sent. An endpoint refused
without a lookup (not https, not a push service's host, a literal non-public address) can
never be sent to, so it is deleted; one whose name resolves to a non-public address (or
whose push service redirects) is kept: that can be a passing DNS answer about a real push
service, and deleting every subscription on it would silently end everybody's pushes.

Off until VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set.
"""

from __future__ import annotations

import json
import logging

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from tenantdesk.accounts.roles import is_customer, is_manager
from tenantdesk.chat.announcements import message_posted
from tenantdesk.chat.inbox import preview
from tenantdesk.chat.models import Message, ReadCursor
from tenantdesk.core import outbound
from tenantdesk.notifications.models import PushSubscription
from tenantdesk.notifications.recipients import (
    customer_push_recipients,
    manager_push_recipients,
)

logger = logging.getLogger(__name__)

# How long a push service keeps a message for a browser that is offline: an hour-old
# "new message" is still worth showing; the e-mail digest covers longer absences.
TTL_SECONDS = 3600
TIMEOUT_SECONDS = 10  # the guard's own limits (core.outbound) may be shorter
GONE = (404, 410)


def push_configured() -> bool:
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def http_session() -> requests.Session:
    """The HTTP client the pushes go out through (one per task run): the outbound guard,
    for the push services' hosts only. Tests replace it (or its resolver), the boundary
    where a push would leave this machine."""
    return outbound.session(hosts=settings.PUSH_SERVICE_HOSTS)


def push_endpoint_check(*, endpoint: str, lookup_host: bool = True) -> None:
    """Raise outbound.OutboundRefused unless pushes may go to `endpoint`: https, a push
    service's host, public addresses only (looked up now unless `lookup_host` is off)."""
    if not settings.PUSH_SERVICE_HOSTS:
        # To the guard no host list means any host; here it means no push service.
        raise outbound.OutboundRefused(outbound.OutboundRefused.HOST, "no PUSH_SERVICE_HOSTS")
    outbound.check(endpoint, hosts=settings.PUSH_SERVICE_HOSTS, lookup_host=lookup_host)


@receiver(message_posted, dispatch_uid="notifications_push_on_message")
def _push_on_message(sender, message, **kwargs):
    # An internal note is never pushed: customers never see one, managers wrote it.
    if message.kind != Message.Kind.USER or message.internal or not push_configured():
        return
    if not PushSubscription.objects.exists():  # one cheap query saves a job per message
        return
    # message_posted comes after commit already; on_commit keeps it so for any caller.
    transaction.on_commit(lambda: push_message.enqueue(message_id=message.pk))


def _may_receive(user, message: Message) -> bool:
    """Someone of the other side who may see the request (service_requests.access' rules)."""
    if not user.is_active or user.pk == message.author_id:
        return False
    if is_manager(user):
        return not message.by_manager
    return (
        message.by_manager
        and is_customer(user)
        and user.organisation_id == message.service_request.organisation_id
    )


def _subscriptions_for(message: Message) -> list[PushSubscription]:
    candidates = (
        PushSubscription.objects.filter(
            # The customer side as for e-mails: the request's followers.
            Q(user__in=customer_push_recipients(message.service_request))
            # The manager side as for e-mails: the assignee, else every manager.
            | Q(user__in=manager_push_recipients(message.service_request)),
            user__is_active=True,
        )
        .select_related("user")
        .distinct()
        .order_by("pk")
    )
    subscriptions = [s for s in candidates if _may_receive(s.user, message)]
    # Read meanwhile (the chat was open): nothing to tell them.
    read = set(
        ReadCursor.objects.filter(
            service_request_id=message.service_request_id,
            user_id__in={s.user_id for s in subscriptions},
            last_read_id__gte=message.pk,
        ).values_list("user_id", flat=True)
    )
    return [s for s in subscriptions if s.user_id not in read]


def payload_for(message: Message, user) -> dict:
    """What the service worker shows, in the person's language."""
    service_request = message.service_request
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = preview(message.text) or _("Sent an attachment")
    return {
        # As the lists name a request, in either language.
        "title": f"#{service_request.pk} {service_request.title}",
        "body": body,
        "url": service_request.get_absolute_url(),
        # The page's own notification for the same message has the same tag: one replaces
        # the other instead of showing twice.
        "tag": f"td-request-{service_request.pk}",
        "message_id": message.pk,
    }


def _send(subscription: PushSubscription, payload: dict, session: requests.Session) -> bool:
    # Imported here, not at the top: pywebpush brings aiohttp, a third of a second of every
    # Django process's start (web workers, scripts, each test's subprocesses) for what only
    # the task worker does.
    from pywebpush import WebPushException, webpush

    try:
        push_endpoint_check(endpoint=subscription.endpoint, lookup_host=False)
    except outbound.OutboundRefused as refused:
        # Decided without DNS, so it stays refused: stored before the check existed, or
        # PUSH_SERVICE_HOSTS has shrunk since.
        logger.warning("push subscription %s refused (%s): deleted", subscription.pk, refused)
        subscription.delete()
        return False
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},  # a new dict: webpush adds to it
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
            requests_session=session,
        )
    except outbound.OutboundRefused as refused:
        # Refused where the connection would open (no connection was made): the name now
        # resolves to a non-public address, or the push service redirected. Kept (module
        # docstring); the next message tries again.
        logger.warning("push to subscription %s refused (%s)", subscription.pk, refused)
        return False
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in GONE:
            logger.info("push subscription %s gone (%s): deleted", subscription.pk, status)
            subscription.delete()
        else:
            logger.warning("push to subscription %s failed: %s", subscription.pk, status)
        return False
    except requests.RequestException as error:
        logger.warning("push to subscription %s failed: %s", subscription.pk, error)
        return False
    return True


@task()
def push_message(*, message_id: int) -> int:
    """Push a stored message to the other side's subscribed browsers; returns how many
    pushes the push services accepted."""
    if not push_configured():
        return 0
    message = (
        Message.objects.select_related("service_request", "author")
        .filter(pk=message_id, kind=Message.Kind.USER, internal=False)
        .first()
    )
    if message is None:
        return 0
    session = http_session()
    sent = 0
    for subscription in _subscriptions_for(message):
        sent += _send(subscription, payload_for(message, subscription.user), session)
    return sent
