"""Due-time computation for the "137+2030" rule (DOMAIN.md §5; seed 004 高效办结机制).

Pure functions: given the rules of one item (a snapshot of its DeadlinePolicy row) and its
timeline (when it was submitted, accepted, dispatched, signed …, its pauses and approved
extensions), return every deadline with its due time. Nothing here reads the database or
the clock; the same function serves the scan, the pages and the tests.

Conventions:
- Days are calendar days in Asia/Shanghai. "N days" from a moment means the end of the
  local day N days after that moment's local date; "the same day" (N = 0) is the end of
  that local day. The end of a day is the following local midnight (exclusive): an item
  is overdue from that instant on.
- Paused time does not count (专家咨询/鉴定不计入期限): a pause that begins inside a
  deadline's window moves the due time later by the pause's exact length; while a pause
  is open the deadline has no due time, only the time that was left when it began.
- An approved extension adds its days to the completion deadline of the current round.
- The centre's own target is in hours (受理/分派 within 24 h of submission).
- Signing for an item follows working hours (``WorkCalendar``): an item dispatched on a
  working day between the start and the end of the working day must be signed for that
  day (by its end, 24:00); one dispatched after hours, before hours or on a day off must
  be signed for by the next working morning (12:00 of the next working day, or of the
  same day when it came in before the day began). With a sign-for period of N days the
  days count from that next working morning. Holidays and the weekend days worked in
  exchange (调休上班) are data (``Holiday`` rows), passed in as the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

CENTRE = "centre"
SIGN = "sign"
INTERIM = "interim"
COMPLETION = "completion"
RATING = "rating"
DEADLINE_CODES = (CENTRE, SIGN, INTERIM, COMPLETION, RATING)
# Deadlines whose handlers get due-soon reminders (the centre target and the rating
# window have none: the first is the centre's own, the second the citizen's).
REMINDED = (SIGN, INTERIM, COMPLETION)

START_ON_ACCEPTED = "accepted"
START_ON_DISPATCHED = "dispatched"


@dataclass(frozen=True)
class Rules:
    start_on: str = START_ON_DISPATCHED
    sign_days: int = 0
    interim_days: int | None = 3
    completion_days: int = 7
    second_days: int = 7
    rating_days: int = 7
    centre_hours: int = 24
    reminder_hours: tuple[int, ...] = (24, 2)

    def as_dict(self) -> dict:
        return {
            "start_on": self.start_on, "sign_days": self.sign_days, "interim_days": self.interim_days,
            "completion_days": self.completion_days, "second_days": self.second_days,
            "rating_days": self.rating_days, "centre_hours": self.centre_hours,
            "reminder_hours": list(self.reminder_hours),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Rules:
        data = dict(data)
        data["reminder_hours"] = tuple(data.get("reminder_hours") or ())
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class WorkCalendar:
    """When units are at work: Monday to Friday from ``day_start`` to ``day_end`` (Beijing
    time), except the dates in ``holidays``; weekend dates in ``workdays`` are worked."""

    day_start: time = time(8, 30)
    day_end: time = time(17, 30)
    morning_end: time = time(12, 0)
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day.weekday() < 5 or day in self.workdays

    def in_hours(self, moment: datetime) -> bool:
        lm = local(moment)
        return self.is_working_day(lm.date()) and self.day_start <= lm.time() < self.day_end

    def next_working_day(self, day: date) -> date:
        """The first working day on or after ``day`` (a year of days off at most)."""
        for offset in range(366):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        return day

    def next_working_morning(self, moment: datetime) -> datetime:
        """The end of the next working morning after ``moment``: noon of the same day when
        ``moment`` falls before the working day begins, else of the next working day."""
        lm = local(moment)
        day = lm.date()
        if not (self.is_working_day(day) and lm.time() < self.day_start):
            day = self.next_working_day(day + timedelta(days=1))
        return datetime.combine(day, self.morning_end, tzinfo=SHANGHAI)

    def sign_due(self, dispatched: datetime, sign_days: int) -> datetime:
        """When an item dispatched at ``dispatched`` must be signed for (module docstring)."""
        if self.in_hours(dispatched):
            return end_of_day(dispatched, sign_days)
        morning = self.next_working_morning(dispatched)
        return morning if sign_days == 0 else end_of_day(morning, sign_days)


WEEKDAYS = WorkCalendar()


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class Extension:
    approved_at: datetime
    days: int


@dataclass
class Timeline:
    submitted_at: datetime | None = None
    centre_started_at: datetime | None = None  # submission, escalation or a return to the centre
    centre_done_at: datetime | None = None     # dispatched or rejected since centre_started_at
    accepted_at: datetime | None = None
    dispatched_at: datetime | None = None      # the latest dispatch (a new unit signs again)
    signed_at: datetime | None = None
    interim_at: datetime | None = None
    completed_at: datetime | None = None
    verified_at: datetime | None = None
    reopened_at: datetime | None = None        # 不满意 → second supervision round
    closed: bool = False
    pauses: list[Pause] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)


@dataclass
class Deadline:
    code: str
    start: datetime
    due: datetime | None          # None while paused
    met_at: datetime | None = None
    left_at_pause: timedelta | None = None

    @property
    def active(self) -> bool:
        return self.met_at is None

    @property
    def paused(self) -> bool:
        return self.due is None

    def reminder_points(self, hours: Iterable[int]) -> list[tuple[int, datetime]]:
        """(hours-before, moment) for reminders that fall inside the window."""
        if self.due is None:
            return []
        return [(h, self.due - timedelta(hours=h)) for h in sorted(hours, reverse=True)
                if self.due - timedelta(hours=h) >= self.start]


def local(dt: datetime) -> datetime:
    return dt.astimezone(SHANGHAI)


def end_of_day(moment: datetime, plus_days: int = 0) -> datetime:
    """The local midnight ending the day ``plus_days`` after ``moment``'s local date."""
    day = local(moment).date() + timedelta(days=plus_days + 1)
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def add_days(moment: datetime, days: int) -> datetime:
    """Move a due time by whole calendar days in local time (month ends roll over)."""
    lm = local(moment)
    return datetime.combine(lm.date() + timedelta(days=days), lm.timetz())


