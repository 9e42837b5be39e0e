"""The lawyer Q&A's hook points (the registry and its rules: ``grid/hooks.py``).

``qa_decision_recorded`` (in the transaction, required)
    A decision in the Q&A and public legal services, passed to each listener inside the
    transaction that made it: the best answer (``best_answer`` by the asker,
    ``best_answer_by_staff``), the asker's closing review (``question_closed``), a lawyer's
    verification (``lawyer_verified`` / ``lawyer_revoked``), a commission's steps
    (``commission_accepted`` / ``_declined`` / ``_completed`` / ``_cancelled`` / ``_rated``),
    a service application's review (``application_approved`` / ``_missing`` / ``_refused``).
    Payload ``QADecision``; ``details`` holds only strings, integers, booleans and None.
    Registered today: the audit trail (``audit.listeners.on_qa_decision``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from grid.hooks import HookPoint, Phase
from grid.models import User


@dataclass(frozen=True)
class QADecision:
    decision: str
    actor: User | None
    subject: models.Model  # the question, answer, profile, commission or application
    reference: str  # readable: the question's title, "委托 12" …
    details: dict = field(default_factory=dict)


qa_decision_recorded: HookPoint[QADecision] = HookPoint(
    name="lawyers.decision_recorded",
    payload=QADecision,
    phase=Phase.IN_TRANSACTION,
    required=True,
    doc="A best answer, closing review, lawyer verification, commission step or application review.",
)


def decided(decision: str, *, actor, subject: models.Model, reference: str, **details) -> None:
    """Announce one decision (services call this last, inside their transaction)."""
    qa_decision_recorded.emit(QADecision(
        decision=decision, actor=actor if actor is not None and actor.pk else None, subject=subject,
        reference=str(reference)[:200], details=details,
    ))
