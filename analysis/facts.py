"""What one appeal contributes to the rollups: its dimensions and its 0/1 counters.

``compute`` is a pure function of the appeal row, its clock, the deadlines recorded as
overdue for it, two counts from its events and whether it repeats an earlier appeal.
Incremental maintenance and the rebuild both call it, so they cannot disagree.

Every figure is attributed to the appeal's submission day (local time, Asia/Shanghai) and
shows its status now: "October's completion rate" is the share of the appeals submitted
in October that are completed. The counters (1 when true, else 0):

- ``n`` submitted; ``rejected`` 不予受理; ``accepted`` ever accepted; ``dispatched`` ever
  dispatched to a unit; ``open`` still in the loop; ``completed`` completed now (办结,
  核查, 归档); ``closed`` archived.
- ``responded`` accepted or rejected; ``responded_24h`` the first acceptance or rejection
  came within 24 hours of submission.
- ``sign_due``/``sign_on_time``, ``interim_due``/``interim_on_time``,
  ``completion_due``/``completion_on_time``: the 137+2030 deadline is settled (met, or
  recorded overdue by the deadline scan) / it was met and never recorded overdue.
- ``overdue`` a sign, interim-reply or completion deadline was ever recorded overdue;
  ``overdue_open`` the same and still open.
- ``rated`` has a rating; ``satisfied`` its latest rating is 满意 or 基本满意.
- ``second_supervision`` the number of 不满意 ratings (each starts a 二次督办).
- ``first_resolved`` archived without any 不满意 rating and without being sent back.
- ``returned`` a unit returned it at least once (退回); ``supervised`` it has a
  supervision order (督办); ``major`` graded 较大 or 重大.
- ``repeat`` the same reporter (account or phone) or the same village and category had
  another appeal submitted in the 30 days before it (by day; earlier id on the same day).
- ``dur_n``/``dur_minutes``/``h0``…``h10``: for completed appeals, the minutes from
  submission to the latest completion, and a histogram by DURATION_BUCKETS_HOURS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from analysis.models import DURATION_BUCKETS_HOURS
from grievances.deadlines.policy import COMPLETION, INTERIM, SIGN, local
from grievances.models import State

DONE_STATES = (State.COMPLETED, State.VERIFIED, State.CLOSED)
OPEN_STATES = (State.SUBMITTED, State.ACCEPTED, State.DISPATCHED, State.HANDLING, State.COMPLETED,
               State.VERIFIED)
REPEAT_DAYS = 30
# Event actions whose counts a fact needs.
HISTORY_ACTIONS = ("sent_back", "rated_unsatisfied")


@dataclass
class Fact:
    day: date
    region_code: str
    grid_code: str = ""
    kind: str = ""
    category_id: int | None = None
    severity: str = ""
    channel: str = ""
    unit_id: int | None = None
    cell: str = ""
    person: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def dims(self) -> tuple:
        return (self.day, self.region_code, self.grid_code, self.kind, self.category_id, self.severity,
                self.channel, self.unit_id, self.cell)


def day_of(moment) -> date:
    return local(moment).date()


def person_of(g) -> str:
    if g.reporter_id:
        return f"u{g.reporter_id}"
    return f"p{g.contact_phone}" if g.contact_phone else ""


def cell_of(g) -> str:
    """Appeals with coordinates are counted in 0.01° cells (about 1 km): the map's points."""
    if g.latitude is None or g.longitude is None:
        return ""
    return f"{float(g.latitude):.2f},{float(g.longitude):.2f}"


def bucket(minutes: int) -> str:
    hours = minutes / 60
    for i, bound in enumerate(DURATION_BUCKETS_HOURS):
        if hours <= bound:
            return f"h{i}"
    return f"h{len(DURATION_BUCKETS_HOURS)}"