def shift_for_pauses(start: datetime, due: datetime, pauses: Iterable[Pause]) -> tuple[datetime | None, timedelta | None]:
    """Extend ``due`` by every pause that begins before it inside [start, due).

    Returns (due, None), or (None, time left) while a pause is still open."""
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.end is not None and pause.end <= start:
            continue
        begin = max(pause.start, start)
        if begin >= due:
            break
        if pause.end is None:
            return None, due - begin
        due = due + (pause.end - begin)
    return due, None


def _met(moment: datetime | None, since: datetime) -> datetime | None:
    return moment if moment is not None and moment >= since else None


def compute(rules: Rules, t: Timeline, calendar: WorkCalendar = WEEKDAYS) -> dict[str, Deadline]:
    """Every deadline that applies to the item now, keyed by code (see module docstring)."""
    out: dict[str, Deadline] = {}
    if t.closed:
        return out

    if t.centre_started_at is not None:
        start = t.centre_started_at
        out[CENTRE] = Deadline(CENTRE, start, start + timedelta(hours=rules.centre_hours),
                               met_at=_met(t.centre_done_at, start))

    clock_start = t.accepted_at if rules.start_on == START_ON_ACCEPTED else t.dispatched_at
    if clock_start is not None and t.dispatched_at is not None:
        start = t.dispatched_at
        due, left = shift_for_pauses(start, calendar.sign_due(start, rules.sign_days), t.pauses)
        met = _met(t.signed_at, start) or _met(t.completed_at, start)
        out[SIGN] = Deadline(SIGN, start, due, met_at=met, left_at_pause=left)

    if clock_start is not None:
        if t.reopened_at is not None and t.reopened_at >= clock_start:
            round_start, days = t.reopened_at, rules.second_days
        else:
            round_start, days = clock_start, rules.completion_days
            if rules.interim_days is not None:
                due, left = shift_for_pauses(round_start, end_of_day(round_start, rules.interim_days), t.pauses)
                met = _met(t.interim_at, round_start) or _met(t.completed_at, round_start)
                out[INTERIM] = Deadline(INTERIM, round_start, due, met_at=met, left_at_pause=left)
        base = end_of_day(round_start, days)
        extra = sum(e.days for e in t.extensions if e.approved_at >= round_start)
        if extra:
            base = add_days(base, extra)
        due, left = shift_for_pauses(round_start, base, t.pauses)
        out[COMPLETION] = Deadline(COMPLETION, round_start, due, met_at=_met(t.completed_at, round_start),
                                   left_at_pause=left)

    if t.verified_at is not None and (t.completed_at is not None):
        start = t.verified_at
        out[RATING] = Deadline(RATING, start, end_of_day(start, rules.rating_days))
    return out


def active(deadlines: dict[str, Deadline]) -> list[Deadline]:
    return [d for d in deadlines.values() if d.active]


def nearest_due(deadlines: dict[str, Deadline]) -> Deadline | None:
    """The active deadline due first (the one shown and used for overdue lists)."""
    running = [d for d in active(deadlines) if d.due is not None]
    return min(running, key=lambda d: d.due) if running else None


def next_check(deadlines: dict[str, Deadline], rules: Rules, done: set[tuple[str, str, datetime]]) -> datetime | None:
    """The next moment the scan must look at the item: the earliest reminder point or due
    time of an active deadline not acted on yet. ``done`` holds the (code, action, due)
    triples already recorded; once a deadline's overdue action or a later reminder is
    recorded, its earlier points no longer matter."""
    moments: list[datetime] = []
    for d in active(deadlines):
        if d.due is None or (d.code, "overdue", d.due) in done:
            continue
        moments.append(d.due)
        if d.code not in REMINDED:
            continue
        points = d.reminder_points(rules.reminder_hours)  # earliest first
        last_done = max((i for i, (h, _p) in enumerate(points) if (d.code, f"remind{h}", d.due) in done),
                        default=-1)
        moments.extend(point for _h, point in points[last_done + 1:])
    return min(moments) if moments else None


def due_actions(deadlines: dict[str, Deadline], rules: Rules, now: datetime) -> list[tuple[Deadline, str]]:
    """What is due at ``now``: ("overdue") for every active deadline past its due time,
    else the latest reminder point passed ("remind<hours>"); earlier reminder points
    that were missed (say during an outage) are not sent late once a later one applies."""
    actions: list[tuple[Deadline, str]] = []
    for d in active(deadlines):
        if d.due is None:
            continue
        if now >= d.due:
            actions.append((d, "overdue"))
            continue
        if d.code not in REMINDED:
            continue
        passed = [h for h, point in d.reminder_points(rules.reminder_hours) if point <= now]
        if passed:
            actions.append((d, f"remind{min(passed)}"))
    return actions
