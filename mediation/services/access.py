"""Who may act on a mediation case: its mediators, the organisation's head, the scoped centre."""

from __future__ import annotations

from django.utils.translation import gettext as _

from grid import permissions
from grid.models import Unit
from mediation.models import (
    MediationCase,
)
from mediation.services.errors import MediationPermissionError


def is_case_mediator(user, case: MediationCase) -> bool:
    return bool(user and user.is_authenticated) and case.mediators.filter(pk=user.pk).exists()


def is_org_head(user, unit: Unit) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if unit.leader_id == user.pk:
        return True
    return permissions.is_department_leader(user) and user.unit_id == unit.pk


def can_work_case(user, case: MediationCase) -> bool:
    """Sessions, parties, outcomes: the case's mediators and the organisation's head."""
    return permissions.is_admin(user) or is_case_mediator(user, case) or is_org_head(user, case.organisation)


def can_oversee_case(user, case: MediationCase) -> bool:
    """Assigning mediators, judicial confirmation, return visits: also the scoped centre."""
    return can_work_case(user, case) or (
        permissions.is_centre(user) and permissions.can_see_region_code(user, case.region_code)
    )


def can_assign_mediators(user, case: MediationCase) -> bool:
    return is_org_head(user, case.organisation) or permissions.is_admin(user) or (
        permissions.is_centre(user) and permissions.can_see_region_code(user, case.region_code))


def _require_work(actor, case):
    if not can_work_case(actor, case):
        raise MediationPermissionError(_("只有本案的调解员或调解组织负责人可以办理此操作。"))


def _require_oversee(actor, case):
    if not can_oversee_case(actor, case):
        raise MediationPermissionError(_("您无权办理本案件。"))