def compute(g, clock, *, overdue_codes: set[str], history: dict[str, int], repeat: bool, grid_code: str = "") -> Fact:
    """The fact of one appeal now (see the module docstring for every counter)."""
    state = g.state
    rejected = state == State.REJECTED
    completed = state in DONE_STATES
    is_open = state in OPEN_STATES
    responded_at = g.accepted_at or (g.closed_at if rejected else None)
    overdue = bool(overdue_codes & {SIGN, INTERIM, COMPLETION})
    signed_at = clock.signed_at if clock is not None else None
    interim_at = clock.interim_at if clock is not None else None
    rules = clock.get_rules() if clock is not None else None
    has_interim = rules is not None and rules.interim_days is not None
    unsatisfied = history.get("rated_unsatisfied", 0)
    c = {
        "n": 1,
        "rejected": int(rejected),
        "accepted": int(g.accepted_at is not None),
        "dispatched": int(g.first_unit_id is not None),
        "open": int(is_open),
        "completed": int(completed),
        "closed": int(state == State.CLOSED),
        "responded": int(responded_at is not None),
        "responded_24h": int(responded_at is not None and responded_at - g.created_at <= timedelta(hours=24)),
        "sign_due": int(signed_at is not None or SIGN in overdue_codes),
        "sign_on_time": int(signed_at is not None and SIGN not in overdue_codes),
        "interim_due": int(has_interim and (interim_at is not None or completed or INTERIM in overdue_codes)),
        "interim_on_time": int(has_interim and (interim_at is not None or completed)
                               and INTERIM not in overdue_codes),
        "completion_due": int(completed or COMPLETION in overdue_codes),
        "completion_on_time": int(completed and COMPLETION not in overdue_codes),
        "overdue": int(overdue),
        "overdue_open": int(overdue and is_open),
        "rated": int(bool(g.satisfaction)),
        "satisfied": int(g.satisfaction in ("satisfied", "basic")),
        "second_supervision": unsatisfied,
        "first_resolved": int(state == State.CLOSED and unsatisfied == 0 and history.get("sent_back", 0) == 0),
        "returned": int(g.return_count > 0),
        "supervised": int(g.supervision_count > 0),
        "major": int(g.severity in ("major", "grave")),
        "repeat": int(repeat),
    }
    if completed and g.completed_at is not None:
        minutes = max(int((g.completed_at - g.created_at).total_seconds() // 60), 0)
        c["dur_n"], c["dur_minutes"], c[bucket(minutes)] = 1, minutes, 1
    return Fact(
        day=day_of(g.created_at), region_code=g.region_code, grid_code=grid_code, kind=g.kind,
        category_id=g.category_id, severity=g.severity or "", channel=g.channel, unit_id=g.handling_unit_id,
        cell=cell_of(g), person=person_of(g), counts={k: v for k, v in c.items() if v},
    )


# --------------------------------------------------------------------------- contributions
# Which rollup rows (scope, dim, value) a fact adds its counters to.

REGION_PREFIXES = (2, 4, 6, 9, 12)  # province, city, county, township, village
BREAKDOWN_DIMS = ("kind", "category", "severity", "channel", "unit")
# A handling unit's own rows (a department leader's dashboard) have the scope "u<unit id>":
# its total and these breakdowns, read like a region's (scope = X AND dim IN … AND day
# BETWEEN …), so a unit's page reads only its own rows, whatever the number of units.
UNIT_SCOPE_DIMS = ("kind", "category", "severity", "channel")


# Month rows: beside every day row (day, scope, dim, value) the fact also counts in the row
# (first day of its month, scope, MONTH_PREFIX + dim, value). The dims of month rows are a
# set of their own ("m:total", "m:kind", …), so a read of whole months walks the rollup key
# (scope, dim, day, value) over month rows only, and a read of days over day rows only; a
# month row always holds the sum of its month's day rows (both are written by the same
# statement of analysis.rollups.add_to_rollups; the rebuild regroups them from the days).
MONTH_PREFIX = "m:"
# Year rows, the third tier: the fact also counts in (1 January of its year, scope,
# YEAR_PREFIX + dim, value), written by the same statement as its day and month rows; a year
# row always holds the sum of its year's month rows (the rebuild regroups it from them). A
# long period reads its whole years from year rows (analysis.selectors.split).
YEAR_PREFIX = "y:"
# Both tiers' prefixes: a dim that starts with one of these is not a day row's.
TIER_PREFIXES = (MONTH_PREFIX, YEAR_PREFIX)


def month_dim(dim: str) -> str:
    return MONTH_PREFIX + dim


def year_dim(dim: str) -> str:
    return YEAR_PREFIX + dim


def month_of(day: date) -> date:
    return day.replace(day=1)


def year_of(day: date) -> date:
    return day.replace(month=1, day=1)


def unit_scope(unit_id: int | str) -> str:
    return f"u{unit_id}"


def region_scopes(code: str) -> list[str]:
    """The region codes of this code and its ancestors (12 digits each), top first."""
    out = []
    for n in REGION_PREFIXES:
        scoped = code[:n].ljust(12, "0")
        if not out or scoped != out[-1]:
            out.append(scoped)
        if code[n:].strip("0") == "":
            break
    return out


def _dim_values(fact: Fact) -> dict[str, str]:
    return {
        "kind": fact.kind, "category": str(fact.category_id or ""), "severity": fact.severity,
        "channel": fact.channel, "unit": str(fact.unit_id or ""),
    }


def keys(fact: Fact) -> list[tuple[str, str, str]]:
    """Every (scope, dim, value) row the fact counts in."""
    values = _dim_values(fact)
    per_scope = [("total", ""), *((d, values[d]) for d in BREAKDOWN_DIMS)]
    if fact.cell:
        per_scope.append(("cell", fact.cell))
    out = [("", d, v) for d, v in per_scope]
    for scope in region_scopes(fact.region_code):
        out += [(scope, d, v) for d, v in per_scope]
    if fact.grid_code:
        out.append((fact.grid_code, "total", ""))
        if fact.cell:
            out.append((fact.grid_code, "cell", fact.cell))
    if fact.unit_id:
        scope = unit_scope(fact.unit_id)
        out += [(scope, "total", ""), *((scope, d, values[d]) for d in UNIT_SCOPE_DIMS)]
    return out
