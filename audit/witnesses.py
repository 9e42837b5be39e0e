"""Rows of other tables the trail keeps a witness of: today grievance events.

An audit row about a grievance event stores the SHA-256 of the event's canonical content
(audit.chain.grievance_event_content) in ``object_hash``. ``verify_audit`` recomputes it
from the events table, so an event edited or deleted behind the ORM's back (raw SQL, a
disabled trigger) is caught, and so is an event inserted without passing through the loop.
"""

from __future__ import annotations

from audit import chain
from grievances.models import GrievanceEvent

EVENT_TYPE = "grievances.grievanceevent"
EVENT_FIELDS = ("id", "grievance_id", "actor_id", "action", "from_state", "to_state", "unit_id", "note",
                "public", "created_at")


def event_hash(event: GrievanceEvent) -> str:
    return chain.grievance_event_hash(**{name: getattr(event, name) for name in EVENT_FIELDS})


def event_hashes(ids) -> dict[int, str]:
    """Current content hashes of the given events (absent ids: the event is gone)."""
    rows = GrievanceEvent.objects.filter(pk__in=list(ids)).order_by().values_list(*EVENT_FIELDS)
    return {row[0]: chain.grievance_event_hash(**dict(zip(EVENT_FIELDS, row, strict=True))) for row in rows}
