"""What a person may do with a mediation case now: one table for the case page and the services.

Each entry names an action and the rule that allows it; ``case_allowed_actions`` returns the
names allowed for this user on this case in its current state, and the case page shows
exactly those (the services refuse the rest with their own messages).
"""

from __future__ import annotations

from django_fsm import can_proceed

from mediation.models import ConfirmationStatus, MediationCase
from mediation.services.access import can_assign_mediators, can_oversee_case, can_work_case
from mediation.services.aftercare import confirmation_refusal
from mediation.services.outcomes import needs_reopening


def _open_and_worker(user, case: MediationCase) -> bool:
    return case.is_open and can_work_case(user, case)


def _pending_confirmation(case: MediationCase) -> bool:
    return case.confirmations.filter(status=ConfirmationStatus.APPLIED).exists()


CASE_ACTIONS = {
    # parties, facts, sessions and their records
    "work": _open_and_worker,
    "assign_mediators": lambda user, case: case.is_open and can_assign_mediators(user, case),
    "conclude_success": lambda user, case: _open_and_worker(user, case) and can_proceed(case.succeed),
    "conclude_failed": lambda user, case: _open_and_worker(user, case) and can_proceed(case.fail),
    "terminate": lambda user, case: _open_and_worker(user, case) and can_proceed(case.terminate),
    "reopen": lambda user, case: can_work_case(user, case) and can_proceed(case.reopen) and needs_reopening(case),
    # the same rule apply_judicial_confirmation refuses with (succeeded with an agreement, no
    # application pending, never after a 已确认 ruling)
    "apply_confirmation": lambda user, case: can_oversee_case(user, case) and confirmation_refusal(case) is None,
    "decide_confirmation": lambda user, case: can_oversee_case(user, case) and _pending_confirmation(case),
    "record_visit": can_oversee_case,
}


def case_allowed_actions(user, case: MediationCase) -> list[str]:
    """The actions this user may take on this case now (state and role)."""
    if not (user and user.is_authenticated):
        return []
    return [name for name, allowed in CASE_ACTIONS.items() if allowed(user, case)]
