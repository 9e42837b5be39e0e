"""Rollups kept incrementally equal a recount from scratch, whatever happened (property-style:
seeded random sequences of transitions through the real services)."""

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analysis import facts, rollups, selectors
from analysis.facts import MONTH_PREFIX, TIER_PREFIXES, YEAR_PREFIX
from analysis.models import METRICS, GrievanceFact, Rollup, StaleFact
from grievances import services
from grievances.deadlines import services as clocks
from grievances.models import Grievance, GrievanceKind, Satisfaction, Severity, State
from tests.grievances.factories import category


def stored_rows():
    out = {}
    for row in Rollup.objects.all().values("day", "scope", "dim", "value", *METRICS):
        counts = {m: row[m] for m in METRICS if row[m]}
        if counts:
            out[(row["day"], row["scope"], row["dim"], row["value"])] = counts
    return out


def months_from_days(rows):
    """The month rows the day rows add up to (analysis.facts.MONTH_PREFIX)."""
    out = defaultdict(lambda: defaultdict(int))
    for (day, scope, dim, value), counts in rows.items():
        if not dim.startswith(TIER_PREFIXES):
            for m, v in counts.items():
                out[(day.replace(day=1), scope, MONTH_PREFIX + dim, value)][m] += v
    return {k: {m: v for m, v in c.items() if v} for k, c in out.items() if any(c.values())}


def years_from_days(rows):
    """The year rows the day rows add up to (analysis.facts.YEAR_PREFIX)."""
    out = defaultdict(lambda: defaultdict(int))
    for (day, scope, dim, value), counts in rows.items():
        if not dim.startswith(TIER_PREFIXES):
            for m, v in counts.items():
                out[(day.replace(month=1, day=1), scope, YEAR_PREFIX + dim, value)][m] += v
    return {k: {m: v for m, v in c.items() if v} for k, c in out.items() if any(c.values())}


def tier(rows, prefix):
    return {k: v for k, v in rows.items() if k[2].startswith(prefix)}


def assert_rollups_equal_recount():
    days = list(GrievanceFact.objects.values_list("day", flat=True))
    start, end = min(days), max(days)
    computed, expected = rollups.recount(start, end)
    stored = stored_rows()
    assert stored == expected
    # Month and year rows are there, and each holds exactly its month's (year's) day rows.
    month_rows = tier(stored, MONTH_PREFIX)
    assert month_rows and month_rows == months_from_days(stored)
    year_rows = tier(stored, YEAR_PREFIX)
    assert year_rows and year_rows == years_from_days(stored)
    stored_facts = {f.pk: (f.dims_tuple, f.counts) for f in _facts()}
    assert stored_facts == {gid: (f.dims(), f.counts) for gid, f in computed}


def _facts():
    rows = list(GrievanceFact.objects.all())
    for r in rows:
        r.dims_tuple = rollups._stored(r).dims()
    return rows


class Actors:
    def __init__(self, world, citizen, other_citizen, staff, handler, handler2, dept_leader, grid_worker):
        self.world, self.citizens = world, [citizen, other_citizen]
        self.staff, self.dept_leader, self.grid_worker = staff, dept_leader, grid_worker
        self.handlers = {world.east_dept.pk: handler, world.east_dept2.pk: handler2}


def fresh(g):
    return Grievance.objects.get(pk=g.pk)


