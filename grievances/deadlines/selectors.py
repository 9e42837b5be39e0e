"""Reads for clocks: what pages, the admin and reports show, prepared so templates decide nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Case, Count, DateTimeField, F, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import permissions
from grievances.deadlines import policy, services
from grievances.deadlines.models import (
    Clock,
    DeadlineCode,
    ExtensionRequest,
    ExtensionStatus,
)
from grievances.selectors import DUE_SOON

SOON = DUE_SOON


def duration_text(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d小时%(m)d分钟") % {"h": hours, "m": mins}
    return _("%(m)d分钟") % {"m": mins}


@dataclass
class DeadlineRow:
    code: str
    label: str
    due_display: str
    status: str          # ok | soon | overdue | paused | met
    text: str


@dataclass
class ClockView:
    audience: str                       # staff | citizen
    rows: list[DeadlineRow] = field(default_factory=list)
    citizen_status: str = ""
    citizen_tone: str = "secondary"
    paused: bool = False
    pause_note: str = ""
    pending_extension: ExtensionRequest | None = None
    can_pause: bool = False
    can_resume: bool = False
    can_request_extension: bool = False
    can_decide_extension: bool = False
    grievance_id: int = 0
    exists: bool = False


def _is_staff_viewer(user) -> bool:
    return bool(user and user.is_authenticated and (
        permissions.is_centre_or_admin(user) or permissions.is_department(user)
        or permissions.is_mediator(user)))


def clock_view(grievance, user, now: datetime | None = None) -> ClockView:
    """The clock panel for one item: remaining time or "overdue by" per deadline for staff,
    a plain status for citizens (DOMAIN.md §4: 已受理 → 处理中 → 已办结)."""
    now = now or timezone.now()
    staff = _is_staff_viewer(user)
    view = ClockView(audience="staff" if staff else "citizen", grievance_id=grievance.pk)
    # The pauses and every extension request with the clock (three short reads): the
    # timeline needs the pauses and the approved extensions, the panel the open pause and
    # the pending request.
    clock = Clock.objects.filter(pk=grievance.pk).prefetch_related("pauses", "extensions").first()
    if clock is None:
        return view
    view.exists = True
    deadlines = services.deadlines_of(clock)
    view.paused = clock.paused_at is not None
    if view.paused:
        pause = next((p for p in clock.pauses.all() if p.ended_at is None), None)
        view.pause_note = f"{pause.get_reason_display()}：{pause.note}" if pause else ""
    any_overdue = False
    for code in policy.DEADLINE_CODES:
        d = deadlines.get(code)
        if d is None:
            continue
        label = str(DeadlineCode(code).label)
        if not d.active:
            view.rows.append(DeadlineRow(code, label, services._fmt(d.due) if d.due else "", "met", _("已完成")))
        elif d.due is None:
            view.rows.append(DeadlineRow(code, label, "", "paused",
                                         _("已暂停，剩余%(t)s") % {"t": duration_text(d.left_at_pause)}))
        elif now >= d.due:
            any_overdue = True
            view.rows.append(DeadlineRow(code, label, services._fmt(d.due), "overdue",
                                         _("已超期%(t)s") % {"t": duration_text(now - d.due)}))
        else:
            status = "soon" if d.due - now <= SOON else "ok"
            view.rows.append(DeadlineRow(code, label, services._fmt(d.due), status,
                                         _("剩余%(t)s") % {"t": duration_text(d.due - now)}))
    if not clock.is_open:
        view.citizen_status, view.citizen_tone = _("已办结"), "success"
    elif grievance.state == "verified":
        view.citizen_status, view.citizen_tone = _("已办结，请对办理结果进行评价"), "success"
    elif view.paused:
        view.citizen_status, view.citizen_tone = _("专家咨询或鉴定中，期间不计入办理时限"), "info"
    elif any_overdue:
        view.citizen_status, view.citizen_tone = _("办理时间较长，综治中心已督促加快办理"), "warning"
    elif clock.completion_due and clock.reopened_at:
        # A new round (二次督办 after 不满意, or reopened): its own, later deadline.
        view.citizen_status = _("重新办理中，预计%(due)s前办结") % {"due": services._fmt(clock.completion_due)[:10]}
        view.citizen_tone = "warning"
    elif clock.completion_due:
        view.citizen_status = _("正在办理，预计%(due)s前办结") % {"due": services._fmt(clock.completion_due)[:10]}
        view.citizen_tone = "primary"
    else:
        view.citizen_status, view.citizen_tone = _("正在受理"), "secondary"
    if staff and clock.is_open:
        view.pending_extension = next(
            (e for e in clock.extensions.all() if e.status == ExtensionStatus.PENDING), None)
        view.can_pause = services.can_pause(user, grievance) and not view.paused
        view.can_resume = services.can_pause(user, grievance) and view.paused
        view.can_request_extension = (services.can_request_extension(user, grievance)
                                      and view.pending_extension is None)
        view.can_decide_extension = bool(view.pending_extension) and services.can_decide_extension(user, grievance)
    return view


SHORT_LABELS = {
    policy.CENTRE: _("受理分派"), policy.SIGN: _("签收"), policy.INTERIM: _("阶段回复"),
    policy.COMPLETION: _("办结"), policy.RATING: _("评价"),
}


def queue_cell(grievance, now: datetime | None = None) -> tuple[str, str]:
    """The queue's time-left cell for one item: ("签收 已超期2小时", "overdue"), ("办结 剩余3天…",
    "ok"), ("暂停计时", "paused") or ("", "none") when no clock runs. Reads the clock row the
    list query has joined (no query per row)."""
    now = now or timezone.now()
    try:
        clock = grievance.clock
    except Clock.DoesNotExist:
        return "", "none"
    if not clock.is_open:
        return "", "none"
    if clock.paused_at is not None:
        return _("暂停计时"), "paused"
    if clock.due_at is None:
        return "", "none"
    label = SHORT_LABELS.get(clock.due_code, "")
    if now >= clock.due_at:
        return f"{label} " + _("已超期%(t)s") % {"t": duration_text(now - clock.due_at)}, "overdue"
    tone = "soon" if clock.due_at - now <= SOON else "ok"
    return f"{label} " + _("剩余%(t)s") % {"t": duration_text(clock.due_at - now)}, tone


def overdue_clocks(user, now: datetime | None = None, unit=None, region_code: str = ""):
    """Open items past a deadline, scoped to the user (the supervision page)."""
    now = now or timezone.now()
    qs = Clock.objects.visible_to(user).overdue(now)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    return qs.select_related("grievance", "unit", "centre").order_by("due_at")


def overdue_counts_by_unit(user, now: datetime | None = None, region_code: str = "") -> list[dict]:
    """Per-unit counts of open overdue items (for reports): [{unit_id, unit__name, overdue}].
    Reads only the overdue part of the open-items due-time index, never every open item."""
    now = now or timezone.now()
    qs = Clock.objects.visible_to(user).filter(is_open=True, due_at__lt=now, unit__isnull=False)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    return list(
        qs.values("unit_id", "unit__name").annotate(overdue=Count("*")).order_by("-overdue", "unit__name")
    )


#: How many units the 督办 page lists by name; the others are summed up in one line.
OVERDUE_UNITS_SHOWN = 20


@dataclass(frozen=True)
class OverdueUnits:
    """The 督办 page's per-unit table: the units with most overdue items, and the rest summed."""

    top: list[dict]
    other_units: int = 0
    other_items: int = 0


