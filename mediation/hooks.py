"""Mediation's hook points (the registry and its rules: ``grid/hooks.py``).

``mediation_decision_recorded`` (in the transaction, required)
    A decision on a case or an application, passed to each listener inside the transaction
    that made it: a case's outcome (``agreement`` 调解成功, ``failed`` 调解不成,
    ``terminated`` 终止调解), ``reopened`` 重新调解, the court's ruling on a judicial
    confirmation (``confirmation_confirmed`` / ``confirmation_refused``), a return visit's
    finding (``return_visit``), a legal-aid review (``legal_aid_approved`` /
    ``legal_aid_refused``), a recording of a video session stored (``session_recorded``,
    with its SHA-256), a party's confirmation of the draft agreement in the video room
    (``agreement_confirmed_in_room``, with the PDF's SHA-256). Payload ``MediationDecision``; ``details`` holds only strings,
    integers, booleans and None. Registered today: the audit trail
    (``audit.listeners.on_mediation_decision``), which must see every decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from grid.hooks import HookPoint, Phase
from grid.models import User


@dataclass(frozen=True)
class MediationDecision:
    decision: str
    actor: User | None
    subject: models.Model  # the case, confirmation, return visit or legal-aid application
    reference: str  # the grievance's tracking number
    details: dict = field(default_factory=dict)


mediation_decision_recorded: HookPoint[MediationDecision] = HookPoint(
    name="mediation.decision_recorded",
    payload=MediationDecision,
    phase=Phase.IN_TRANSACTION,
    required=True,
    doc="A mediation outcome, reopening, judicial-confirmation ruling, return visit or legal-aid review.",
)


def decided(decision: str, *, actor, subject: models.Model, reference: str, **details) -> None:
    """Announce one decision (services call this last, inside their transaction)."""
    mediation_decision_recorded.emit(MediationDecision(
        decision=decision, actor=actor if actor is not None and actor.pk else None, subject=subject,
        reference=reference, details=details,
    ))