def step(rng: random.Random, a: Actors, items: list, now):
    """One random action that the item's state allows."""
    w = a.world
    if not items or rng.random() < 0.2:
        who = rng.choice(a.citizens)
        cat = category(rng.choice(["property_mgmt", "labour", "neighbour"]))
        region = rng.choice([w.east_village, w.east_town])
        extra = {}
        if rng.random() < 0.3:
            extra = {"latitude": "28.1%d" % rng.randint(0, 9), "longitude": "113.0%d" % rng.randint(0, 9)}
        if region == w.east_village and rng.random() < 0.3:
            g = services.submit_grievance(
                actor=a.grid_worker, kind=GrievanceKind.COMPLAINT, region=w.east_village, grid=w.grid,
                title="巡查发现", description="河道垃圾", channel="patrol", contact_name="网格员", **extra)
        else:
            g = services.submit_grievance(actor=who, kind=rng.choice([GrievanceKind.DISPUTE, GrievanceKind.LIVELIHOOD]),
                                          region=region, title="诉求", description="内容", category=cat, **extra)
        items.append(g)
        return
    g = fresh(rng.choice(items))
    handler = a.handlers.get(g.handling_unit_id)
    s = g.state
    if s == State.SUBMITTED:
        if rng.random() < 0.8:
            kind = rng.choice([GrievanceKind.DISPUTE, GrievanceKind.LIVELIHOOD])
            services.accept_grievance(actor=a.staff, grievance=g, kind=kind,
                                      severity=rng.choice(list(Severity.values)) if kind == "dispute" else "",
                                      category=category(rng.choice(["property_mgmt", "labour", "neighbour"])))
        else:
            services.reject_grievance(actor=a.staff, grievance=g, reason="不属受理范围", guidance="请向法院起诉")
    elif s == State.ACCEPTED:
        if g.needs_joint_handling:
            services.reject_grievance(actor=a.staff, grievance=g, reason="不属受理范围", guidance="请向法院起诉")
        else:
            services.dispatch_grievance(actor=a.staff, grievance=g, unit=rng.choice([w.east_dept, w.east_dept2]))
    elif s == State.DISPATCHED:
        if g.handling_unit_id == w.east_dept.pk and rng.random() < 0.25:
            rr = services.request_return(actor=handler, grievance=g, reason="不属本单位职责")
            services.approve_return(actor=a.dept_leader, return_request=rr)
        elif rng.random() < 0.2:
            _overdue(g, now)
        else:
            services.sign_grievance(actor=handler, grievance=g)
    elif s == State.HANDLING:
        r = rng.random()
        if r < 0.2:
            services.interim_reply(actor=handler, grievance=g, note="正在办理")
        elif r < 0.35:
            services.supervise_grievance(actor=a.staff, grievance=g, note="请加快")
        elif r < 0.5:
            _overdue(g, now)
        else:
            services.complete_grievance(actor=handler, grievance=g, result="已办结")
    elif s == State.COMPLETED:
        if rng.random() < 0.25:
            services.send_back_grievance(actor=a.staff, grievance=g, reason="结果不实")
        else:
            services.verify_grievance(actor=a.staff, grievance=g)
    elif s == State.VERIFIED:
        r = rng.random()
        if r < 0.15:
            services.record_return_visit(actor=a.staff, grievance=g, satisfaction=Satisfaction.SATISFIED,
                                         note="回访满意")
        elif g.reporter_id is None:
            services.record_return_visit(actor=a.staff, grievance=g, satisfaction=Satisfaction.SATISFIED,
                                         note="回访满意")
        else:
            sat = rng.choice([Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED])
            services.rate_grievance(actor=g.reporter, grievance=g, satisfaction=sat, comment="还是没解决")
    elif s == State.CLOSED:
        if rng.random() < 0.3:
            services.reopen_grievance(actor=a.staff, grievance=g, reason="协议未履行")


def _overdue(g, now):
    """Let the deadline scan find the item overdue (as if ten days passed)."""
    clocks.process_clock(g.pk, now=now + timedelta(days=10))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_rollups_equal_a_recount_after_random_transitions(
    seed, world, citizen, other_citizen, east_centre_staff, east_handler, east_handler2, east_dept_leader,
    grid_worker,
):
    rng = random.Random(seed)
    actors = Actors(world, citizen, other_citizen, east_centre_staff, east_handler, east_handler2,
                    east_dept_leader, grid_worker)
    items: list = []
    now = timezone.now()
    for _ in range(60):
        step(rng, actors, items, now)
        if rng.random() < 0.3:  # the refresher runs between some transitions, not others
            rollups.refresh_stale()
    rollups.refresh_stale()
    assert not StaleFact.objects.exists()
    assert Rollup.objects.exists()
    assert_rollups_equal_recount()
    # The rebuild (facts in Python, rows grouped in SQL) writes exactly the same rows.
    days = list(GrievanceFact.objects.values_list("day", flat=True))
    before = stored_rows()
    rollups.rebuild(min(days), max(days))
    assert stored_rows() == before


