"""Every read of the analysis pages, reports and exports, already scoped to the viewer.

A viewer's scope comes from grid.permissions: centre staff and leaders see their centre's
region and everything below it (and may drill down inside it), administrators everything,
department leaders and handlers (and mediation organisations) only their own unit. All
figures come from Rollup rows: a fixed number of indexed queries per page, whatever the
number of appeals. Whole years are read from year rows (one row per value and year), whole
months from month rows (one per value and month), the rest at a period's ends from day
rows (``split``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connections
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis import facts, kpis
from analysis.models import METRICS, Boundary, Rollup, StaffLogin
from grid import permissions
from grid.models import PREFIX_LENGTH, Region, RegionLevel, Unit, User
from grid.replica import heavy_reads, read_alias


class NotAllowed(Exception):
    """The viewer may not see this scope; ``message`` is shown as is."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


@dataclass
class Scope:
    """What a page shows: a region subtree (``region`` None = everything) or one unit."""

    label: str
    region: Region | None = None
    unit: Unit | None = None
    trail: list[Region] = field(default_factory=list)  # ancestors the viewer may click back to

    @property
    def is_unit(self) -> bool:
        return self.unit is not None

    @property
    def code(self) -> str:
        return self.region.code if self.region is not None else ""


def can_view(user) -> bool:
    return permissions.is_centre_or_admin(user) or permissions.is_department(user) or (
        permissions.is_mediator(user) and user.unit_id is not None)


def scope_for(user, region_code: str | None = None) -> Scope:
    """The scope a viewer asked for, refused when outside what they may see."""
    if permissions.is_department(user) or permissions.is_mediator(user):
        if not user.unit_id:
            raise NotAllowed(_("您没有查看研判分析的权限。"))
        unit = user.unit
        return Scope(label=unit.name, unit=unit)
    if not permissions.is_centre_or_admin(user):
        raise NotAllowed(_("您没有查看研判分析的权限。"))
    prefix = permissions.region_prefix(user)
    own = None if prefix == "" else Region.objects.get(pk=user.unit.region_id)
    if not region_code:
        region = own
    else:
        region = Region.objects.filter(code=region_code).first()
        if region is None or not permissions.can_see_region_code(user, region.code):
            raise NotAllowed(_("该区域不在您的辖区内。"))
    if region is None:
        return Scope(label=_("全部辖区"))
    top = own.level if own is not None else 0
    trail = [r for r in region.ancestors() if r.level >= top]
    return Scope(label=region.name, region=region, trail=trail)


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return start, nxt - timedelta(days=1)


def period_for(code: str | None, start: str | None = None, end: str | None = None, today: date | None = None) -> Period:
    """today / week / month / last_month / year / custom (start..end, at most 3 years)."""
    today = today or timezone.localdate()
    code = code or "month"
    if code == "today":
        return Period(code, today, today, _("今日"))
    if code == "week":
        monday = today - timedelta(days=today.weekday())
        return Period(code, monday, today, _("本周"))
    if code == "last_month":
        s, e = month_bounds(today.replace(day=1) - timedelta(days=1))
        return Period(code, s, e, _("上月"))
    if code == "year":
        return Period(code, today.replace(month=1, day=1), today, _("本年"))
    if code == "custom":
        try:
            s, e = date.fromisoformat(start or ""), date.fromisoformat(end or "")
        except ValueError as exc:
            raise NotAllowed(_("请填写正确的起止日期（例如 2026-10-01）。")) from exc
        if e < s:
            raise NotAllowed(_("截止日期不能早于起始日期。"))
        if (e - s).days > 366 * 3:
            raise NotAllowed(_("自定义时段最长三年。"))
        return Period(code, s, e, f"{s:%Y-%m-%d} ~ {e:%Y-%m-%d}")
    s, _e = month_bounds(today)
    return Period("month", s, today, _("本月"))


# --------------------------------------------------------------------------- rollup reads

def _sums_sql(columns) -> str:
    # CAST: PostgreSQL's SUM of a bigint column is numeric (a Decimal per value in Python);
    # as bigint every sum arrives as an int and a row becomes a dict with no per-value work.
    return ", ".join(f"CAST(SUM({m}) AS BIGINT)" for m in columns)


