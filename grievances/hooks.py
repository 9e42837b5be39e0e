"""The grievance loop's hook points: where other apps react to what happens to an appeal.

grievances owns these seams and imports none of its listeners; each listening app
registers in its own ``AppConfig.ready()`` (the registry and its rules: ``grid/hooks.py``).

``grievance_event_recorded`` (in the transaction, required)
    Every ``GrievanceEvent`` the loop writes (``grievances.services.record_events``, the one
    event writer: transitions, supervision, rejected returns, the deadlines module's
    paused/resumed/extension events …) is passed to each listener inside the transaction
    that wrote it, so a listener's rows commit or roll back together with the event.
    Listener signature ``(event: GrievanceEvent) -> None`` (``register``) or, set-based,
    ``(events: list[GrievanceEvent]) -> None`` (``register_many``: one event, or a batch
    written together, e.g. a deadline-scan chunk); ``event.grievance`` is the item as
    saved. Registered today: the 137+2030 clocks
    (``grievances.deadlines.services.handle_grievance_events``), the audit trail, the
    analysis rollups and the Open311 webhooks, all list listeners. An append-only audit log
    belongs here (its entry must exist exactly when the event does)::

        def ready(self):
            from grievances.hooks import grievance_event_recorded
            from audit.services import append_grievance_event
            grievance_event_recorded.register(append_grievance_event)

``grievance_event_committed`` (after commit, optional)
    The same events, each delivered once its transaction has committed (never for a
    rolled-back use-case). For reactions that must not slow down or break the loop:
    rollups, dashboards, webhooks. Listeners should be cheap and idempotent (enqueue a
    Celery task with the event id when the work is heavy).

``grievance_dispatched_to_mediation`` (in the transaction, required)
    A 矛盾纠纷调解 grievance was dispatched (分流) to a mediation organisation. Payload
    ``MediationDispatch(grievance, organisation, actor)``. Registered today: mediation opens
    the case tied to the grievance (``mediation.services.cases.on_dispatched_to_mediation``).
"""

from __future__ import annotations

from dataclasses import dataclass

from grid.hooks import HookPoint, Phase
from grid.models import Unit, User
from grievances.models import Grievance, GrievanceEvent


@dataclass(frozen=True)
class MediationDispatch:
    grievance: Grievance
    organisation: Unit
    actor: User | None


grievance_event_recorded: HookPoint[GrievanceEvent] = HookPoint(
    name="grievances.event_recorded",
    payload=GrievanceEvent,
    phase=Phase.IN_TRANSACTION,
    required=True,
    doc="Every grievance event, inside the transaction that wrote it (clocks, audit log).",
)

grievance_event_committed: HookPoint[GrievanceEvent] = HookPoint(
    name="grievances.event_committed",
    payload=GrievanceEvent,
    phase=Phase.AFTER_COMMIT,
    doc="Every grievance event, after its transaction committed (rollups, webhooks).",
)

grievance_dispatched_to_mediation: HookPoint[MediationDispatch] = HookPoint(
    name="grievances.dispatched_to_mediation",
    payload=MediationDispatch,
    phase=Phase.IN_TRANSACTION,
    required=True,
    doc="A dispute was dispatched to a mediation organisation (mediation opens its case).",
)