def test_rebuild_is_idempotent_and_restores_lost_rows(loop):
    loop.closed()
    loop.handling()
    rollups.refresh_stale()
    day = timezone.localdate()
    before = stored_rows()
    Rollup.objects.all().delete()
    assert stored_rows() == {}
    rollups.rebuild(day, day)
    assert stored_rows() == before
    rollups.rebuild(day, day)
    assert stored_rows() == before


def test_an_event_that_changes_no_figure_writes_no_rollup_row(loop, citizen):
    g = loop.handling()
    rollups.refresh_stale()
    # A supplement changes no counter: the fact is read and left alone.
    before = stored_rows()
    with CaptureQueriesContext(connection) as refresh:
        services.supplement_grievance(actor=citizen, grievance=fresh(g), note="补充照片说明")
        assert rollups.refresh_stale() == 1
    assert stored_rows() == before
    assert not [q for q in refresh.captured_queries if 'analysis_rollup"' in q["sql"] or
                'UPDATE "analysis_grievancefact"' in q["sql"]]


def test_unit_rows_have_their_own_scope_and_the_migration_moves_old_rows_there(loop):
    """A unit's own rows live under the scope "u<id>" (its dashboard reads only them); the
    data migration turns rows of the earlier layout (scope "", dims ukind… with values
    "<unit>:<value>", the unit's total only in dim "unit") into exactly these rows, and back."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    g = loop.handling()
    rollups.refresh_stale()
    # 0002 ran before month and year rows existed (0005, 0006): leave them out of its round trip.
    Rollup.objects.filter(dim__startswith=MONTH_PREFIX).delete()
    Rollup.objects.filter(dim__startswith=YEAR_PREFIX).delete()
    unit = str(fresh(g).handling_unit_id)
    now = stored_rows()
    own = {k: v for k, v in now.items() if k[1] == f"u{unit}"}
    assert {k[2] for k in own} == {"total", "kind", "category", "severity", "channel"}
    assert own[(k := next(k for k in own if k[2] == "total"))] == now[(k[0], "", "unit", unit)]
    migration = importlib.import_module("analysis.migrations.0002_unit_scopes")
    editor = SimpleNamespace(connection=connection)
    migration.backward(apps, editor)
    old = stored_rows()
    assert not any(k[1].startswith("u") for k in old)
    assert {k[2] for k in old if k[1] == ""} >= {"ukind", "ucategory", "useverity", "uchannel"}
    assert any(k[2] == "ukind" and k[3].startswith(f"{unit}:") for k in old)
    migration.forward(apps, editor)
    assert stored_rows() == now
    migration.forward(apps, editor)  # again, on rows already in the new layout: nothing changes
    assert stored_rows() == now


def _random_fact(rng: random.Random, world, start: date, span: int) -> facts.Fact:
    counts = {m: 1 for m in rng.sample(METRICS[1:20], 4)}
    counts["n"] = 1
    return facts.Fact(
        day=start + timedelta(days=rng.randrange(span)),
        region_code=rng.choice([world.east_village.code, world.west_village.code, world.east_town.code]),
        kind=rng.choice(["dispute", "livelihood"]), category_id=rng.choice([None, 1, 2]),
        severity=rng.choice(["", "minor", "major"]), channel=rng.choice(["web", "patrol"]),
        unit_id=rng.choice([None, world.east_dept.pk]), cell=rng.choice(["", "28.10,113.01"]), counts=counts)


@pytest.mark.parametrize("seed", [1, 2])
def test_month_aware_reads_equal_day_only_reads_for_random_periods(seed, world, monkeypatch):
    """Rows written by the one rollup writer (facts spread over 14 months, some taken back
    again, as incremental maintenance does): for random periods every read (sums of every
    dimension, the trend, the children) gives the same figures whether whole months are
    read from month rows or every day from day rows."""
    rng = random.Random(seed)
    start = date(2025, 9, 1)
    kept = []
    for _ in range(150):
        fact = _random_fact(rng, world, start, 430)
        rollups.add_to_rollups(rollups.delta(None, fact))
        kept.append(fact)
    for fact in rng.sample(kept, 30):  # changed figures: the old contribution taken back
        rollups.add_to_rollups(rollups.delta(fact, None))
    stored = stored_rows()
    assert tier(stored, MONTH_PREFIX) == months_from_days(stored)
    assert tier(stored, YEAR_PREFIX) == years_from_days(stored)

    scopes = [selectors.Scope(label="all"), selectors.Scope(label="city", region=world.city),
              selectors.Scope(label="county", region=world.east), selectors.Scope(label="unit", unit=world.east_dept)]
    dims = ["total", "kind", "category", "severity", "channel", "unit", "cell"]
    real_split = selectors.split

    def reads(scope, period):
        return (selectors.sums(scope, period, dims), selectors.trend(scope, period),
                selectors.children(scope, period))

    periods = [(date(2025, 10, 1), date(2025, 10, 31)), (date(2025, 9, 15), date(2026, 11, 3)),
               (date(2026, 1, 1), date(2026, 1, 1)), (date(2025, 12, 31), date(2026, 2, 1))]
    periods += [(a, a + timedelta(days=rng.randrange(400)))
                for a in (start + timedelta(days=rng.randrange(430)) for _ in range(25))]
    today = timezone.localdate()
    periods.append((today.replace(day=1), today))  # "this month": the current month's row
    whole = 0
    for lo, hi in periods:
        period = selectors.Period("custom", lo, hi, "")
        whole += bool(real_split(lo, hi, years=False)[1])
        for scope in scopes:
            monkeypatch.setattr(selectors, "split", real_split)
            month_aware = reads(scope, period)
            monkeypatch.setattr(selectors, "split", lambda s, e, today=None, years=True: ([(s, e)], [], None))
            assert reads(scope, period) == month_aware, (scope.label, lo, hi)
    assert whole >= 10  # the periods did cover whole months


def test_split_reads_whole_years_then_whole_months_then_days():
    d = date
    today = d(2026, 11, 29)
    assert selectors.split(d(2026, 10, 1), d(2026, 10, 31), today) == ([], [(d(2026, 10, 1), d(2026, 10, 1))], None)
    assert selectors.split(d(2026, 11, 1), today, today) == ([], [(d(2026, 11, 1), d(2026, 11, 1))], None)
    assert selectors.split(d(2026, 1, 15), d(2026, 4, 10), today) == (
        [(d(2026, 1, 15), d(2026, 1, 31)), (d(2026, 4, 1), d(2026, 4, 10))], [(d(2026, 2, 1), d(2026, 3, 1))], None)
    assert selectors.split(d(2026, 11, 23), today, today) == ([(d(2026, 11, 23), today)], [], None)
    assert selectors.split(d(2026, 3, 2), d(2026, 3, 30), today) == ([(d(2026, 3, 2), d(2026, 3, 30))], [], None)
    # "This year": one year row (the current year's holds its days so far); without years
    # (a trend by month) its months.
    assert selectors.split(d(2026, 1, 1), today, today) == ([], [], (d(2026, 1, 1), d(2026, 1, 1)))
    assert selectors.split(d(2026, 1, 1), today, today, years=False) == ([], [(d(2026, 1, 1), d(2026, 11, 1))], None)
    # A whole past year; a year that is not whole (ends before 31 December and before today).
    assert selectors.split(d(2025, 1, 1), d(2025, 12, 31), today) == ([], [], (d(2025, 1, 1), d(2025, 1, 1)))
    assert selectors.split(d(2025, 1, 1), d(2025, 12, 30), today) == (
        [(d(2025, 12, 1), d(2025, 12, 30))], [(d(2025, 1, 1), d(2025, 11, 1))], None)
    # The benchmark's 3-year custom period: one month row, then three year rows.
    assert selectors.split(d(2023, 12, 1), today, today) == (
        [], [(d(2023, 12, 1), d(2023, 12, 1))], (d(2024, 1, 1), d(2026, 1, 1)))
    # Straddling year boundaries: days and months at both ends around the whole years.
    assert selectors.split(d(2023, 3, 15), d(2026, 2, 10), today) == (
        [(d(2023, 3, 15), d(2023, 3, 31)), (d(2026, 2, 1), d(2026, 2, 10))],
        [(d(2023, 4, 1), d(2023, 12, 1)), (d(2026, 1, 1), d(2026, 1, 1))], (d(2024, 1, 1), d(2025, 1, 1)))
    # Across one boundary without a whole year: months and days only.
    assert selectors.split(d(2024, 12, 15), d(2025, 1, 20), today) == ([(d(2024, 12, 15), d(2025, 1, 20))], [], None)
    assert selectors.split(d(2024, 11, 1), d(2025, 2, 28), today) == (
        [], [(d(2024, 11, 1), d(2025, 2, 1))], None)


def test_the_month_migration_backfills_month_rows_from_day_rows(loop):
    """0005 makes, from the day rows alone, the month rows the writer keeps; run again it
    changes nothing; backward removes them."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    loop.closed()
    loop.handling()
    rollups.refresh_stale()
    now = stored_rows()
    migration = importlib.import_module("analysis.migrations.0005_month_rollups")
    years = importlib.import_module("analysis.migrations.0006_year_rollups")
    editor = SimpleNamespace(connection=connection)
    years.backward(apps, editor)  # the rows as they were when 0005 ran: no year rows yet
    migration.backward(apps, editor)
    assert stored_rows() == {k: v for k, v in now.items() if not k[2].startswith(TIER_PREFIXES)}
    migration.forward(apps, editor)
    migration.forward(apps, editor)
    years.forward(apps, editor)
    assert stored_rows() == now