_SUM_COLUMNS = _sums_sql(METRICS)
_TABLE = Rollup._meta.db_table


def _zero() -> dict[str, int]:
    return dict.fromkeys(METRICS, 0)


def _sum_rows(where: str, params: list, group: str, sums_sql: str = _SUM_COLUMNS) -> list[tuple]:
    """SUM of every counter (or of those in ``sums_sql``) grouped by ``group`` (raw SQL: the
    dashboard's hot path, so the 37 aggregates are not rebuilt by the ORM on every request).
    A heavy read: on the replica when one is configured and fresh (grid/replica.py)."""
    with heavy_reads(), connections[read_alias()].cursor() as cursor:
        cursor.execute(f"SELECT {group}, {sums_sql} FROM {_TABLE} WHERE {where} GROUP BY {group}", params)
        return cursor.fetchall()


Span = tuple[date, date]


def _split_months(start: date, end: date, today: date) -> tuple[list[Span], list[Span]]:
    """[start, end] as day spans and at most one span of whole months (first days)."""
    first = start if start.day == 1 else month_bounds(start)[1] + timedelta(days=1)
    end_first, end_last = month_bounds(end)
    last = end_first if (end == end_last or end >= today) else month_bounds(end_first - timedelta(days=1))[0]
    if first > last:
        return [(start, end)], []
    days = []
    if start < first:
        days.append((start, first - timedelta(days=1)))
    after = month_bounds(last)[1]
    if end > after:
        days.append((after + timedelta(days=1), end))
    return days, [(first, last)]


def split(start: date, end: date, today: date | None = None,
          years: bool = True) -> tuple[list[Span], list[Span], Span | None]:
    """How to read [start, end]: (day spans read from day rows, spans of whole months read
    from month rows (their first days), the span of whole years read from year rows (their
    1 Januaries) or None). Whole years first (when ``years``), then whole months in what is
    left at either end, then days. A month or a year is whole when the period covers it to
    its last day, or to today (no appeal is submitted after today, so the current month's
    and year's rows hold exactly their days so far): "this month" and "last month" read one
    row per value, "this year" one, a 3-year custom period at most 3 year rows and 2 × 11
    month rows per value."""
    today = today or timezone.localdate()
    if years:
        first = start.year if (start.month, start.day) == (1, 1) else start.year + 1
        last = end.year if ((end.month, end.day) == (12, 31) or end >= today) else end.year - 1
        if first <= last:
            days: list[Span] = []
            months: list[Span] = []
            lo, hi = date(first, 1, 1), date(last + 1, 1, 1)
            for part in ((start, lo - timedelta(days=1)), (hi, end)):
                if part[0] <= part[1]:
                    d, m = _split_months(*part, today)
                    days += d
                    months += m
            return days, months, (lo, date(last, 1, 1))
    days, months = _split_months(start, end, today)
    return days, months, None


def _rollup_rows(scope_where: str, scope_params: list, dims: list[str], start: date, end: date,
                 group: str, months: bool = True, years: bool = True, metrics=METRICS) -> list[tuple]:
    """``_sum_rows`` over the rows of these scopes and dims in [start, end]: the year rows of
    its whole years, the month rows of its whole months and the day rows of the rest
    (``split``; ``months`` False: day rows only; ``years`` False: no year rows, as for a
    trend by month), one query (a UNION ALL of index range scans of the rollup key, the
    month and year rows' dims renamed to the day rows'). Each row: the ``group`` columns,
    then the sums of ``metrics`` (every counter by default)."""
    if months:
        spans, whole_months, whole_years = split(start, end, years=years)
    else:
        spans, whole_months, whole_years = [(start, end)], [], None
    sums_sql = _SUM_COLUMNS if metrics is METRICS else _sums_sql(metrics)
    marks = ", ".join(["%s"] * len(dims))
    if len(spans) == 1 and not whole_months and whole_years is None:
        return _sum_rows(f"{scope_where} AND dim IN ({marks}) AND day BETWEEN %s AND %s",
                         [*scope_params, *dims, *spans[0]], group, sums_sql)
    cols = f"day, scope, dim, value, {', '.join(metrics)}"
    parts, params = [], []
    for lo, hi in spans:
        parts.append(f"SELECT {cols} FROM {_TABLE} WHERE {scope_where} AND dim IN ({marks}) AND day BETWEEN %s AND %s")
        params += [*scope_params, *dims, lo, hi]
    tiers = [(facts.month_dim, span) for span in whole_months]
    if whole_years is not None:
        tiers.append((facts.year_dim, whole_years))
    for tier_dim, (lo, hi) in tiers:
        # The tier's prefix is as long for months as for years ("m:", "y:").
        parts.append(f"SELECT day, scope, substr(dim, {len(tier_dim('')) + 1}) AS dim, value, "
                     f"{', '.join(metrics)} FROM {_TABLE} WHERE {scope_where} AND dim IN ({marks}) "
                     f"AND day BETWEEN %s AND %s")
        params += [*scope_params, *(tier_dim(d) for d in dims), lo, hi]
    with heavy_reads(), connections[read_alias()].cursor() as cursor:
        cursor.execute(f"SELECT {group}, {sums_sql} FROM ({' UNION ALL '.join(parts)}) r GROUP BY {group}",
                       params)
        return cursor.fetchall()


