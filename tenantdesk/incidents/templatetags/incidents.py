"""The incidents' pieces on other apps' pages: the known issues on a member's
/request/new, and the incident panel on a manager's request page."""

from __future__ import annotations

import json

from django import template
from django.utils import timezone

from tenantdesk.core.date_labels import short_datetime_label, time_label
from tenantdesk.incidents import selectors
from tenantdesk.incidents.access import can_manage_incidents, may_see_known_issues
from tenantdesk.places.selectors import places_for

register = template.Library()


def since_label(moment) -> str:
    """ "09:40" today, else the short date and time."""
    if timezone.localdate(moment) == timezone.localdate():
        return time_label(moment)
    return short_datetime_label(moment)


@register.inclusion_tag("incidents/_known_issues.html", takes_context=True)
def known_issues(context, form=None):
    """The open incidents of the member's buildings, each with "Add us to it" (a submit
    button of the create form that posts it to the incident's join). The page's script
    (incidents/known-issues.js) shows those of the type picked, and of the picked place's
    building when the form has a place; without it they are all listed."""
    user = context.get("user")
    if not may_see_known_issues(user):
        return {"issues": []}
    issues = selectors.known_issues(user.organisation_id)
    for issue in issues:
        issue.since = since_label(issue.created_at)
    premises_buildings = {}
    if issues and form is not None and "location" in form.fields:
        premises_buildings = {
            str(pk): building
            for pk, building in places_for(user.organisation_id).values_list("pk", "building_id")
        }
    return {"issues": issues, "premises_buildings": json.dumps(premises_buildings)}


@register.inclusion_tag("incidents/_request_panel.html", takes_context=True)
def request_incident_panel(context):
    """For a manager on a request's page: the incident it belongs to, or the open ones of
    its building to link it to, and "New incident" from it."""
    user = context.get("user")
    service_request = context.get("service_request")
    if service_request is None:
        return {"show": False}
    if not can_manage_incidents(user):
        # A member on their request's page: the incident's title only (its page is the
        # managers'), so they know their request is part of a known problem (issue 23).
        incident = selectors.linked_incident(service_request)
        return {"show": incident is not None, "incident": incident, "linked_only": True}
    incident, candidates = selectors.request_panel(service_request)
    return {
        "show": True,
        "service_request": service_request,
        "incident": incident,
        "candidates": candidates,
        "csrf_token": context.get("csrf_token"),
    }
