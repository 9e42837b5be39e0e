"""The risk register (矛盾风险排查): register, plan, follow up, resolve, or convert into a grievance."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from grid import permissions
from grid.models import Unit
from grievances import services as grievance_services
from grievances.models import Channel, GrievanceKind
from mediation.models import (
    RISK_OPEN_STATUSES,
    MediationCase,
    Risk,
    RiskEvent,
    RiskPlan,
    RiskStatus,
)
from mediation.services.cases import open_case_for_grievance
from mediation.services.errors import MediationError, MediationPermissionError, _refuse_from, _text


def _risk_event(risk: Risk, *, actor, action: str, from_status: str = "", note: str = "") -> RiskEvent:
    return RiskEvent.objects.create(risk=risk, actor=actor if getattr(actor, "pk", None) else None,
                                    action=action, from_status=from_status, to_status=risk.status, note=note)


def _can_register_risk(actor, region) -> bool:
    if permissions.is_admin(actor):
        return True
    if permissions.is_centre(actor):
        return permissions.can_see_region(actor, region)
    if permissions.is_grid_worker(actor):
        return actor.grids.filter(region_code__startswith=region.prefix).exists()
    return False


def can_manage_risk(actor, risk: Risk) -> bool:
    if permissions.is_admin(actor):
        return True
    if permissions.is_centre(actor) and permissions.can_see_region_code(actor, risk.region_code):
        return True
    return bool(actor and actor.is_authenticated and actor.unit_id and actor.unit_id == risk.responsible_unit_id)


def can_convert_risk(actor, risk: Risk) -> bool:
    """Turning a risk into a grievance is the centre's decision (辖区综治中心), or the administrator's."""
    return permissions.is_admin(actor) or (
        permissions.is_centre(actor) and permissions.can_see_region_code(actor, risk.region_code))


RISK_ACTIONS = {
    # plan (一案一策), progress notes and resolving, while the risk is open
    "manage": lambda user, risk: can_manage_risk(user, risk) and risk.status in RISK_OPEN_STATUSES,
    "convert": lambda user, risk: can_convert_risk(user, risk) and can_proceed(risk.convert),
}


def risk_allowed_actions(user, risk: Risk) -> list[str]:
    """What this user may do with this risk now (the risk page shows exactly these)."""
    if not (user and user.is_authenticated):
        return []
    return [name for name, allowed in RISK_ACTIONS.items() if allowed(user, risk)]


def _require_risk(actor, risk):
    if not can_manage_risk(actor, risk):
        raise MediationPermissionError(_("只有辖区综治中心或责任单位可以管理该风险。"))


@transaction.atomic
def register_risk(*, actor, title: str, description: str, region, category, level: str,
                  responsible_unit: Unit, address: str = "", people_involved: int = 1,
                  found_on: date | None = None) -> Risk:
    """排查: a grid worker (in their grids) or centre staff (in their region) registers a risk."""
    if not _can_register_risk(actor, region):
        raise MediationPermissionError(_("只能登记本人网格或本辖区内排查发现的风险。"))
    if not (permissions.is_admin(actor) or permissions.can_see_region_code(actor, responsible_unit.region_code)
            or permissions.is_grid_worker(actor)):
        raise MediationError(_("责任单位不在您的辖区内。"))
    risk = Risk(title=_text(title, _("请填写风险名称。")), description=_text(description, _("请填写风险描述。")),
                region=region, address=(address or "").strip(), category=category, level=level,
                people_involved=max(int(people_involved or 1), 1), responsible_unit=responsible_unit,
                reported_by=actor, found_on=found_on or timezone.localdate())
    risk.full_clean(exclude=["reported_by", "grievance", "status"])
    risk.save()
    _risk_event(risk, actor=actor, action="registered", note=_("纠纷预警：排查登记。"))
    return risk


@transaction.atomic
def set_risk_plan(*, actor, risk: Risk, measures: str, responsible_person: str, target_date: date) -> RiskPlan:
    """一案一策: one plan per risk; writing it puts the risk under control (快速介入)."""
    _require_risk(actor, risk)
    if risk.status not in RISK_OPEN_STATUSES:
        raise MediationError(_("该风险已%(s)s，不能再修改方案。") % {"s": risk.get_status_display()})
    measures = _text(measures, _("请填写化解措施。"))
    person = _text(responsible_person, _("请填写责任人。"))
    plan = RiskPlan.objects.filter(risk=risk).first()
    revised = plan is not None
    plan = plan or RiskPlan(risk=risk)
    plan.measures, plan.responsible_person, plan.target_date, plan.updated_by = measures, person, target_date, actor
    plan.save()
    before = risk.status
    if risk.status == RiskStatus.IDENTIFIED:
        risk.take_control()
        risk.save()
    _risk_event(risk, actor=actor, action="plan_revised" if revised else "plan_set", from_status=before,
                note=_("化解方案：%(m)s；责任人：%(p)s；时限：%(d)s") % {"m": measures, "p": person, "d": target_date})
    return plan


@transaction.atomic
def record_risk_progress(*, actor, risk: Risk, note: str) -> RiskEvent:
    """动态管理: a follow-up note (visits, talks, changes in the situation)."""
    _require_risk(actor, risk)
    return _risk_event(risk, actor=actor, action="progress", from_status=risk.status,
                       note=_text(note, _("请填写进展情况。")))


@transaction.atomic
def resolve_risk(*, actor, risk: Risk, note: str) -> Risk:
    _require_risk(actor, risk)
    if not can_proceed(risk.resolve):
        raise MediationError(_("该风险已%(s)s。") % {"s": risk.get_status_display()})
    note = _text(note, _("请填写化解情况。"))
    before = risk.status
    risk.resolve()
    risk.save()
    _risk_event(risk, actor=actor, action="resolved", from_status=before, note=note)
    return risk


def _risk_history_text(risk: Risk) -> str:
    lines = [_("【由矛盾风险转入】%(t)s（排查日期 %(d)s，风险等级 %(l)s，涉及 %(n)d 人）") % {
        "t": risk.title, "d": risk.found_on, "l": risk.get_level_display(), "n": risk.people_involved}]
    plan = RiskPlan.objects.filter(risk=risk).first()
    if plan:
        lines.append(_("化解方案：%(m)s（责任人 %(p)s）") % {"m": plan.measures, "p": plan.responsible_person})
    for ev in risk.events.all():
        lines.append(f"{timezone.localtime(ev.created_at):%Y-%m-%d} {ev.note}")
    return "\n".join(lines)


@transaction.atomic
def convert_risk_to_grievance(*, actor, risk: Risk, contact_name: str, contact_phone: str,
                              kind: str = "dispute"):
    """A risk that needs the loop becomes a grievance (排查录入), keeping its history: the
    risk's plan and timeline are copied into the grievance's description, and the risk
    keeps its own events and points at the grievance."""
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    if not can_convert_risk(actor, risk):
        raise MediationPermissionError(_("只有辖区综治中心可以把风险转为诉求件。"))
    if not can_proceed(risk.convert):
        raise MediationError(_("该风险已%(s)s，不能再转为诉求件。") % {"s": risk.get_status_display()})
    try:
        grievance = grievance_services.submit_grievance(
            actor=actor, kind=kind, region=risk.region, title=risk.title[:100],
            description=f"{risk.description}\n\n{_risk_history_text(risk)}", contact_name=contact_name,
            contact_phone=contact_phone, category=risk.category, address=risk.address, channel=Channel.SCREENING,
        )
    except grievance_services.GrievanceError as exc:
        raise _refuse_from(exc) from exc
    before = risk.status
    risk.convert()
    risk.grievance = grievance
    risk.save()
    _risk_event(risk, actor=actor, action="converted", from_status=before,
                note=_("已转为诉求件 %(no)s。") % {"no": grievance.tracking_no})
    return grievance


@transaction.atomic
def convert_risk_to_mediation(*, actor, risk: Risk, organisation: Unit, severity: str, contact_name: str,
                              contact_phone: str) -> MediationCase:
    """A risk handed straight to a mediation organisation: it becomes a dispute grievance,
    accepted with its grade and dispatched to the organisation, which opens the case."""
    grievance = convert_risk_to_grievance(actor=actor, risk=risk, contact_name=contact_name,
                                          contact_phone=contact_phone, kind=GrievanceKind.DISPUTE)
    try:
        grievance_services.accept_grievance(actor=actor, grievance=grievance, kind=GrievanceKind.DISPUTE, severity=severity,
                             risk_level=risk.level, category=risk.category,
                             is_mass=risk.people_involved >= 10)
        grievance_services.dispatch_grievance(actor=actor, grievance=grievance, unit=organisation)
    except grievance_services.GrievanceError as exc:
        raise _refuse_from(exc) from exc
    return open_case_for_grievance(grievance=grievance, organisation=organisation, actor=actor)