def _counts(values) -> dict[str, int]:
    # The sums arrive as ints (``_sums_sql``), never NULL (a group has at least one row).
    return dict(zip(METRICS, values, strict=True))


def sums(scope: Scope, period: Period, dims) -> dict[str, dict[str, dict[str, int]]]:
    """Counters per dimension value, for several dimensions, in one indexed query:
    {dim: {value: counts}}; the dimension "total" has the one value ""."""
    dims = list(dims)
    out: dict[str, dict[str, dict[str, int]]] = {d: {} for d in dims}
    if scope.is_unit:
        # A unit's own rows (facts.unit_scope): its total and kind/category/severity/channel.
        dims = [d for d in dims if d == "total" or d in facts.UNIT_SCOPE_DIMS]
        if not dims:
            return out
    for dim, value, *values in _rollup_rows("scope = %s", [_scope_key(scope)], dims, period.start, period.end,
                                            "dim, value"):
        out[dim][value] = _counts(values)
    return out


def _scope_key(scope: Scope) -> str:
    """The rollup scope of a page: the unit's own scope, the region's code, or "" (all)."""
    return facts.unit_scope(scope.unit.pk) if scope.is_unit else scope.code


def totals(scope: Scope, period: Period) -> dict[str, int]:
    """The counters summed over the scope and period (one query)."""
    return sums(scope, period, ["total"])["total"].get("", _zero())


def breakdown(scope: Scope, period: Period, dim: str) -> dict[str, dict[str, int]]:
    """Counters per value of one dimension (kind, category, severity, channel, unit, cell)."""
    return sums(scope, period, [dim])[dim]


_TREND = ("n", "completed", "overdue")


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def trend(scope: Scope, period: Period) -> list[dict]:
    """Per day (or per week / month for long periods): submitted, completed, overdue."""
    grain = "day" if period.days <= 62 else ("week" if period.days <= 200 else "month")
    # By month: whole months from their month rows (dated the 1st, the day the bucket starts);
    # never year rows (a year row would land in January's bucket).
    rows = _rollup_rows("scope = %s", [_scope_key(scope)], ["total"], period.start, period.end, "day",
                        months=grain == "month", years=False, metrics=_TREND)
    # One bucket per day, week (labelled by its Monday) or month of the period, empty ones
    # included, in order; each row (a day, or a whole month's first day) added to its bucket.
    if grain == "day":
        def first(day):
            return day

        def label(day):
            return f"{day:%m-%d}"

        def after(day):
            return day + timedelta(days=1)
    elif grain == "week":
        def first(day):
            return day - timedelta(days=day.weekday())

        def label(day):
            return f"{day:%m-%d}"

        def after(day):
            return day + timedelta(days=7)
    else:
        def first(day):
            return day.replace(day=1)

        def label(day):
            return f"{day:%Y-%m}"

        def after(day):
            return month_bounds(day)[1] + timedelta(days=1)
    buckets: dict[date, list[int]] = {}
    day = first(period.start)
    while day <= period.end:
        buckets[day] = [0, 0, 0]
        day = after(day)
    for day, n, completed, overdue in rows:
        b = buckets.get(first(_day(day)))
        if b is not None:
            b[0] += n
            b[1] += completed
            b[2] += overdue
    return [{"label": label(day), "n": n, "completed": completed, "overdue": overdue}
            for day, (n, completed, overdue) in buckets.items()]