def _reads_by_tier(monkeypatch, read, scope, period):
    """``read(scope, period)`` three ways: whole years from year rows (as built), whole months
    from month rows only (as before year rows), every day from day rows."""
    real_split = selectors.split
    out = []
    for fake in (real_split,
                 lambda s, e, today=None, years=True: real_split(s, e, today, years=False),
                 lambda s, e, today=None, years=True: ([(s, e)], [], None)):
        monkeypatch.setattr(selectors, "split", fake)
        out.append(read(scope, period))
    monkeypatch.setattr(selectors, "split", real_split)
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_year_aware_reads_equal_month_and_day_reads_for_long_periods(seed, world, monkeypatch):
    """Facts over three and a half years, some taken back again (as incremental maintenance
    does): year rows hold exactly their day rows, and every read over 3-year, whole-year,
    year-straddling and random long periods gives the same figures from year rows as from
    month rows alone and from day rows alone."""
    rng = random.Random(seed)
    start = date(2023, 5, 1)
    span = (date(2026, 11, 1) - start).days  # nothing after today
    kept = []
    for _ in range(250):
        fact = _random_fact(rng, world, start, span)
        rollups.add_to_rollups(rollups.delta(None, fact))
        kept.append(fact)
    for fact in rng.sample(kept, 40):
        rollups.add_to_rollups(rollups.delta(fact, None))
    stored = stored_rows()
    assert tier(stored, YEAR_PREFIX) == years_from_days(stored)
    assert {k[0] for k in tier(stored, YEAR_PREFIX)} == {date(y, 1, 1) for y in (2023, 2024, 2025, 2026)}

    scopes = [selectors.Scope(label="all"), selectors.Scope(label="county", region=world.east),
              selectors.Scope(label="unit", unit=world.east_dept)]
    dims = ["total", "kind", "category", "severity", "channel", "unit", "cell"]
    today = timezone.localdate()

    def reads(scope, period):
        return (selectors.sums(scope, period, dims), selectors.trend(scope, period),
                selectors.children(scope, period))

    periods = [(date(2023, 12, 1), today), (date(2024, 1, 1), date(2024, 12, 31)),
               (date(2023, 6, 17), date(2026, 2, 10)), (date(2024, 12, 15), date(2025, 1, 20)),
               (today.replace(month=1, day=1), today), (date(2023, 11, 30), date(2026, 11, 1))]
    periods += [(a, min(a + timedelta(days=rng.randrange(400, 1096)), today))
                for a in (start + timedelta(days=rng.randrange(600)) for _ in range(12))]
    with_years = 0
    for lo, hi in periods:
        period = selectors.Period("custom", lo, hi, "")
        with_years += selectors.split(lo, hi)[2] is not None
        for scope in scopes:
            by_year, by_month, by_day = _reads_by_tier(monkeypatch, reads, scope, period)
            assert by_year == by_month == by_day, (scope.label, lo, hi)
            assert by_year[0]["total"].get("", {}).get("n", 0) > 0 or scope.label == "unit"
    assert with_years >= 8  # the periods did cover whole years


