"""Demo clocks. The grievances demo drives its items through the loop's services, so every
item already has a clock from its events; this seed only makes the clocks worth looking at:
one item overdue and supervised by the scan, one paused for an expert's opinion, one with
an extension waiting for the unit leader. Deterministic and idempotent."""

from __future__ import annotations

from datetime import date, timedelta

from grid.models import User
from grid.notifications.services import ensure_templates
from grievances.deadlines import services
from grievances.deadlines.models import Clock, ClockAction, ExtensionRequest, Holiday
from grievances.models import Grievance

OVERDUE = "小区电梯频繁故障无人维修"
PAUSED = "装修公司拖欠8名农民工工资"
EXTENSION = "楼上漏水邻居不配合维修"


def _item(title):
    return Grievance.objects.filter(title=title).select_related("handling_unit", "centre").first()


def _user(username):
    return User.objects.filter(username=username).first()


def _make_overdue(g, days: int = 9) -> bool:
    """Pretend the item was accepted and dispatched ``days`` ago, then let the scan act."""
    clock = Clock.objects.filter(pk=g.pk).first()
    if clock is None or ClockAction.objects.filter(clock=clock, action="overdue").exists():
        return False
    for field in ("submitted_at", "centre_started_at", "centre_done_at", "accepted_at", "dispatched_at"):
        value = getattr(clock, field)
        if value is not None:
            setattr(clock, field, value - timedelta(days=days))
    services.recompute(clock)
    services.process_clock(clock.pk)
    return True


# The National Day holiday (1–7 October) as an example of the calendar staff keep each year
# from the State Council's notice (make-up working days are entered the same way).
DEMO_HOLIDAYS = [(date(2026, 10, d), "国庆节") for d in range(1, 8)]


def seed(stdout) -> None:
    ensure_templates()
    notes = []
    for day, name in DEMO_HOLIDAYS:
        if not Holiday.objects.filter(date=day).exists():
            services.save_holiday(holiday=Holiday(date=day, name=name))
    g = _item(OVERDUE)
    if g and g.is_open and _make_overdue(g):
        notes.append(f"{g.tracking_no} overdue and supervised")
    g = _item(PAUSED)
    handler = _user("bumen2")
    if g and handler and g.is_open and g.handling_unit_id == handler.unit_id:
        clock = Clock.objects.filter(pk=g.pk).first()
        if clock and not clock.pauses.exists():
            services.pause_clock(actor=handler, grievance=g, reason="expert",
                                 note="工程款与工资混同，已请劳动法专家出具咨询意见")
            notes.append(f"{g.tracking_no} paused")
    g = _item(EXTENSION)
    if g and g.is_open and g.handling_unit_id:
        requester = User.objects.filter(unit_id=g.handling_unit_id, role__in=["dept_handler", "mediator"],
                                        is_active=True).order_by("pk").first()
        clock = Clock.objects.filter(pk=g.pk).first()
        if requester and clock and not ExtensionRequest.objects.filter(clock=clock).exists():
            services.request_extension(actor=requester, grievance=g, days=10, parties_agreed=True,
                                       reason="双方约定待漏水原因检测报告出具后再调解，申请延长10天")
            notes.append(f"{g.tracking_no} extension requested")
    stdout.write(f"deadlines: {Clock.objects.count()} clocks, {Clock.objects.filter(is_open=True).count()} open"
                 + (f"; {', '.join(notes)}" if notes else ""))