def children(scope: Scope, period: Period) -> list[dict]:
    """The next level down (drill-down and the map's areas), with their figures."""
    if scope.is_unit or (scope.region is not None and scope.region.level >= RegionLevel.VILLAGE):
        return []
    regions = list(Region.objects.filter(parent=scope.region).order_by("code"))
    if not regions:
        return []
    codes = [r.code for r in regions]
    rows = _rollup_rows(f"scope IN ({', '.join(['%s'] * len(codes))})", codes, ["total"], period.start, period.end,
                        "scope")
    by_code = {code: _counts(values) for code, *values in rows}
    return [{"code": r.code, "name": r.name, "level": r.level, "counts": by_code.get(r.code, _zero())}
            for r in regions]


def unit_league(scope: Scope, period: Period, limit: int = 15, per_unit=None, texts=None) -> list[dict]:
    """Units ranked by overdue items (then by volume), with their KPIs (``texts``: see
    kpis.Figure.as_dict)."""
    if per_unit is None:
        per_unit = breakdown(scope, period, "unit") if not scope.is_unit else {}
    ranked = sorted(((k, v) for k, v in per_unit.items() if k),
                    key=lambda kv: (-kv[1]["overdue"], -kv[1]["n"], kv[0]))[:limit]
    names = dict(Unit.objects.filter(pk__in=[int(k) for k, _v in ranked]).values_list("pk", "name"))
    texts = {} if texts is None else texts
    return [{"unit_id": int(k), "name": names.get(int(k), k),
             "figures": kpis.figure_dicts(c, kpis.UNIT_KPIS, texts)}
            for k, c in ranked]


def populations(codes: list[str]) -> dict[str, int | None]:
    """code → population (None when not given) of those areas that have a boundary. The
    geometry is not read: the dashboard only needs to know that an area can be drawn (map.json
    serves the outlines), and an uploaded outline may be hundreds of kB of JSON per area."""
    return dict(Boundary.objects.filter(code__in=codes).values_list("code", "population"))


def points(scope: Scope, period: Period, cells=None) -> list[dict]:
    """Appeals with coordinates, clustered by 0.01° cell: [{lng, lat, n, overdue}]."""
    out = []
    if cells is None:
        cells = breakdown(scope, period, "cell")
    for cell, c in sorted(cells.items()):  # in a fixed order, whatever the query plan
        if not c["n"]:
            continue
        lat, lng = (float(x) for x in cell.split(","))
        out.append({"lat": lat, "lng": lng, "n": c["n"], "overdue": c["overdue_open"]})
    return out


# --------------------------------------------------------------------------- mediation


def mediation_figures(scope: Scope, period: Period) -> dict[str, kpis.Figure]:
    """Mediation cases ended and judicial confirmations granted in the period (two indexed
    queries on the mediation tables: cases are a small fraction of appeals; the cases ended
    are counted from medcase_region_ended_idx alone, whatever the region's other cases)."""
    from datetime import datetime, time

    from grievances.deadlines.policy import SHANGHAI
    from mediation.models import CaseState, ConfirmationStatus, JudicialConfirmation, MediationCase

    lo = datetime.combine(period.start, time.min, tzinfo=SHANGHAI)
    hi = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    cases = MediationCase.objects.filter(ended_at__gte=lo, ended_at__lt=hi)
    confirmations = JudicialConfirmation.objects.filter(
        status=ConfirmationStatus.CONFIRMED, decided_on__gte=period.start, decided_on__lte=period.end)
    if scope.is_unit:
        cases = cases.filter(organisation_id=scope.unit.pk)
        confirmations = confirmations.filter(case__organisation_id=scope.unit.pk)
    elif scope.region is not None:
        cases = cases.filter(region_code__startswith=scope.region.prefix)
        confirmations = confirmations.filter(case__region_code__startswith=scope.region.prefix)
    # COUNT(state), not COUNT(id) (state is never null; Django has no COUNT(*) FILTER): every
    # column read is then in medcase_region_ended_idx (region_code, ended_at INCLUDE state), so
    # PostgreSQL counts from the index alone (an index-only scan).
    ended = cases.aggregate(
        ended=Count("state", filter=Q(state__in=[CaseState.SUCCEEDED, CaseState.FAILED, CaseState.TERMINATED])),
        succeeded=Count("state", filter=Q(state=CaseState.SUCCEEDED)))
    return {
        "success_rate": kpis.mediation_success_rate(ended["succeeded"], ended["ended"]),
        "confirmations": kpis.judicial_confirmation_count(confirmations.count()),
    }


