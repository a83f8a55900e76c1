"""What service_requests does when a lower app announces something."""

from django.dispatch import receiver

from tenantdesk.accounts.models import User
from tenantdesk.people.signals import manager_deactivated
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.workspace import service_request_assign


@receiver(manager_deactivated, sender=User, dispatch_uid="service_requests_unassign_leaver")
def _unassign_their_requests(sender, manager, actor, **kwargs):
    # Each through the workspace's own service: the row locked, the event recorded, and
    # "Unassigned" posted in the chat that the customer sees too. Closed requests keep
    # their assignee (history).
    open_ones = ServiceRequest.objects.filter(assignee=manager).exclude(
        status=ServiceRequest.Status.CLOSED
    )
    for service_request in open_ones.order_by("pk"):
        service_request_assign(actor=actor, service_request=service_request, assignee=None)
