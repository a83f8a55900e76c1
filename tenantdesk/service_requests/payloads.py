"""The typed payload of each kind of RequestEvent (its `data`, stored as JSON).

Plain dataclasses, so the model can hand them out (`RequestEvent.payload`) and every
listener reads fields, not dictionary keys; `to_data`/`from_data` keep the JSON's keys as
they were stored before the one history existed ("from", "to", "assignee_id" …).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar


class Payload:
    # Field names that are stored under another key (Python's `from` is a keyword).
    KEYS: ClassVar[dict[str, str]] = {}

    def to_data(self) -> dict[str, Any]:
        """The JSON to store: what has a value (an empty or missing one reads back as the
        field's default)."""
        return {
            self.KEYS.get(f.name, f.name): getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) not in (None, "")
        }

    @classmethod
    def from_data(cls, data: dict | None):
        data = data or {}
        keys = {f.name: cls.KEYS.get(f.name, f.name) for f in fields(cls)}
        # Every field has a default: an older row without a key reads as the default.
        return cls(**{name: data[key] for name, key in keys.items() if key in data})


@dataclass(frozen=True)
class Created(Payload):
    """The request was opened. `channel`: "form" (a member), "phone" (a manager for the
    organisation that called), "demo"; a phone request names the organisation."""

    channel: str = "form"
    organisation_id: int | None = None
    organisation: str = ""


@dataclass(frozen=True)
class StatusChanged(Payload):
    """A step of the transition table (service_requests/lifecycle.py)."""

    KEYS: ClassVar[dict[str, str]] = {"from_status": "from", "to_status": "to"}
    from_status: str = ""
    to_status: str = ""
    action: str = ""
    # Why, when the person had to say (a customer reopening).
    reason: str = ""


@dataclass(frozen=True)
class Assigned(Payload):
    assignee_id: int | None = None
    assignee: str = ""
    previous_id: int | None = None
    previous: str | None = None


@dataclass(frozen=True)
class Unassigned(Payload):
    previous_id: int | None = None
    previous: str | None = None


@dataclass(frozen=True)
class PriorityChanged(Payload):
    KEYS: ClassVar[dict[str, str]] = {"from_priority": "from", "to_priority": "to"}
    from_priority: str = ""
    to_priority: str = ""


@dataclass(frozen=True)
class Rated(Payload):
    score: int = 0
    comment: str = ""


@dataclass(frozen=True)
class Located(Payload):
    """A manager placed the request (or moved it): the premises and how it read then."""

    location_id: int | None = None
    location: str = ""
    previous_id: int | None = None
    previous: str | None = None


@dataclass(frozen=True)
class IncidentLink(Payload):
    """The request joined (or left) an incident: one cause, many requests (issue 22)."""

    incident_id: int | None = None
    incident: str = ""


@dataclass(frozen=True)
class IncidentUnlink(IncidentLink):
    """The request left an incident: the same fields, a type of its own, because
    events.event_record tells an event's kind by its payload's type."""