# --------------------------------------------------------------------------- logins


def working_days(start: date, end: date) -> list[date]:
    """Monday to Friday (no holiday calendar yet)."""
    out, day = [], start
    while day <= end:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def login_rates(scope: Scope, start: date, end: date) -> list[dict]:
    """工作人员登录率 per unit in scope (kpis.login_rate), units with staff only."""
    days = working_days(start, end)
    staff_qs = User.objects.filter(is_active=True, role__in=list(permissions.UNIT_ROLES), unit__isnull=False)
    logins = StaffLogin.objects.filter(day__in=days)
    if scope.is_unit:
        staff_qs = staff_qs.filter(unit_id=scope.unit.pk)
        logins = logins.filter(unit_id=scope.unit.pk)
    elif scope.region is not None:
        prefix = scope.region.code[:PREFIX_LENGTH[RegionLevel(scope.region.level)]]
        staff_qs = staff_qs.filter(unit__region_code__startswith=prefix)
        logins = logins.filter(region_code__startswith=prefix)
    staff = {r["unit_id"]: r["n"] for r in staff_qs.values("unit_id").annotate(n=Count("id")).order_by()}
    logged = {r["unit_id"]: r["n"] for r in logins.values("unit_id").annotate(n=Count("id")).order_by()}
    names = dict(Unit.objects.filter(pk__in=list(staff)).values_list("pk", "name"))
    rows = []
    for unit_id, n in sorted(staff.items(), key=lambda kv: names.get(kv[0], "")):
        fig = kpis.login_rate(logged.get(unit_id, 0), n, len(days))
        rows.append({"unit_id": unit_id, "name": names.get(unit_id, str(unit_id)), "staff": n,
                     "figure": fig.as_dict()})
    return rows


def login_rate_overall(rows: list[dict], n_days: int) -> kpis.Figure:
    logged = sum(r["figure"]["numerator"] or 0 for r in rows)
    staff = sum(r["staff"] for r in rows)
    return kpis.login_rate(logged, staff, n_days)



# --------------------------------------------------------------------------- the dashboard

PANEL_DIMS = ("kind", "category", "severity", "channel")


def breakdowns(scope: Scope, period: Period, dims=PANEL_DIMS) -> dict[str, dict[str, dict[str, int]]]:
    """Counters per value for several dimensions in one query: {dim: {value: counts}}."""
    return sums(scope, period, dims)


def labels() -> dict[str, dict[str, str]]:
    """Display names of dimension values (one query, for the categories)."""
    from grievances.models import Category, Channel, GrievanceKind, Severity

    return {
        "kind": {k: str(v) for k, v in GrievanceKind.choices},
        "severity": {k: str(v) for k, v in Severity.choices} | {"": _("未定级")},
        "channel": {k: str(v) for k, v in Channel.choices},
        "category": {str(pk): name for pk, name in Category.objects.values_list("pk", "name")} | {"": _("未分类")},
    }


def _series(values: dict[str, dict[str, int]], names: dict[str, str]) -> list[dict]:
    rows = [{"value": k, "name": names.get(k, k), "n": c["n"], "overdue": c["overdue"],
             "completion_rate": kpis.completion_rate(c).value,
             "avg_hours": kpis.avg_completion_hours(c).value, "p90_hours": kpis.p90_completion_hours(c).value}
            for k, c in values.items() if c["n"]]
    # Ties by value: the order the rows arrive in is the query plan's (a HashAggregate over
    # day, month or year rows), which must not reorder what a page shows.
    return sorted(rows, key=lambda r: (-r["n"], r["value"]))


