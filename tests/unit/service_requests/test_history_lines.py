"""The request history's lines for issue 22's events name what they are about."""

import pytest
from django.utils import translation

from tenantdesk.service_requests.events import event_text
from tenantdesk.service_requests.models import RequestEvent

Kind = RequestEvent.Kind


@pytest.mark.parametrize(
    ("kind", "data", "english", "russian"),
    [
        (
            Kind.INCIDENT_LINKED,
            {"incident_id": 7, "incident": "Lift out of order"},
            "Linked to incident: Lift out of order",
            "Привязана к инциденту: Lift out of order",
        ),
        (
            Kind.INCIDENT_UNLINKED,
            {"incident_id": 7, "incident": "Lift out of order"},
            "Unlinked from incident: Lift out of order",
            "Отвязана от инцидента: Lift out of order",
        ),
        (
            Kind.LOCATED,
            {"location_id": 3, "location": "North Tower, 204"},
            "Location: North Tower, 204",
            "Место: North Tower, 204",
        ),
    ],
)
def test_the_line_names_the_incident_or_the_place(kind, data, english, russian):
    event = RequestEvent(kind=kind, data=data)
    with translation.override("en"):
        assert event_text(event) == english
    with translation.override("ru"):
        assert event_text(event) == russian
