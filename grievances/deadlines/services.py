"""Clock services: the one owner of every grievance's deadlines (DOMAIN.md §5).

- ``handle_grievance_events(events)`` listens on ``grievances.hooks.grievance_event_recorded``
  (registered in ``DeadlinesConfig.ready`` with ``register_many``), inside the transaction of
  every event the loop writes (one, or a chunk's at once): it moves the item's timeline,
  recomputes the due times and writes the outbox messages the event causes.
- Pauses (专家咨询/鉴定) and extensions (延期) are use-cases here, with permission checks
  through grid.permissions; each writes a grievance event through the loop's one event
  writer, so the timeline shows them.
- ``process_clock`` is what the minute scan does for one item: reminders, the automatic
  supervision order (督办) when overdue, and closing unrated feedback. Every action is
  recorded in ClockAction under a unique key, in the same transaction as its effects, so
  it happens once per item, deadline and due time however many scans run.
"""

from __future__ import annotations

import contextvars
import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import bulk, permissions
from grid.models import RegionLevel, Role, Unit, UnitKind, User
from grid.notifications.services import messages_written_together, notify, remembered_templates
from grievances import services as loop
from grievances.deadlines import policy
from grievances.deadlines.models import (
    Clock,
    ClockAction,
    ClockPause,
    DeadlineCode,
    DeadlinePolicy,
    ExtensionRequest,
    ExtensionStatus,
    Holiday,
    PauseReason,
)
from grievances.models import Grievance

logger = logging.getLogger(__name__)

MAJOR_SEVERITIES = ("major", "grave")
SCAN_LEASE = timedelta(minutes=2)

# While a batch of due clocks is processed (process_clocks), the rows every item needs and that
# nothing in the batch changes (pauses, approved extensions, staff of a unit, the centres above
# a centre) are read once for the whole batch; the actions already taken are read once and kept
# current as new ones are recorded. Outside a batch this is None and every read goes to the
# database, as before.
_batch: contextvars.ContextVar[dict | None] = contextvars.ContextVar("deadline_batch", default=None)