_AREA_KPIS = (kpis.submitted, kpis.completion_rate, kpis.satisfaction_rate, kpis.overdue_open_count)


@heavy_reads()
def dashboard(scope: Scope, period: Period) -> dict:
    """Everything the dashboard shows, as plain data (also served as JSON)."""
    dims = ["total", *PANEL_DIMS] + ([] if scope.is_unit else ["unit", "cell"])
    parts = sums(scope, period, dims)
    c = parts["total"].get("", _zero())
    texts = {}  # every KPI label and unit translated once for the whole page (kpis.Figure.as_dict)
    names = labels()
    kids = children(scope, period)
    pops = populations([k["code"] for k in kids])
    for kid in kids:
        pop = pops.get(kid["code"])
        kid["figures"] = kpis.figure_dicts(kid["counts"], _AREA_KPIS, texts)
        kid["n"] = kid["counts"]["n"]
        kid["overdue_open"] = kid["counts"]["overdue_open"]
        kid["per10k"] = round(kid["n"] * 10000 / pop, 2) if pop else None
        kid["has_boundary"] = kid["code"] in pops
        del kid["counts"]
    return {
        "scope": {"label": str(scope.label), "code": scope.code, "is_unit": scope.is_unit,
                  "level": scope.region.level if scope.region is not None else 0},
        "period": {"code": period.code, "start": period.start.isoformat(), "end": period.end.isoformat(),
                   "label": str(period.label)},
        "kpis": [*kpis.figure_dicts(c, texts=texts).values()]
        + [f.as_dict(texts) for f in mediation_figures(scope, period).values()],
        "trend": trend(scope, period),
        "breakdowns": {dim: _series(parts[dim], names[dim]) for dim in PANEL_DIMS},
        "children": kids,
        "league": unit_league(scope, period, per_unit=parts.get("unit", {}), texts=texts),
        "points": points(scope, period, cells=parts.get("cell", {})) if not scope.is_unit else [],
        "has_map": any(k["has_boundary"] for k in kids),
        "text": {"submitted": _("诉求"), "completed": _("办结"), "overdue": _("超期"), "pieces": _("件"),
                 "per10k": _("每万人"), "overdue_open": _("超期未结"), "drill": _("点击下钻")},
    }


@heavy_reads()
def map_features(scope: Scope) -> dict:
    """The GeoJSON the map draws: the next level's areas (a village's grids at the bottom)."""
    if scope.is_unit:
        return {"type": "FeatureCollection", "features": []}
    if scope.region is not None and scope.region.level >= RegionLevel.VILLAGE:
        from grid.models import Grid

        codes = list(Grid.objects.filter(village=scope.region).values_list("code", flat=True))
    else:
        codes = list(Region.objects.filter(parent=scope.region).values_list("code", flat=True))
    features = [{"type": "Feature", "properties": {"code": b.code, "name": b.name}, "geometry": b.geometry}
                for b in Boundary.objects.filter(code__in=codes).order_by("code")]
    return {"type": "FeatureCollection", "features": features}


def reports_for(scope: Scope, limit: int = 60):
    """Reports of the scope's region and the regions below it, newest period first."""
    from analysis.models import Report

    if scope.is_unit:
        return Report.objects.none()
    qs = Report.objects.select_related("region")
    if scope.region is not None:
        qs = qs.filter(region_code__startswith=scope.region.prefix)
    return qs.order_by("-period_start", "kind", "region_code")[:limit]


def report_visible(user, report) -> bool:
    return permissions.is_centre_or_admin(user) and permissions.can_see_region_code(
        user, report.region_code)


def reports_visible_to(user):
    """Reports of the centre's region and below (departments and citizens: none)."""
    from analysis.models import Report

    if not permissions.is_centre_or_admin(user):
        return Report.objects.none()
    return Report.objects.filter(permissions.region_q(user))


def report_templates_visible_to(user):
    from analysis.models import ReportTemplate

    if permissions.is_centre_or_admin(user):
        return ReportTemplate.objects.all()
    return ReportTemplate.objects.none()
