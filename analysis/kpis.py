"""Every key figure, defined once (DOMAIN.md §10). The dashboard, the reports, the exports'
headers and the leaders' guide all take their numbers and labels from here.

Each function's docstring states its exact formula over the rollup counters (defined in
analysis.facts). Rates are percentages with one decimal, ``None`` when the denominator is
0 (shown as "—"). A rollup "counts" argument is a mapping counter → sum over the rows in
scope (appeals submitted in the period, with their status now or at report generation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import NamedTuple

from django.utils.translation import gettext_lazy

from analysis.models import DURATION_BUCKETS_HOURS, HISTOGRAM

Counts = Mapping[str, int]

# One lazy string per msgid, made once: a page computes a few hundred figures (8 per unit of
# its league, 3 per category, 4 per area), and each would otherwise make its label anew.
_ = cache(gettext_lazy)
PIECES = _("件")
HOURS = _("小时")


class Figure(NamedTuple):
    """One key figure (immutable; a named tuple, as a page makes a few hundred of them: 8 per
    unit of its league, 3 per category, 4 per area)."""

    code: str
    label: str  # lazy: translated when shown
    value: float | int | None
    unit: str  # "%", or a lazy unit (件, 小时) translated when shown
    numerator: int | None = None
    denominator: int | None = None

    @property
    def display(self) -> str:
        return _display(self.value, str(self.unit))

    def as_dict(self, texts: dict | None = None) -> dict:
        """The figure as plain data. ``texts``: a dict the caller keeps across the figures of
        one page (code → translated label and unit), so each KPI's label and unit are
        translated once per page, not once per unit, category or area."""
        if texts is None:
            label, unit = str(self.label), str(self.unit)
        else:
            pair = texts.get(self.code)
            if pair is None:
                pair = texts[self.code] = (str(self.label), str(self.unit))
            label, unit = pair
        return {"code": self.code, "label": label, "value": self.value, "unit": unit,
                "display": _display(self.value, unit), "numerator": self.numerator, "denominator": self.denominator}


def _display(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}{unit}"
    return f"{value}{unit}"


def percent(numerator: int, denominator: int) -> float | None:
    """100 × numerator ÷ denominator, one decimal; None when the denominator is 0."""
    return round(100.0 * numerator / denominator, 1) if denominator else None


def _rate(code, label, c: Counts, num: str, den: str) -> Figure:
    a, b = int(c.get(num, 0)), int(c.get(den, 0))
    return Figure(code, label, percent(a, b), "%", a, b)


def _count(code, label, c: Counts, key: str) -> Figure:
    return Figure(code, label, int(c.get(key, 0)), PIECES)


def submitted(c: Counts) -> Figure:
    """受理总量: n = appeals submitted in the period (every channel)."""
    return _count("submitted", _("诉求总量"), c, "n")


def response_rate(c: Counts) -> Figure:
    """响应率 = responded_24h ÷ n: appeals accepted or rejected within 24 hours of submission,
    over appeals submitted."""
    return _rate("response_rate", _("响应率"), c, "responded_24h", "n")


def sign_on_time_rate(c: Counts) -> Figure:
    """按时签收率 = sign_on_time ÷ sign_due: signed before the sign deadline (137+2030), over
    appeals whose sign deadline is settled (signed, or recorded overdue)."""
    return _rate("sign_on_time_rate", _("按时签收率"), c, "sign_on_time", "sign_due")


def interim_on_time_rate(c: Counts) -> Figure:
    """按时阶段性回复率 = interim_on_time ÷ interim_due: interim reply (or completion) before the
    3-day interim deadline, over appeals whose interim deadline is settled."""
    return _rate("interim_on_time_rate", _("按时阶段性回复率"), c, "interim_on_time", "interim_due")


def completion_on_time_rate(c: Counts) -> Figure:
    """按时办结率 = completion_on_time ÷ completion_due: completed and never recorded overdue on
    completion, over appeals completed or recorded overdue on completion."""
    return _rate("completion_on_time_rate", _("按时办结率"), c, "completion_on_time", "completion_due")


def completion_rate(c: Counts) -> Figure:
    """办结率 = completed ÷ (n − rejected): appeals completed now (办结, 核查反馈, 归档), over the
    appeals taken into the loop (submitted minus not accepted)."""
    done, base = int(c.get("completed", 0)), int(c.get("n", 0)) - int(c.get("rejected", 0))
    return Figure("completion_rate", _("办结率"), percent(done, base), "%", done, base)


def overdue_count(c: Counts) -> Figure:
    """超期件数 = overdue: appeals with a sign, interim-reply or completion deadline recorded
    overdue by the deadline scan (whether or not finished since)."""
    return _count("overdue_count", _("超期件数"), c, "overdue")


def overdue_open_count(c: Counts) -> Figure:
    """超期未结 = overdue_open: overdue appeals still open."""
    return _count("overdue_open_count", _("超期未办结"), c, "overdue_open")


def overdue_rate(c: Counts) -> Figure:
    """超期率 = overdue ÷ dispatched: overdue appeals over appeals dispatched to a unit."""
    return _rate("overdue_rate", _("超期率"), c, "overdue", "dispatched")


def satisfaction_rate(c: Counts) -> Figure:
    """满意率 = satisfied ÷ rated: appeals whose latest rating is 满意 or 基本满意, over rated
    appeals."""
    return _rate("satisfaction_rate", _("满意率"), c, "satisfied", "rated")


def first_resolution_rate(c: Counts) -> Figure:
    """一次性化解率 = first_resolved ÷ closed: archived without a 不满意 rating and without being
    sent back by the centre, over archived appeals."""
    return _rate("first_resolution_rate", _("一次性化解率"), c, "first_resolved", "closed")


def return_rate(c: Counts) -> Figure:
    """退回率 = returned ÷ dispatched: appeals a unit returned (with its leader's approval) at
    least once, over appeals dispatched."""
    return _rate("return_rate", _("退回率"), c, "returned", "dispatched")


def second_supervision_count(c: Counts) -> Figure:
    """二次督办 = second_supervision: the number of 不满意 ratings (each one starts a second
    supervision)."""
    return _count("second_supervision_count", _("二次督办"), c, "second_supervision")


def repeat_rate(c: Counts) -> Figure:
    """重复诉求率 = repeat ÷ n: appeals by the same reporter (account or phone), or about the
    same category in the same village, as another appeal in the 30 days before, over
    appeals submitted."""
    return _rate("repeat_rate", _("重复诉求率"), c, "repeat", "n")


def avg_completion_hours(c: Counts) -> Figure:
    """平均办结时长 = dur_minutes ÷ dur_n ÷ 60: mean hours from submission to completion of
    completed appeals."""
    n = int(c.get("dur_n", 0))
    value = round(int(c.get("dur_minutes", 0)) / n / 60, 1) if n else None
    return Figure("avg_completion_hours", _("平均办结时长"), value, HOURS, int(c.get("dur_minutes", 0)), n)


def p90_completion_hours(c: Counts) -> Figure:
    """办结时长P90: the hours within which 90 % of completed appeals were completed, read
    from the histogram (bucket bounds DURATION_BUCKETS_HOURS) by linear interpolation inside
    the bucket where the cumulative count reaches 0.9 × dur_n; past the last bound it is
    that bound (720 h, 30 days)."""
    n = int(c.get("dur_n", 0))
    if not n:
        return Figure("p90_completion_hours", _("办结时长P90"), None, HOURS, None, 0)
    target, cum, low = 0.9 * n, 0, 0.0
    bounds = (*DURATION_BUCKETS_HOURS, DURATION_BUCKETS_HOURS[-1])
    value = float(DURATION_BUCKETS_HOURS[-1])
    for key, high in zip(HISTOGRAM, bounds, strict=True):
        count = int(c.get(key, 0))
        if count and cum + count >= target:
            value = low + (high - low) * (target - cum) / count
            break
        cum += count
        low = float(high)
    return Figure("p90_completion_hours", _("办结时长P90"), round(value, 1), HOURS, None, n)


def major_count(c: Counts) -> Figure:
    """较大以上纠纷 = major: appeals graded 较大 or 重大."""
    return _count("major_count", _("较大及以上纠纷"), c, "major")


# The grievance KPIs in the order pages show them.
GRIEVANCE_KPIS: tuple[Callable[[Counts], Figure], ...] = (
    submitted, response_rate, completion_rate, satisfaction_rate, overdue_count, overdue_rate,
    sign_on_time_rate, interim_on_time_rate, completion_on_time_rate, first_resolution_rate, return_rate,
    second_supervision_count, repeat_rate, avg_completion_hours, p90_completion_hours, major_count,
    overdue_open_count,
)
# The ones in a league-table row per unit.
UNIT_KPIS = (submitted, completion_rate, completion_on_time_rate, overdue_count, overdue_open_count,
             satisfaction_rate, return_rate, avg_completion_hours)


def grievance_figures(c: Counts, which=GRIEVANCE_KPIS) -> dict[str, Figure]:
    return {f.code: f for f in (fn(c) for fn in which)}


def figure_dicts(c: Counts, which=GRIEVANCE_KPIS, texts: dict | None = None) -> dict[str, dict]:
    """{code: Figure.as_dict()} of these KPIs over one set of counts (a league row, an area);
    ``texts`` as in ``Figure.as_dict``."""
    out = {}
    for fn in which:
        f = fn(c)
        out[f.code] = f.as_dict(texts)
    return out


# --------------------------------------------------------------------------- staff logins


def login_rate(logged_in_person_days: int, staff: int, working_days: int) -> Figure:
    """工作人员登录率 = Σ over working days (Mon–Fri) of staff who logged in that day ÷
    (staff × working days): staff are the unit's active members with a unit role now."""
    den = staff * working_days
    return Figure("login_rate", _("工作人员登录率"), percent(logged_in_person_days, den), "%",
                  logged_in_person_days, den)


# --------------------------------------------------------------------------- mediation


def mediation_success_rate(succeeded: int, ended: int) -> Figure:
    """调解成功率 = cases ended 调解成功 ÷ cases ended (成功, 不成, 终止)."""
    return Figure("mediation_success_rate", _("调解成功率"), percent(succeeded, ended), "%", succeeded, ended)


def judicial_confirmation_count(confirmed: int) -> Figure:
    """司法确认数 = judicial confirmations with status 已确认."""
    return Figure("judicial_confirmation_count", _("司法确认数"), confirmed, PIECES)


# --------------------------------------------------------------------------- legal Q&A


def qa_response_rate(quick: int, total: int) -> float | None:
    """问法响应率 = questions first answered within the escalation minutes ÷ questions."""
    return percent(quick, total)


def qa_first_resolution_rate(resolved: int, closed: int) -> float | None:
    """问法一次解决率 = closed questions marked resolved ÷ closed questions."""
    return percent(resolved, closed)


def qa_satisfaction_rate(satisfied: int, rated: int) -> float | None:
    """问法满意率 = rated questions with professionalism, speed and usefulness all ≥ 4 ÷ rated
    questions."""
    return percent(satisfied, rated)