class DeadlineError(Exception):
    """A refusal with a Chinese message for the person who acted."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


# ---------------------------------------------------------------------------------------
# policy and clock state


def policy_for(kind: str, severity: str = "") -> DeadlinePolicy | None:
    """The rule for this kind and grade; a row with blank grade covers every grade."""
    rows = {p.severity: p for p in DeadlinePolicy.objects.filter(kind=kind, severity__in=[severity or "", ""])}
    return rows.get(severity or "") or rows.get("")


def _lock_clock(grievance) -> Clock:
    clock = Clock.objects.select_for_update().filter(pk=grievance.pk).first()
    if clock is not None:
        return clock
    try:
        with transaction.atomic():
            return Clock.objects.create(
                grievance=grievance, region_code=grievance.region_code, kind=grievance.kind,
                severity=grievance.severity or "", submitted_at=grievance.created_at,
                centre_started_at=grievance.created_at, centre=grievance.centre,
                rules=_rules_for(grievance).as_dict(),
            )
    except IntegrityError:
        return Clock.objects.select_for_update().get(pk=grievance.pk)


def _rules_for(grievance) -> policy.Rules:
    row = policy_for(grievance.kind, grievance.severity or "")
    return row.rules() if row else policy.Rules()


def timeline(clock: Clock) -> policy.Timeline:
    memo = _batch.get()
    if memo is not None and clock.pk in memo["clocks"]:
        pauses, extensions = memo["pauses"][clock.pk], memo["extensions"][clock.pk]
    else:
        pauses = [policy.Pause(p.started_at, p.ended_at) for p in clock.pauses.all()]
        # All of the clock's requests, the approved ones kept: what a page prefetched
        # (deadlines.selectors.clock_view) is read without another query.
        extensions = [
            policy.Extension(e.decided_at, e.days)
            for e in clock.extensions.all() if e.status == ExtensionStatus.APPROVED
        ]
    return policy.Timeline(
        submitted_at=clock.submitted_at, centre_started_at=clock.centre_started_at,
        centre_done_at=clock.centre_done_at, accepted_at=clock.accepted_at, dispatched_at=clock.dispatched_at,
        signed_at=clock.signed_at, interim_at=clock.interim_at, completed_at=clock.completed_at,
        verified_at=clock.verified_at, reopened_at=clock.reopened_at, closed=not clock.is_open,
        pauses=pauses, extensions=extensions,
    )


CALENDAR_CACHE_KEY = "deadlines:work-calendar"
CALENDAR_CACHE_SECONDS = 300


def work_calendar() -> policy.WorkCalendar:
    """The working-day calendar with the holidays and make-up working days entered by staff;
    cached (a few dozen rows a year), dropped whenever a Holiday row changes."""

    memo = _batch.get()
    if memo is not None and "calendar" in memo:
        return memo["calendar"]  # a batch reads it once

    def load():
        rows = list(Holiday.objects.values_list("date", "is_workday"))
        return policy.WorkCalendar(holidays=frozenset(d for d, work in rows if not work),
                                   workdays=frozenset(d for d, work in rows if work))

    try:
        calendar = cache.get_or_set(CALENDAR_CACHE_KEY, load, CALENDAR_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 — the cache (Redis) is down: the clocks must still run
        logger.warning("work calendar read without the cache", exc_info=True)
        calendar = load()
    if memo is not None:
        memo["calendar"] = calendar
    return calendar


def forget_work_calendar() -> None:
    try:
        cache.delete(CALENDAR_CACHE_KEY)
    except Exception:  # noqa: BLE001 — a cache that is down holds nothing stale
        logger.warning("could not drop the cached work calendar", exc_info=True)


@transaction.atomic
def save_holiday(*, holiday: Holiday) -> Holiday:
    """Record a day off or a worked weekend day. Open items keep their due times until
    their next event; new dispatches follow the calendar at once."""
    holiday.full_clean()
    holiday.save()
    transaction.on_commit(forget_work_calendar)
    return holiday


@transaction.atomic
def delete_holiday(*, holiday: Holiday) -> None:
    holiday.delete()
    transaction.on_commit(forget_work_calendar)


def deadlines_of(clock: Clock) -> dict[str, policy.Deadline]:
    return _rules_and_deadlines(clock)[1]


def _rules_and_deadlines(clock: Clock) -> tuple[policy.Rules, dict[str, policy.Deadline]]:
    """The clock's rules and due times. In a batch an item's are computed once and reused
    while its timeline, rules and calendar are unchanged (the scan's pass, the supervision
    event's listener and the final recompute read the same ones); read-only for callers."""
    memo = _batch.get()
    if memo is None or clock.pk not in memo["clocks"]:
        rules = clock.get_rules()
        return rules, policy.compute(rules, timeline(clock), work_calendar())
    line, calendar = timeline(clock), work_calendar()
    cached = memo["computed"].get(clock.pk)
    if cached is not None and cached[0] == line and cached[1] == (clock.rules or {}) and cached[2] is calendar:
        return cached[3], cached[4]
    rules = clock.get_rules()
    deadlines = policy.compute(rules, line, calendar)
    memo["computed"][clock.pk] = (line, dict(clock.rules or {}), calendar, rules, deadlines)
    return rules, deadlines


def _done(clock: Clock) -> set[tuple[str, str, datetime]]:
    memo = _batch.get()
    if memo is not None and clock.pk in memo["clocks"]:
        return set(memo["done"][clock.pk])
    return set(ClockAction.objects.filter(clock=clock).values_list("deadline", "action", "due"))


def recompute(clock: Clock) -> dict[str, policy.Deadline]:
    """Recompute due times, the nearest deadline and the next scan time; saves the clock."""
    rules, deadlines = _rules_and_deadlines(clock)
    for code in policy.DEADLINE_CODES:
        d = deadlines.get(code)
        setattr(clock, f"{code}_due", d.due if d and d.active else None)
    nearest = policy.nearest_due(deadlines)
    clock.due_at = nearest.due if nearest else None
    clock.due_code = nearest.code if nearest else ""
    clock.next_due = policy.next_check(deadlines, rules, _done(clock)) if clock.is_open else None
    if _in_batch(clock.pk):
        _batch.get()["dirty"][clock.pk] = clock  # saved with the batch's others (save_dirty_clocks)
    else:
        clock.save()
        _keep_item_due(clock)
    return deadlines


def _keep_item_due(clock: Clock) -> None:
    """The item's copy of its nearest deadline (Grievance.due_at, the queue's order) follows
    the clock: written here and in save_dirty_clocks only, in the clock's transaction. The
    UPDATE writes nothing when the copy is already right."""
    Grievance.objects.filter(pk=clock.pk).exclude(due_at=clock.due_at).update(due_at=clock.due_at)


def _in_batch(clock_id) -> bool:
    memo = _batch.get()
    return memo is not None and clock_id in memo["clocks"]


# Every column of a clock but its key: what a batch writes back in one statement.
_CLOCK_FIELDS = [f for f in Clock._meta.concrete_fields if not f.primary_key]


def save_dirty_clocks() -> None:
    """Write the batch's changed clocks in one UPDATE (grid.bulk.update_rows)."""
    memo = _batch.get()
    if memo is None or not memo["dirty"]:
        return
    now = timezone.now()
    rows = [memo["dirty"][pk] for pk in sorted(memo["dirty"])]
    for clock in rows:
        clock.updated_at = now
    bulk.update_rows(Clock, rows, _CLOCK_FIELDS)
    # The items' copies of the due time (see _keep_item_due), in one more statement for those
    # that moved: the batch read the items' rows (locked) when it began.
    item_due = memo["item_due"]
    moved = [Grievance(pk=clock.pk, due_at=clock.due_at) for clock in rows
             if item_due.get(clock.pk, _UNKNOWN) != clock.due_at]
    if moved:
        bulk.update_rows(Grievance, moved, ["due_at"])
        item_due.update((g.pk, g.due_at) for g in moved)
    memo["dirty"].clear()


_UNKNOWN = object()


# ---------------------------------------------------------------------------------------
# recipients and links


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path.startswith("/") else path


def citizen_link(grievance) -> str:
    try:
        return reverse("grievances:detail", args=[grievance.pk])
    except NoReverseMatch:
        return "/appeals/"


def staff_link(grievance) -> str:
    """One link for every staff recipient (centre staff, leaders, units): it opens the page
    each of them may see (grievances.selectors.page_for)."""
    return reverse("grievances:open", args=[grievance.pk])


def _staff_of(unit_ids) -> dict[int, list]:
    """Active users of these units, by unit (one query), in primary-key order."""
    by_unit: dict[int, list] = defaultdict(list)
    for user in User.objects.filter(unit_id__in=list(unit_ids), is_active=True).order_by("pk"):
        by_unit[user.unit_id].append(user)
    return by_unit


def _unit_staff(unit_id) -> list | None:
    """The batch's copy of a unit's active users, or None outside a batch."""
    memo = _batch.get()
    if memo is None:
        return None
    staff = memo["staff"]
    if unit_id not in staff:
        staff.update(_staff_of([unit_id]))
        staff.setdefault(unit_id, [])
    return staff[unit_id]


def _active_members(unit, roles):
    if unit is None:
        return []
    cached = _unit_staff(unit.pk)
    if cached is not None:
        return [u for u in cached if u.role in roles]
    return list(User.objects.filter(unit=unit, is_active=True, role__in=roles))


def unit_handlers(grievance) -> list:
    """Who works the item at its unit: the person who signed for it, else the unit's staff."""
    if grievance.handler_id and grievance.handler.is_active:
        return [grievance.handler]
    return _active_members(grievance.handling_unit, [Role.DEPT_HANDLER, Role.MEDIATOR, Role.DEPT_LEADER])


def unit_leaders(grievance) -> list:
    unit = grievance.handling_unit
    if unit is None:
        return []
    leaders = _active_members(unit, [Role.DEPT_LEADER])
    if unit.leader_id and unit.leader not in leaders:
        leaders.append(unit.leader)
    return leaders


def supervising_centres(grievance) -> list:
    """The responsible centre and the county-level centre above it: 县市区矛调中心依托系统
    对未按规定时限办结的事项进行督办 (seed 004)."""
    centre = grievance.centre
    memo = _batch.get()
    if memo is not None and centre.pk in memo["centres"]:
        return [centre, *memo["centres"][centre.pk]]
    codes = [r.code for r in centre.region.ancestors() if r.level >= RegionLevel.COUNTY]
    upper = list(Unit.objects.filter(kind=UnitKind.CENTRE, region__code__in=codes)) if codes else []
    if memo is not None:
        memo["centres"][centre.pk] = upper
    return [centre, *upper]


def _members_of(units, roles) -> list:
    if _batch.get() is not None:
        members = [u for unit in units for u in _unit_staff(unit.pk) if u.role in roles]
        return sorted({u.pk: u for u in members}.values(), key=lambda u: u.pk)
    return list(User.objects.filter(unit__in=units, is_active=True, role__in=roles).order_by("pk"))


def centre_staff(grievance) -> list:
    return _members_of(supervising_centres(grievance), [Role.CENTRE_STAFF, Role.CENTRE_LEADER])


def centre_leaders(grievance) -> list:
    centres = supervising_centres(grievance)
    leaders = _members_of(centres, [Role.CENTRE_LEADER])
    for centre in centres:
        if centre.leader_id and centre.leader not in leaders:
            leaders.append(centre.leader)
    return leaders


def _context(grievance, **extra) -> dict:
    return {
        "tracking_no": grievance.tracking_no, "title": grievance.title,
        "unit": grievance.handling_unit.name if grievance.handling_unit_id else grievance.centre.name,
        "severity": grievance.get_severity_display() if grievance.severity else "",
        "region": grievance.region.name if grievance.region_id else "",
        **extra,
    }


def _fmt(dt: datetime | None) -> str:
    if dt is None:
        return _("（暂停中）")
    lt = policy.local(dt)
    if (lt.hour, lt.minute, lt.second, lt.microsecond) == (0, 0, 0, 0):
        # The end of a day is the next midnight; people read it as 23:59 of that day.
        lt -= timedelta(minutes=1)
    return lt.strftime("%Y-%m-%d %H:%M")


def _tell_citizen(grievance, key: str, template: str, **extra):
    """The reporter, and the citizens who joined the item (我也遇到了), hear of its progress."""
    users = [grievance.reporter] if grievance.reporter_id else []
    users += [c.user for c in grievance.co_reporters.select_related("user").order_by("pk")]
    notify(key=key, template=template, context=_context(grievance, **extra), users=users,
           phones=[grievance.contact_phone], channels=("sms", "site"),
           link=_absolute(citizen_link(grievance)))


def _staff_url(grievance) -> str:
    """The absolute staff link; a batch resolves each item's once (an item gets several notices)."""
    memo = _batch.get()
    if memo is None:
        return _absolute(staff_link(grievance))
    links = memo["links"]
    if grievance.pk not in links:
        links[grievance.pk] = _absolute(staff_link(grievance))
    return links[grievance.pk]


def _tell_staff(users, key: str, template: str, grievance, channels=("site", "sms"), **extra):
    notify(key=key, template=template, context=_context(grievance, **extra), users=users,
           channels=channels, link=_staff_url(grievance))


def _major_alert(grievance, key: str, event_label: str, users):
    if grievance.severity in MAJOR_SEVERITIES:
        _tell_staff(users, key, "major_alert", grievance, channels=("sms", "voice", "site"), event=event_label)


# ---------------------------------------------------------------------------------------
# the event hook


def handle_grievance_events(events) -> None:
    """React to grievance events (codes: see notes/loop-interface.md), in the order written:
    move each item's timeline, recompute its due times and write the messages each event
    causes. One event (a person's transition) or a chunk's events (the scan): inside a
    batch (``process_clocks``) the clocks are the ones the batch locked and read, and they
    are saved together before the next listener runs."""
    memo = _batch.get()
    clocks: dict[int, Clock] = {}
    for event in events:
        g = event.grievance
        if g.pk not in clocks:
            clocks[g.pk] = memo["clock_objs"][g.pk] if _in_batch(g.pk) else _lock_clock(g)
        clock = clocks[g.pk]
        _apply_event(event, g, clock)
        deadlines = recompute(clock)
        _messages_for_event(event, g, f"grv:{g.pk}:ev:{event.pk}", deadlines)
    if memo is not None:
        save_dirty_clocks()


def handle_grievance_event(event) -> None:
    """One event: the list path with one item."""
    handle_grievance_events([event])


def _apply_event(event, g, clock: Clock) -> None:
    """Move the clock's timeline for one event (in memory; ``recompute`` saves)."""
    at = event.created_at
    action = event.action
    if action == "submitted":
        clock.submitted_at = g.created_at
        clock.centre_started_at = clock.centre_started_at or g.created_at
    elif action == "accepted":
        clock.accepted_at = at
        row = policy_for(g.kind, g.severity or "")
        clock.policy = row
        clock.rules = (row.rules() if row else policy.Rules()).as_dict()
    elif action == "rejected":
        clock.centre_done_at = at
        clock.is_open = False
    elif action == "escalated":
        clock.centre_started_at, clock.centre_done_at = at, None
    elif action in ("dispatched", "joint_opened"):
        if event.to_state == "dispatched":
            clock.dispatched_at = at
            clock.centre_done_at = at
        else:  # handed to a lower centre: that centre's own 24 hours start now
            clock.centre_started_at, clock.centre_done_at = at, None
    elif action == "return_approved":
        clock.dispatched_at = None
        clock.centre_started_at, clock.centre_done_at = at, None
    elif action == "signed":
        clock.signed_at = at
    elif action == "interim_reply":
        clock.interim_at = at
    elif action == "completed":
        clock.completed_at = at
    elif action == "sent_back":
        clock.completed_at = clock.verified_at = None
    elif action == "verified":
        clock.verified_at = at
    elif action == "rated_unsatisfied":
        clock.reopened_at = at
        clock.completed_at = clock.verified_at = None
    elif action in ("rated_satisfied", "closed", "auto_closed", "closed_with_main"):
        clock.is_open = False
    elif action == "reopened":
        # An archived item back at its unit (e.g. an unperformed mediation agreement):
        # a new round with the second-supervision time limit, as after 不满意.
        clock.is_open = True
        clock.reopened_at = at
        clock.completed_at = clock.verified_at = None

    clock.kind, clock.severity = g.kind, g.severity or ""
    clock.region_code, clock.unit_id, clock.centre_id = g.region_code, g.handling_unit_id, g.centre_id


def _short(text: str, limit: int = 60) -> str:
    """A note short enough for one SMS; the link leads to the whole text."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _messages_for_event(event, g, key: str, deadlines: dict[str, policy.Deadline]) -> None:
    action = event.action
    completion = deadlines.get(policy.COMPLETION)
    due_text = _fmt(completion.due) if completion else ""
    if action == "submitted":
        _tell_citizen(g, key, "grievance_submitted_citizen")
    elif action == "accepted":
        _tell_citizen(g, key, "grievance_accepted")
        _major_alert(g, key, _("已受理"), centre_leaders(g))
    elif action == "rejected":
        _tell_citizen(g, key, "grievance_rejected", note=event.note or g.reject_reason)
    elif action in ("dispatched", "joint_opened") and event.to_state == "dispatched":
        _tell_citizen(g, key, "grievance_dispatched_citizen", due=due_text)
        sign = deadlines.get(policy.SIGN)
        _tell_staff(unit_handlers(g), key, "grievance_dispatched_handler", g,
                    deadline=DeadlineCode.SIGN.label, due=_fmt(sign.due) if sign else due_text)
    elif action == "interim_reply":
        _tell_citizen(g, key, "grievance_interim_reply_citizen", note=_short(event.note))
    elif action == "rated_unsatisfied":
        # 二次督办: the citizen learns the new round, its unit and its deadline at once.
        _tell_citizen(g, key, "grievance_second_supervision_citizen", due=due_text)
    elif action == "verified":
        # The result is fed back now, and the rating link works from now on.
        _tell_citizen(g, key, "grievance_completed_citizen")
    elif action in ("rated_satisfied", "closed", "auto_closed", "closed_with_main"):
        _tell_citizen(g, key, "grievance_closed_citizen")
    elif action == "supervised":
        _tell_staff(unit_handlers(g), key, "grievance_supervised_handler", g, note=event.note.rstrip("。. "))


# ---------------------------------------------------------------------------------------
# pauses and extensions


def _write_event(grievance, *, actor, action: str, note: str, public: bool = True):
    """Through the loop's one event writer, which also calls back handle_grievance_event."""
    return loop.record_event(grievance, actor=actor, action=action, from_state=grievance.state, note=note,
                             public=public, unit=grievance.handling_unit)


def _lead_unit_member(actor, grievance) -> bool:
    return bool(
        (permissions.is_department(actor) or permissions.is_mediator(actor))
        and grievance.handling_unit_id and actor.unit_id == grievance.handling_unit_id
    )


def _responsible_centre(actor, grievance) -> bool:
    return permissions.is_admin(actor) or (
        permissions.is_centre(actor) and permissions.can_see_region_code(actor, grievance.region_code)
    )


def can_pause(actor, grievance) -> bool:
    return _lead_unit_member(actor, grievance) or _responsible_centre(actor, grievance)


def can_request_extension(actor, grievance) -> bool:
    return _lead_unit_member(actor, grievance)


def can_decide_extension(actor, grievance) -> bool:
    """The unit's own leader (seed 004: 经本单位领导审核同意)."""
    unit = grievance.handling_unit
    if unit is None or actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if permissions.is_department_leader(actor) and actor.unit_id == unit.pk:
        return True
    return (permissions.is_department(actor) or permissions.is_mediator(actor)) and unit.leader_id == actor.pk


def _open_grievance(grievance):
    # Locked first (before the clock), in the same order as the loop's transitions and the scan.
    g = Grievance.objects.select_for_update(of=("self",)).select_related("handling_unit", "centre").get(
        pk=grievance.pk)
    if not g.is_open:
        raise DeadlineError(_("该件已办结或未受理，不能操作办理时限。"))
    return g


@transaction.atomic
def pause_clock(*, actor, grievance, reason: str, note: str) -> ClockPause:
    """专家咨询/鉴定: stop the clock; the time until resumption does not count (seed 004)."""
    g = _open_grievance(grievance)
    if not can_pause(actor, g):
        raise DeadlineError(_("只有承办单位或负责该件的综治中心可以暂停计时。"))
    if reason not in PauseReason.values:
        raise DeadlineError(_("暂停计时只适用于专家咨询或鉴定。"))
    note = (note or "").strip()
    if not note:
        raise DeadlineError(_("请说明专家咨询或鉴定的情况。"))
    if g.state not in ("accepted", "dispatched", "handling"):
        raise DeadlineError(_("只有办理中的事项可以暂停计时。"))
    clock = _lock_clock(g)
    if clock.paused_at is not None:
        raise DeadlineError(_("计时已经暂停。"))
    now = timezone.now()
    pause = ClockPause.objects.create(clock=clock, reason=reason, note=note, started_at=now, started_by=actor)
    clock.paused_at = now
    clock.save(update_fields=["paused_at"])
    label = PauseReason(reason).label
    _write_event(g, actor=actor, action="paused", note=_("因%(reason)s暂停计时：%(note)s") % {
        "reason": label, "note": note})
    return pause


@transaction.atomic
def resume_clock(*, actor, grievance, note: str = "") -> ClockPause:
    g = _open_grievance(grievance)
    if not can_pause(actor, g):
        raise DeadlineError(_("只有承办单位或负责该件的综治中心可以恢复计时。"))
    clock = _lock_clock(g)
    pause = clock.pauses.filter(ended_at__isnull=True).first()
    if pause is None:
        raise DeadlineError(_("计时没有暂停。"))
    pause.ended_at, pause.ended_by = timezone.now(), actor
    pause.save(update_fields=["ended_at", "ended_by"])
    clock.paused_at = None
    clock.save(update_fields=["paused_at"])
    _write_event(g, actor=actor, action="resumed", note=(note or "").strip() or _("恢复计时。"))
    return pause


@transaction.atomic
def request_extension(*, actor, grievance, days: int, reason: str, parties_agreed: bool) -> ExtensionRequest:
    """延期申请: the mediator/handler and the parties agree; the unit's leader decides."""
    g = _open_grievance(grievance)
    if not can_request_extension(actor, g):
        raise DeadlineError(_("只有承办单位的工作人员可以申请延期。"))
    reason = (reason or "").strip()
    if not reason:
        raise DeadlineError(_("请填写延期理由。"))
    if not parties_agreed:
        raise DeadlineError(_("延期须经双方当事人同意。"))
    if not isinstance(days, int) or not 1 <= days <= 90:
        raise DeadlineError(_("延长天数须在1到90天之间。"))
    clock = _lock_clock(g)
    if clock.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise DeadlineError(_("已有一份延期申请在等待领导审核。"))
    ext = ExtensionRequest.objects.create(
        clock=clock, unit=g.handling_unit, centre=g.centre, days=days, reason=reason, parties_agreed=True,
        requested_by=actor, requested_at=timezone.now(),
    )
    event = _write_event(g, actor=actor, action="extension_requested", public=False,
                         note=_("申请延期%(days)d天：%(reason)s") % {"days": days, "reason": reason})
    notify(key=f"grv:{g.pk}:ev:{event.pk}", template="extension_requested",
           context=_context(g, days=days, reason=reason), users=unit_leaders(g), channels=("site", "sms"),
           link=_absolute(reverse("deadlines:decide", args=[ext.pk])))
    return ext


def _decide(actor, extension: ExtensionRequest, approve: bool, note: str) -> ExtensionRequest:
    ext = ExtensionRequest.objects.select_for_update().select_related("clock").get(pk=extension.pk)
    if ext.status != ExtensionStatus.PENDING:
        raise DeadlineError(_("该延期申请已经审核过了。"))
    g = _open_grievance(ext.clock.grievance)
    if not can_decide_extension(actor, g):
        raise DeadlineError(_("只有承办单位本单位的领导可以审核延期申请。"))
    note = (note or "").strip()
    if not approve and not note:
        raise DeadlineError(_("不同意延期时请写明意见。"))
    ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    ext.decided_by, ext.decided_at, ext.decision_note = actor, timezone.now(), note
    ext.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    action = "extension_approved" if approve else "extension_refused"
    decision = _("已批准") if approve else _("未批准")
    event = _write_event(g, actor=actor, action=action, public=approve,
                         note=_("延期%(days)d天%(decision)s。%(note)s") % {
                             "days": ext.days, "decision": decision, "note": note})
    clock = Clock.objects.get(pk=g.pk)
    completion = deadlines_of(clock).get(policy.COMPLETION)
    # Recorded for the centre (报综治中心备案) and told to the requester.
    _tell_staff([ext.requested_by, *centre_staff(g)], f"grv:{g.pk}:ev:{event.pk}", "extension_decided", g,
                channels=("site",), days=ext.days, decision=decision, deadline=DeadlineCode.COMPLETION.label,
                due=_fmt(completion.due) if completion else "")
    return ext


@transaction.atomic
def approve_extension(*, actor, extension: ExtensionRequest, note: str = "") -> ExtensionRequest:
    return _decide(actor, extension, True, note)


@transaction.atomic
def refuse_extension(*, actor, extension: ExtensionRequest, note: str) -> ExtensionRequest:
    return _decide(actor, extension, False, note)


# ---------------------------------------------------------------------------------------
# the scan


def claim_due_clocks(now: datetime | None = None, limit: int = 500) -> list[int]:
    """The clocks whose next check time has come, oldest first, leased for SCAN_LEASE so a
    concurrent scan takes others (SKIP LOCKED) and a crashed worker's items come back."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Clock.objects.select_for_update(skip_locked=True)
            .filter(next_due__lte=now).order_by("next_due").values_list("pk", flat=True)[:limit]
        )
        if ids:
            Clock.objects.filter(pk__in=ids).update(next_due=now + SCAN_LEASE)
    return ids


def _record_action(clock: Clock, deadline: policy.Deadline, action: str) -> bool:
    """True if this (item, deadline, action, due) was not recorded before."""
    memo = _batch.get()
    if memo is not None and clock.pk in memo["clocks"]:
        # The batch holds the clock's row lock and read its actions after taking it, so
        # nobody else can have recorded this one meanwhile: no savepoint needed.
        key = (deadline.code, action, deadline.due)
        if key in memo["done"][clock.pk]:
            return False
        # Written with the batch's others, before its events (whose listeners read them).
        memo["new_actions"].append(ClockAction(clock=clock, deadline=deadline.code, action=action, due=deadline.due))
        memo["done"][clock.pk].add(key)
        return True
    try:
        with transaction.atomic():
            ClockAction.objects.create(clock=clock, deadline=deadline.code, action=action, due=deadline.due)
        return True
    except IntegrityError:
        return False


@transaction.atomic
def process_clock(clock_id: int, now: datetime | None = None) -> list[str]:
    """Act once on everything due for one item: reminders, overdue supervision and notices,
    auto-close of unrated feedback. Returns what was done (for logs and tests)."""
    now = now or timezone.now()
    # Lock order everywhere: the grievance row, then its clock (the loop's transitions
    # update the grievance before they reach the hook), so a scan and a person acting on
    # the same item queue up instead of deadlocking.
    g = (Grievance.objects.select_for_update(of=("self",))
         .select_related("handling_unit", "centre", "region", "handler").filter(pk=clock_id).first())
    clock = Clock.objects.select_for_update().filter(pk=clock_id).first()
    if clock is None or g is None:
        return []
    return _act(g, clock, now)


def process_clocks(clock_ids: list[int], now: datetime | None = None) -> dict[int, list[str]]:
    """``process_clock`` for a batch of items in one transaction, with the same effects item by
    item (tested against the one-by-one path), at a fraction of the statements: the rows are
    locked in two statements in the same order (grievance, then clock), and what every item
    reads but nothing changes is read once for the batch. If anything fails, the batch rolls
    back and its items are processed one by one, so one bad item cannot hold up the others."""
    now = now or timezone.now()
    ids = sorted(set(clock_ids))
    try:
        with transaction.atomic(), _batch_scope(ids) as (grievances, clocks), messages_written_together():
            with loop.events_written_together():
                out = {pk: _act(grievances[pk], clocks[pk], now) if pk in grievances and pk in clocks else []
                       for pk in ids}
                memo = _batch.get()
                bulk.insert_rows(ClockAction, memo["new_actions"])
                memo["new_actions"].clear()
            # The chunk's events are written here, in one INSERT, and every listener runs once
            # with all of them (this module's handle_grievance_events saves the clocks).
            save_dirty_clocks()
            return out
    except Exception:  # noqa: BLE001 — isolate the failing item; its error is raised by its own run
        logger.warning("deadline batch of %d failed; processing its items one by one", len(ids), exc_info=True)
    out = {}
    for pk in ids:
        try:
            out[pk] = process_clock(pk, now)
        except Exception:  # noqa: BLE001 — the lease runs out and a later scan retries it
            logger.exception("deadline processing failed for clock %s", pk)
            out[pk] = []
    return out


@contextmanager
def _batch_scope(ids: list[int]):
    grievances = {g.pk: g for g in Grievance.objects.select_for_update(of=("self",)).select_related(
        "handling_unit", "handling_unit__leader", "centre", "centre__leader", "centre__region", "region", "handler",
    ).filter(pk__in=ids).order_by("pk")}
    clocks = {c.pk: c for c in Clock.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    memo = {"clocks": set(clocks), "clock_objs": clocks, "pauses": defaultdict(list),
            "extensions": defaultdict(list), "done": defaultdict(set), "staff": {}, "centres": {},
            "new_actions": [], "dirty": {}, "links": {}, "computed": {},
            "item_due": {pk: g.due_at for pk, g in grievances.items()}}
    for p in ClockPause.objects.filter(clock_id__in=clocks).order_by("started_at", "pk"):
        memo["pauses"][p.clock_id].append(policy.Pause(p.started_at, p.ended_at))
    for e in ExtensionRequest.objects.filter(clock_id__in=clocks, status=ExtensionStatus.APPROVED).order_by(
            "-requested_at", "pk"):
        memo["extensions"][e.clock_id].append(policy.Extension(e.decided_at, e.days))
    for clock_id, code, action, due in ClockAction.objects.filter(clock_id__in=clocks).values_list(
            "clock_id", "deadline", "action", "due"):
        memo["done"][clock_id].add((code, action, due))
    units = {g.handling_unit_id for g in grievances.values() if g.handling_unit_id}
    units |= {g.centre_id for g in grievances.values() if g.centre_id}
    memo["staff"] = {u: [] for u in units} | dict(_staff_of(units))
    token = _batch.set(memo)
    try:
        with remembered_templates():
            yield grievances, clocks
    finally:
        _batch.reset(token)


def _act(g, clock: Clock, now: datetime) -> list[str]:
    if not g.is_open:
        clock.is_open = False
        recompute(clock)
        return []
    rules, deadlines = _rules_and_deadlines(clock)
    done: list[str] = []
    overdue: list[policy.Deadline] = []
    for deadline, action in policy.due_actions(deadlines, rules, now):
        if not _record_action(clock, deadline, action):
            continue
        done.append(f"{deadline.code}:{action}")
        key = f"clock:{g.pk}:{deadline.code}:{action}:{int(deadline.due.timestamp())}"
        label = DeadlineCode(deadline.code).label
        if action.startswith("remind"):
            _tell_staff(unit_handlers(g), key, "deadline_reminder", g, deadline=label,
                        due=_fmt(deadline.due), remaining=_remaining_text(deadline.due - now))
        elif deadline.code == policy.RATING:
            loop.auto_close_grievance(grievance=g)
        elif deadline.code == policy.CENTRE:
            _tell_staff(centre_staff(g), key, "centre_target_overdue", g, channels=("site",),
                        deadline=_("受理或分派"))
            _major_alert(g, key, _("超过24小时未受理或分派"), centre_leaders(g))
        else:
            overdue.append(deadline)
    if overdue:
        _supervise_overdue(clock, g, overdue)
    if not _in_batch(clock.pk):
        clock.refresh_from_db()  # the event's listener saved it (in a batch: this same object, later)
    recompute(clock)
    return done


def _supervise_overdue(clock: Clock, g, overdue: list[policy.Deadline]) -> None:
    """One automatic supervision order for everything that became overdue in this scan,
    with notices to the unit's leader and the centre (and SMS + voice for 较大/重大)."""
    labels = "、".join(str(DeadlineCode(d.code).label) for d in overdue)
    first = min(overdue, key=lambda d: d.due)
    key = f"clock:{g.pk}:overdue:{'+'.join(d.code for d in overdue)}:{int(first.due.timestamp())}"
    clock.overdue_count += len(overdue)
    if not _in_batch(clock.pk):
        clock.save(update_fields=["overdue_count"])  # in a batch: saved with the clock's other changes
    loop.supervise_overdue(
        grievance=g,
        note=_("%(deadline)s已超期（应于%(due)s前完成），系统自动督办") % {"deadline": labels, "due": _fmt(first.due)},
    )
    _tell_staff(unit_leaders(g), key + ":leader", "deadline_overdue", g, deadline=labels, due=_fmt(first.due))
    _tell_staff(centre_staff(g), key + ":centre", "deadline_overdue", g, channels=("site",),
                deadline=labels, due=_fmt(first.due))
    _major_alert(g, key, _("已超期"), [*unit_leaders(g), *centre_leaders(g)])


def _remaining_text(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d小时%(m)d分钟") % {"h": hours, "m": mins}
    return _("%(m)d分钟") % {"m": mins}


# ---------------------------------------------------------------------------------------
# reads used by pages (kept next to the writes because they share the computation)


def overdue_q(now: datetime) -> Q:
    return Q(is_open=True, due_at__lt=now)