def _backdate_across_years(items) -> list[int]:
    """Move the appeals' submission back, 60 days apart (so no two are within the 30 days of
    a repeat), spreading them over five years; returns their ids."""
    ids = sorted(g.pk for g in items)
    for i, gid in enumerate(ids):
        g = Grievance.objects.get(pk=gid)
        Grievance.objects.filter(pk=gid).update(created_at=g.created_at - timedelta(days=60 * (i + 1)))
    return ids


def test_year_rows_kept_incrementally_equal_a_rebuild_and_the_migration(
    world, citizen, other_citizen, east_centre_staff, east_handler, east_handler2, east_dept_leader, grid_worker,
    monkeypatch,
):
    """Appeals spread over four years through the real services and the refresher: the year
    rows the refresher keeps equal a recount and the sums of their day and month rows; a
    rebuild writes the same rows, and brings back lost year rows; migration 0006 makes the
    same year rows from the month rows alone. On these rows, the dashboard (every KPI,
    breakdown, trend, child area and league row) is the same for a 3-year period, a whole
    year and a year-straddling period whether read with year rows, month rows or day rows."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    rng = random.Random(7)
    actors = Actors(world, citizen, other_citizen, east_centre_staff, east_handler, east_handler2,
                    east_dept_leader, grid_worker)
    items: list = []
    now = timezone.now()
    while len(items) < 24:
        step(rng, actors, items, now)
    rollups.refresh_stale()
    ids = _backdate_across_years(items)
    rollups.mark_stale(ids)
    rollups.refresh_stale()  # the incremental path moves each fact's rows to its new day
    assert_rollups_equal_recount()
    kept = stored_rows()
    years = {k[0].year for k in tier(kept, YEAR_PREFIX)}
    assert len(years) >= 4
    first, last = min(GrievanceFact.objects.values_list("day", flat=True)), timezone.localdate()

    rollups.rebuild(first, last)
    assert stored_rows() == kept
    Rollup.objects.filter(dim__startswith=YEAR_PREFIX).delete()
    rollups.rebuild(first, last)
    assert stored_rows() == kept

    migration = importlib.import_module("analysis.migrations.0006_year_rollups")
    editor = SimpleNamespace(connection=connection)
    migration.backward(apps, editor)
    assert stored_rows() == {k: v for k, v in kept.items() if not k[2].startswith(YEAR_PREFIX)}
    migration.forward(apps, editor)
    assert stored_rows() == kept
    migration.forward(apps, editor)
    assert stored_rows() == kept

    today = timezone.localdate()
    three_years = (today.replace(day=1) - timedelta(days=3 * 365)).replace(day=1)
    whole_year = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    straddling = date(today.year - 3, 6, 10), date(today.year - 1, 2, 20)
    for lo, hi in ((three_years, today), whole_year, straddling):
        assert selectors.split(lo, hi)[2] is not None
        period = selectors.Period("custom", lo, hi, "")
        for scope in (selectors.Scope(label="all"), selectors.Scope(label="county", region=world.east),
                      selectors.Scope(label="unit", unit=world.east_dept)):
            by_year, by_month, by_day = _reads_by_tier(monkeypatch, selectors.dashboard, scope, period)
            assert by_year == by_month == by_day, (scope.label, lo, hi)
            if scope.label != "unit":
                assert next(k for k in by_year["kpis"] if k["code"] == "submitted")["value"] > 0
