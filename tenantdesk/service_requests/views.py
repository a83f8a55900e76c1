"""Placeholder pages until the service-requests issue lands: they exist so sign-in can
send each role to its start page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tenantdesk.core.permissions import access_service_request


@login_required
def create(request):
    return render(request, "service_requests/placeholder.html")


@login_required
def active_list(request):
    return render(request, "service_requests/placeholder.html")


@login_required
def detail(request, pk: int):
    service_request = access_service_request(request.user, pk)
    return render(
        request, "service_requests/placeholder.html", {"service_request": service_request}
    )