def overdue_units(user, now: datetime | None = None, region_code: str = "",
                  limit: int | None = None) -> OverdueUnits:
    """The ``limit`` units with most open overdue items ([{unit_id, unit__name, overdue}], most
    first, then by name) and how many other units have overdue items and how many items they
    hold. A province has hundreds of such units (188 at 10 M appeals), which would make the
    table longer than the list under it; the unit filter reaches every one of them. The
    counts are one grouped read of the open-items index (no row per item reaches Python)."""
    limit = OVERDUE_UNITS_SHOWN if limit is None else limit
    rows = overdue_counts_by_unit(user, now=now, region_code=region_code)
    rest = rows[limit:]
    return OverdueUnits(top=rows[:limit], other_units=len(rest), other_items=sum(r["overdue"] for r in rest))


def pending_extensions(user):
    """Extension requests waiting for this unit leader's decision."""
    if not (permissions.is_department(user) or permissions.is_mediator(user)):
        return ExtensionRequest.objects.none()
    return ExtensionRequest.objects.filter(unit_id=user.unit_id, status=ExtensionStatus.PENDING).select_related(
        "clock__grievance", "requested_by")



def expected_expression(prefix: str = "clock__"):
    """When an open item is expected to be done, for a channel following it (Open311
    ``expected_datetime``): the due time of the next step the citizen waits for. Once the
    completion clock runs (from dispatch, or from acceptance for a dispute; a new round after
    不满意 has its own) that is the completion due time; before it, the centre's due time to
    accept and dispatch. NULL for an item whose clock is paused (专家咨询/鉴定: the due time
    is not known), completed (waiting only for the citizen's own rating) or closed.

    An expression over a query of grievances (``prefix`` the path to the clock), so a page of
    1000 items reads it in its own query."""
    return Case(
        When(**{f"{prefix}is_open": True, f"{prefix}paused_at__isnull": True},
             then=Coalesce(F(f"{prefix}completion_due"), F(f"{prefix}centre_due"))),
        default=None, output_field=DateTimeField(),
    )

