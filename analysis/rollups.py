"""Rollup maintenance: the one writer of GrievanceFact and Rollup rows.

``on_grievance_events(events)`` runs inside the transaction of every grievance event (it is
registered on grievances' "event recorded" hook point) and only marks the appeals stale:
one INSERT of their ids into ``StaleFact`` (append-only), nothing else, so a transition pays about a
millisecond for the rollups (benchmarks/README.md, "Rollup maintenance per transition").
After the commit it asks for a refresh (``kick``); a beat entry runs the refresher every
few seconds in any case (settings ``ANALYSIS_REFRESH_SECONDS``), so dashboards trail the
appeals by seconds.

``refresh_stale()`` (the refresher; the Celery task ``analysis.tasks.refresh_stale_rollups``)
claims marked appeals a chunk at a time and runs ``refresh_many`` over them: it recomputes
each appeal's fact (analysis.facts) and adds the difference to the rollup rows of the old
and new fact in one INSERT … ON CONFLICT DO UPDATE statement, rows sorted by key. An
appeal whose figures did not change writes nothing.

Every fact counts in its day's rows, in its month's rows (day = the month's first day,
dims "m:<dim>": analysis.facts.MONTH_PREFIX) and in its year's rows (day = 1 January, dims
"y:<dim>": analysis.facts.YEAR_PREFIX); ``contributions`` lists all three, so every delta
reaches them in the same statement: a month row always equals the sum of its day rows, a
year row the sum of its month rows. Pages read whole years from year rows, whole months
from month rows and only the rest from day rows (analysis.selectors.split).

``rebuild(start, end)`` recomputes every fact of the appeals submitted in [start, end]
from the appeals, their clocks and their events, regroups those days' rollup rows, the
month rows of the months they touch and the year rows of the years they touch in SQL, and
writes only the rows that differ: idempotent, and the rows it leaves are exactly what
incremental maintenance keeps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from analysis import facts
from analysis.models import METRICS, GrievanceFact, Rollup, StaleFact
from grid import bulk

Key = tuple[date, str, str, str]  # (day, scope, dim, value)


# --------------------------------------------------------------------------- gathering


def _history(grievance_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    from grievances.models import GrievanceEvent

    out: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (GrievanceEvent.objects.filter(grievance_id__in=list(grievance_ids), action__in=facts.HISTORY_ACTIONS)
            .values_list("grievance_id", "action").annotate(c=Count("id")).order_by())
    for gid, action, c in rows:
        out[gid][action] = c
    return out


def _overdue_codes(grievance_ids: Iterable[int]) -> dict[int, set[str]]:
    from grievances.deadlines.models import ClockAction

    out: dict[int, set[str]] = defaultdict(set)
    rows = (ClockAction.objects.filter(clock_id__in=list(grievance_ids), action="overdue")
            .values_list("clock_id", "deadline").order_by().distinct())
    for gid, code in rows:
        out[gid].add(code)
    return out


def _grid_codes(grid_ids) -> dict[int, str]:
    from grid.models import Grid

    ids = sorted({i for i in grid_ids if i})
    return dict(Grid.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}


def repeat_q(fact: facts.Fact, grievance_id: int) -> Q | None:
    """Earlier appeals (by day, then id) in the 30 days before, by the same person or about
    the same category in the same village."""
    who = Q()
    if fact.person:
        who |= Q(person=fact.person)
    if fact.category_id:
        who |= Q(region_code=fact.region_code, category_id=fact.category_id)
    if not who:
        return None
    return who & Q(day__gte=fact.day - timedelta(days=facts.REPEAT_DAYS), day__lte=fact.day) & (
        Q(day__lt=fact.day) | Q(grievance_id__lt=grievance_id))


def is_repeat(fact: facts.Fact, grievance_id: int) -> bool:
    q = repeat_q(fact, grievance_id)
    return q is not None and GrievanceFact.objects.filter(q).exists()


def _inputs(ids: list[int]) -> tuple[dict[int, dict[str, int]], dict[int, set[str]], dict]:
    """What a fact needs from other tables, for many appeals in two queries: the counts of the
    history actions among each appeal's events and the deadlines recorded overdue (one
    query), and the clocks (one query)."""
    from grievances.deadlines.models import Clock, ClockAction
    from grievances.models import GrievanceEvent

    history: dict[int, dict[str, int]] = defaultdict(dict)
    overdue: dict[int, set[str]] = defaultdict(set)
    events = connection.ops.quote_name(GrievanceEvent._meta.db_table)
    actions = connection.ops.quote_name(ClockAction._meta.db_table)
    marks = ", ".join(["%s"] * len(facts.HISTORY_ACTIONS))
    id_marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 'e', grievance_id, action, COUNT(*) FROM {events} WHERE grievance_id IN ({id_marks}) "
            f"AND action IN ({marks}) GROUP BY grievance_id, action UNION ALL "
            f"SELECT DISTINCT 'o', clock_id, deadline, 1 FROM {actions} WHERE clock_id IN ({id_marks}) "
            f"AND action = 'overdue'",
            [*ids, *facts.HISTORY_ACTIONS, *ids],
        )
        for kind, gid, name, c in cursor.fetchall():
            if kind == "e":
                history[gid][name] = int(c)
            else:
                overdue[gid].add(name)
    clocks = {c.pk: c for c in Clock.objects.filter(pk__in=ids)}
    return history, overdue, clocks


def _fact_from(g, old: facts.Fact | None, history, overdue, clock, grid_code: str) -> tuple[facts.Fact, bool]:
    """The appeal's fact from its inputs, and whether its repeat flag was taken from ``old``
    (what cannot have changed since ``old``: the grid code; the repeat flag while the
    person, place, category and day are the same). When it was not, the caller decides it
    against the stored facts (``is_repeat``)."""
    fact = facts.compute(g, clock, overdue_codes=overdue, history=history, repeat=False, grid_code=grid_code)
    same_repeat_inputs = old is not None and (old.person, old.region_code, old.category_id, old.day) == (
        fact.person, fact.region_code, fact.category_id, fact.day)
    if same_repeat_inputs and old.counts.get("repeat"):
        fact.counts["repeat"] = 1
    return fact, same_repeat_inputs


def fact_for(g, old: facts.Fact | None = None) -> facts.Fact:
    """The appeal's fact from the database as it stands (inside the event's transaction)."""
    history, overdue, clocks = _inputs([g.pk])
    grid_code = old.grid_code if old is not None else _grid_codes([g.grid_id]).get(g.grid_id, "")
    fact, settled = _fact_from(g, old, history[g.pk], overdue[g.pk], clocks.get(g.pk), grid_code)
    if not settled and is_repeat(fact, g.pk):
        fact.counts["repeat"] = 1
    return fact


# --------------------------------------------------------------------------- applying deltas


def _stored(row: GrievanceFact) -> facts.Fact:
    return facts.Fact(
        day=row.day, region_code=row.region_code, grid_code=row.grid_code, kind=row.kind,
        category_id=row.category_id, severity=row.severity, channel=row.channel, unit_id=row.unit_id,
        cell=row.cell, person=row.person, counts=dict(row.counts),
    )


def _add_day_rows(out: dict[Key, dict[str, int]], fact: facts.Fact, sign: int) -> None:
    """Add ``sign`` × the fact's counters to its day rows in ``out`` (a defaultdict of
    defaultdict(int)); its month and year rows are added from the day rows' sums
    (``with_tiers``), once per day row, not once per fact."""
    items = [(m, sign * v) for m, v in fact.counts.items()]
    day = fact.day
    for scope, dim, value in facts.keys(fact):
        row = out[(day, scope, dim, value)]
        for m, v in items:
            row[m] += v


def with_tiers(day_rows: dict[Key, dict[str, int]]) -> dict[Key, dict[str, int]]:
    """Changes of day rows, and the changes of the month rows (facts.MONTH_PREFIX) and year
    rows (facts.YEAR_PREFIX) they fall in: each day row's change added to its month's row
    and to its year's row. Rows whose change is zero left out."""
    out: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tiers: dict[date, tuple[date, date]] = {}
    names: dict[str, tuple[str, str]] = {}
    for (day, scope, dim, value), counts in day_rows.items():
        month, year = tiers.get(day) or tiers.setdefault(day, (facts.month_of(day), facts.year_of(day)))
        month_dim, year_dim = names.get(dim) or names.setdefault(dim, (facts.month_dim(dim), facts.year_dim(dim)))
        rows = (out[(day, scope, dim, value)], out[(month, scope, month_dim, value)],
                out[(year, scope, year_dim, value)])
        for m, v in counts.items():
            if v:
                for row in rows:
                    row[m] += v
    return {key: {m: v for m, v in counts.items() if v} for key, counts in out.items()
            if any(counts.values())}


def contributions(fact: facts.Fact, sign: int = 1) -> dict[Key, dict[str, int]]:
    """The rows a fact counts in, with its counters: its day's rows (facts.keys), its
    month's rows (facts.MONTH_PREFIX) and its year's rows (facts.YEAR_PREFIX)."""
    out: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    _add_day_rows(out, fact, sign)
    return with_tiers(out)


def delta(old: facts.Fact | None, new: facts.Fact | None) -> dict[Key, dict[str, int]]:
    """Per rollup row (day, month and year rows), what to add so the rows hold ``new``
    instead of ``old``."""
    out: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for fact, sign in ((old, -1), (new, 1)):
        if fact is not None:
            _add_day_rows(out, fact, sign)
    return with_tiers(out)


def add_to_rollups(changes: dict[Key, dict[str, int]], chunk: int = 500) -> None:
    """Add counters to rollup rows, creating missing rows: one statement per chunk."""
    if not changes:
        return
    table = connection.ops.quote_name(Rollup._meta.db_table)
    cols = ("day", "scope", "dim", "value", *METRICS)
    updates = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in METRICS)
    placeholders = "(" + ", ".join(["%s"] * len(cols)) + ")"
    items = sorted(changes.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0], kv[0][3]))
    if connection.vendor == "postgresql":
        # One short statement whatever the number of rows, the rows in one JSON parameter
        # (grid/bulk.py). A VALUES list of ~45 rows × 42 columns (about 1,900 parameters) cost
        # more to build, send, parse and plan than to execute (issue 15's per-transition
        # cost); one array parameter per column was shorter, but psycopg quotes each element
        # of each array in Python (most of a refresh's CPU time).
        rows = [{"_day": day, "_scope": scope, "_dim": dim, "_value": value, **counts}
                for (day, scope, dim, value), counts in items]  # only the counters that change
        recordset = ("jsonb_to_recordset(%s::jsonb) AS v(_day date, _scope text, _dim text, _value text, "
                     + ", ".join(f"{m} bigint" for m in METRICS) + ")")
        values = ", ".join(["v._day", "v._scope", "v._dim", "v._value", *(f"COALESCE(v.{m}, 0)" for m in METRICS)])
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) SELECT {values} FROM {recordset} "
                f"ON CONFLICT (scope, dim, day, value) DO UPDATE SET {updates}",
                [bulk.dumps(rows)],
            )
        return
    with connection.cursor() as cursor:
        for i in range(0, len(items), chunk):
            part = items[i:i + chunk]
            params: list = []
            for (day, scope, dim, value), counts in part:
                params += [day, scope, dim, value, *(counts.get(m, 0) for m in METRICS)]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([placeholders] * len(part))} "
                f"ON CONFLICT (scope, dim, day, value) DO UPDATE SET {updates}",
                params,
            )


_FACT_FIELDS = ("day", "region_code", "grid_code", "kind", "category_id", "severity", "channel", "unit_id",
                "cell", "person", "counts")


def _fact_row(gid: int, fact: facts.Fact) -> GrievanceFact:
    return GrievanceFact(grievance_id=gid, **{f: getattr(fact, f) for f in _FACT_FIELDS})


def _unchanged(old: facts.Fact | None, new: facts.Fact) -> bool:
    return old is not None and old.dims() == new.dims() and old.counts == new.counts and old.person == new.person


def refresh_many(grievances) -> None:
    """Bring the facts of these appeals and their rollup rows up to date (inside the caller's
    transaction), set-based: the stored facts are locked and read in one statement, the
    inputs in two more, the rollup deltas of all of them added in one upsert and the
    changed facts written in one UPDATE, however many appeals (one, after a person's
    transition; a chunk's, after the deadline scan's). Appeals whose repeat flag has to be
    decided against other facts (a new fact; a changed person, place, category or day) are
    then brought up to date one at a time in order, as each decision reads the facts saved
    before it."""
    by_id = {g.pk: g for g in grievances}
    if not by_id:
        return
    ids = sorted(by_id)
    existing = {row.pk: row for row in GrievanceFact.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    history, overdue, clocks = _inputs(ids)
    grid_codes = _grid_codes(by_id[gid].grid_id for gid in ids if gid not in existing)
    changes: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    changed: list[GrievanceFact] = []
    unsettled: list[tuple[int, facts.Fact | None, facts.Fact]] = []
    for gid in ids:
        g = by_id[gid]
        old = _stored(existing[gid]) if gid in existing else None
        grid_code = old.grid_code if old is not None else grid_codes.get(g.grid_id, "")
        new, settled = _fact_from(g, old, history[gid], overdue[gid], clocks.get(gid), grid_code)
        if not settled:
            unsettled.append((gid, old, new))
            continue
        if _unchanged(old, new):
            continue
        # Day rows only, summed over the appeals; their month and year rows once at the end.
        if old is not None:
            _add_day_rows(changes, old, -1)
        _add_day_rows(changes, new, 1)
        changed.append(_fact_row(gid, new))
    add_to_rollups(with_tiers(changes))
    bulk.update_rows(GrievanceFact, changed, _FACT_FIELDS)
    for gid, old, new in unsettled:
        if is_repeat(new, gid):
            new.counts["repeat"] = 1
        if _unchanged(old, new):
            continue
        add_to_rollups(delta(old, new))
        if old is None:
            GrievanceFact.objects.create(**{"grievance_id": gid, **{f: getattr(new, f) for f in _FACT_FIELDS}})
        else:
            GrievanceFact.objects.filter(pk=gid).update(**{f: getattr(new, f) for f in _FACT_FIELDS})
        if old is None or old.category_id != new.category_id:
            _refresh_later_repeats(gid, old, new)


def refresh(g) -> None:
    """One appeal: the set-based path with one item."""
    refresh_many([g])


def _refresh_later_repeats(gid: int, old: facts.Fact | None, new: facts.Fact) -> None:
    """An appeal's category changed (at acceptance): later appeals of the same village within
    30 days may now be, or no longer be, repeats of it."""
    if not (new.category_id or (old and old.category_id)):
        return
    later = (GrievanceFact.objects.select_for_update()
             .filter(region_code=new.region_code, day__gte=new.day, day__lte=new.day + timedelta(days=facts.REPEAT_DAYS))
             .filter(Q(day__gt=new.day) | Q(grievance_id__gt=gid))
             .filter(category_id__in=[c for c in (new.category_id, old.category_id if old else None) if c])
             .order_by("day", "grievance_id"))
    for row in later:
        before = _stored(row)
        after = _stored(row)
        after.counts.pop("repeat", None)
        if is_repeat(after, row.grievance_id):
            after.counts["repeat"] = 1
        if after.counts != before.counts:
            add_to_rollups(delta(before, after))
            GrievanceFact.objects.filter(pk=row.pk).update(counts=after.counts)


# --------------------------------------------------------------------------- deferred refresh

# Appeals per refresher transaction (one refresh_many each).
REFRESH_CHUNK = 500
# Held (transaction-scoped) by the refresher and by rebuild on PostgreSQL: refreshes of
# different appeals add to the same rollup rows in several statements each, so two running
# at once could deadlock; and a rebuild must not interleave with a refresh.
_LOCK_KEY = 150_015  # any constant no other advisory lock of the project uses (issue 15)


def mark_stale(grievance_ids) -> None:
    """Mark appeals for the refresher, in the caller's transaction: one plain INSERT for any
    number of appeals. Append-only (no ON CONFLICT): it never waits for another transaction's
    mark of the same appeal, and the refresher sees it only once the caller commits."""
    ids = sorted(set(grievance_ids))
    if not ids:
        return
    table = connection.ops.quote_name(StaleFact._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (grievance_id, marked_at) SELECT unnest(%s::bigint[]), now()",
                [ids],
            )
        else:
            now = timezone.now()
            cursor.execute(
                f"INSERT INTO {table} (grievance_id, marked_at) VALUES {', '.join(['(%s, %s)'] * len(ids))}",
                [v for gid in ids for v in (gid, now)],
            )


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _claim(limit: int) -> list[int]:
    """Take the oldest ``limit`` marks off the table, and every other committed mark of the
    same appeals (the refresh reads their committed state, which includes those changes),
    in the caller's transaction: a refresh that fails puts them back. Marks of transactions
    still running are invisible and stay for a later round."""
    table = connection.ops.quote_name(StaleFact._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} "
                f"ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING grievance_id",
                [limit],
            )
            ids = sorted({row[0] for row in cursor.fetchall()})
            if ids:
                cursor.execute(f"DELETE FROM {table} WHERE grievance_id = ANY(%s::bigint[])", [ids])
            return ids
    # SQLite (the embedded profile): one writer at a time, no row locks to skip.
    ids = sorted(set(StaleFact.objects.order_by("id").values_list("grievance_id", flat=True)[:limit]))
    StaleFact.objects.filter(grievance_id__in=ids).delete()
    return ids


def refresh_stale(chunk: int = REFRESH_CHUNK) -> int:
    """The refresher: until no mark is left, claim up to ``chunk`` marked appeals and bring
    their facts and rollup rows up to date (``refresh_many``), each chunk in its own
    transaction (the claim commits with the refresh, or neither does). Safe to run in
    several workers at once: a mark is claimed by one of them (DELETE … RETURNING over
    ``FOR UPDATE SKIP LOCKED`` rows) and the refreshes themselves take turns (an advisory
    lock), so no appeal is counted twice and no two refreshes deadlock on shared rollup
    rows. Idempotent: refreshing an appeal that is already up to date writes nothing.
    Returns the number of appeals refreshed."""
    from grievances.models import Grievance

    done = 0
    while True:
        with transaction.atomic():
            _lock()
            ids = _claim(chunk)
            if not ids:
                return done
            # Appeals deleted since they were marked have no fact to refresh.
            refresh_many(list(Grievance.objects.filter(pk__in=ids)))
        done += len(ids)


def kick() -> None:
    """Ask for a refresh now (after a commit). Without a broker (the embedded profile and
    the tests: tasks run eagerly) the refresh runs here, so the dashboard is current as
    soon as the transition returns. With a broker, at most one task a second is sent; the
    beat entry runs it every ``ANALYSIS_REFRESH_SECONDS`` anyway."""
    from django.conf import settings

    from analysis.tasks import refresh_stale_rollups

    if settings.CELERY_TASK_ALWAYS_EAGER:
        refresh_stale()
        return
    from django.core.cache import cache

    if cache.add("analysis:refresh-stale-kick", 1, timeout=1):
        refresh_stale_rollups.apply_async(expires=2 * settings.ANALYSIS_REFRESH_SECONDS)


def on_grievance_events(events) -> None:
    """The listener on grievances' "event recorded" hook point (see AppConfig.ready), in the
    events' transaction: only marks the appeals they touched (one statement, the whole batch
    of the deadline scan's chunk at once); the refresher applies them after the commit."""
    mark_stale(event.grievance_id for event in events)
    # robust: a broker that is down must not fail the request after its commit (the beat
    # catches up).
    transaction.on_commit(kick, robust=True)


def on_grievance_event(event) -> None:
    on_grievance_events([event])


# --------------------------------------------------------------------------- rebuild


# What facts.compute reads of an appeal and of its clock: the rebuild reads only these
# columns, as plain values (no model instances: at 10 M appeals a month is ~300 k of them).
_APPEAL_FIELDS = ("created_at", "state", "accepted_at", "closed_at", "completed_at", "first_unit_id",
                  "handling_unit_id", "satisfaction", "return_count", "supervision_count", "severity", "kind",
                  "region_code", "category_id", "channel", "reporter_id", "contact_phone", "latitude", "longitude")


class _AppealRow:
    """An appeal's columns that facts.compute reads, as attributes."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


class _ClockRow:
    """A clock's columns that facts.compute reads (``signed_at``, ``interim_at``, ``get_rules``)."""

    def __init__(self, signed_at, interim_at, rules):
        self.signed_at, self.interim_at, self.rules = signed_at, interim_at, rules

    def get_rules(self):
        from grievances.deadlines.models import Clock

        return Clock.get_rules(self)


def recount_facts(start: date, end: date, batch: int = 2000) -> list[tuple[int, facts.Fact]]:
    """Every fact of the appeals submitted in [start, end], computed from scratch (appeals,
    clocks, events; repeats against the stored facts of the 30 days before), unsaved."""
    from grievances.deadlines.policy import SHANGHAI
    from grievances.models import Grievance

    lo = datetime.combine(start, time.min, tzinfo=SHANGHAI)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    # Keyset chunks in (created_at, id) order: each an index range scan (grv_created_cover_idx),
    # however the ids of a month's appeals are spread over the table.
    qs = (Grievance.objects.filter(created_at__gte=lo, created_at__lt=hi).order_by("created_at", "id")
          .values_list("id", *_APPEAL_FIELDS, "clock__grievance_id", "clock__signed_at", "clock__interim_at",
                       "clock__rules", "grid__code"))
    n = len(_APPEAL_FIELDS)
    computed: list[tuple[int, facts.Fact]] = []
    after = Q()
    while True:
        chunk = list(qs.filter(after)[:batch])
        if not chunk:
            break
        last = chunk[-1]
        # created_at >= the last one bounds the index range (the OR alone would be a filter
        # over every row from the start of the range, for every chunk)
        after = Q(created_at__gte=last[1]) & (Q(created_at__gt=last[1]) | Q(id__gt=last[0]))
        ids = [row[0] for row in chunk]
        history, overdue = _history(ids), _overdue_codes(ids)
        for gid, *values in chunk:
            g = _AppealRow(dict(zip(_APPEAL_FIELDS, values[:n], strict=True)))
            clock_id, signed_at, interim_at, rules, grid_code = values[n:]
            clock = _ClockRow(signed_at, interim_at, rules) if clock_id is not None else None
            computed.append((gid, facts.compute(
                g, clock, overdue_codes=overdue[gid], history=history[gid], repeat=False,
                grid_code=grid_code or "",
            )))
    _mark_repeats(computed, start)
    return computed


def recount(start: date, end: date) -> tuple[list[tuple[int, facts.Fact]], dict]:
    """The facts of [start, end] and the rollup rows they make, computed in Python from
    scratch without writing anything (the reference the tests compare against)."""
    computed = recount_facts(start, end)
    rows: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _gid, fact in computed:
        for key, counts in contributions(fact).items():
            for m, v in counts.items():
                rows[key][m] += v
    return computed, {k: dict(v) for k, v in rows.items()}


def _json_int(metric: str) -> str:
    if connection.vendor == "postgresql":
        return f"COALESCE((counts->>'{metric}')::bigint, 0)"
    return f"COALESCE(json_extract(counts, '$.{metric}'), 0)"


_VALUE = {
    "total": "''", "kind": "kind", "category": "COALESCE(CAST(category_id AS TEXT), '')", "severity": "severity",
    "channel": "channel", "unit": "COALESCE(CAST(unit_id AS TEXT), '')", "cell": "cell",
}


def _key_expressions() -> list[tuple[str, str, str, str]]:
    """(scope, dim, value, condition) SQL expressions: the same rows as ``facts.keys``."""
    per_scope = [(d, _VALUE[d], "1 = 1") for d in ("total", *facts.BREAKDOWN_DIMS)] + [("cell", "cell", "cell <> ''")]
    out = [("''", d, v, cond) for d, v, cond in per_scope]
    previous = None
    for n in facts.REGION_PREFIXES:
        scope = f"substr(region_code, 1, {n}) || '{'0' * (12 - n)}'" if n < 12 else "region_code"
        level = "1 = 1" if previous is None else f"rtrim(substr(region_code, {previous + 1}), '0') <> ''"
        out += [(scope, d, v, f"{level} AND {cond}") for d, v, cond in per_scope]
        previous = n
    out += [("grid_code", "total", "''", "grid_code <> ''"), ("grid_code", "cell", "cell", "grid_code <> '' AND cell <> ''")]
    unit = "'u' || CAST(unit_id AS TEXT)"
    out += [(unit, d, _VALUE[d], "unit_id IS NOT NULL") for d in ("total", *facts.UNIT_SCOPE_DIMS)]
    return out


_WIDE = "analysis_rebuild_facts"  # temporary tables of the rebuild (this session only)
_NEW = "analysis_rebuild_rows"
_KEY = ("scope", "dim", "day", "value")


def _temp_tables(cursor) -> None:
    table = connection.ops.quote_name(Rollup._meta.db_table)
    for name in (_WIDE, _NEW):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
    # Same column types as the rollup table; no key (rows are unique by construction).
    cursor.execute(f"CREATE TEMPORARY TABLE {_NEW} AS SELECT day, scope, dim, value, {', '.join(METRICS)} "
                   f"FROM {table} WHERE 1 = 0")


def _unpack_facts(cursor, start: date, end: date) -> None:
    """The stored facts of [start, end] with their counters as columns (the JSON read once),
    already summed over facts with the same dimensions: the grouping statements then read
    one row per (day, place, grid, kind, category, grade, channel, unit, cell) instead of
    one per appeal (their cost no longer grows with the appeals of a day, only with the
    distinct combinations)."""
    facts_table = connection.ops.quote_name(GrievanceFact._meta.db_table)
    dims = "day, region_code, grid_code, kind, category_id, severity, channel, unit_id, cell"
    cursor.execute(f"DROP TABLE IF EXISTS {_WIDE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_WIDE} AS SELECT {dims}, "
        f"{', '.join(f'CAST(SUM({_json_int(m)}) AS BIGINT) AS {m}' for m in METRICS)} "
        f"FROM {facts_table} WHERE day >= %s AND day <= %s GROUP BY {dims}",
        [start, end],
    )


def _group_day_rows(cursor) -> None:
    """The day rows the unpacked facts make, into the new-rows table: one INSERT … SELECT …
    GROUP BY per scope level and dimension (``_key_expressions``, the rows of ``facts.keys``)."""
    sums = ", ".join(f"SUM({m})" for m in METRICS)
    for scope, dim, value, cond in _key_expressions():
        cursor.execute(
            f"INSERT INTO {_NEW} (day, scope, dim, value, {', '.join(METRICS)}) "
            f"SELECT day, {scope}, '{dim}', {value}, {sums} FROM {_WIDE} WHERE {cond} GROUP BY 1, 2, 4"
        )


# The day rows among rollup rows: neither a month row nor a year row (both tiers' rows are
# dated a day too: the 1st of the month, 1 January).
_DAY_ROWS = "{t}.dim NOT LIKE %s AND {t}.dim NOT LIKE %s"
_DAY_ROW_PARAMS = [p + "%" for p in facts.TIER_PREFIXES]


def _group_month_rows(cursor, first: date, nxt: date) -> None:
    """The month rows of one month from its day rows (in the rollup table) into the new-rows table."""
    table = connection.ops.quote_name(Rollup._meta.db_table)
    sums = ", ".join(f"SUM({m})" for m in METRICS)
    cursor.execute(
        f"INSERT INTO {_NEW} (day, scope, dim, value, {', '.join(METRICS)}) "
        f"SELECT %s, scope, %s || dim, value, {sums} FROM {table} "
        f"WHERE day >= %s AND day < %s AND {_DAY_ROWS.format(t=table)} GROUP BY scope, dim, value "
        # zero rows (left where incremental changes cancelled out) make no month row
        f"HAVING {' OR '.join(f'SUM({m}) <> 0' for m in METRICS)}",
        [first, facts.MONTH_PREFIX, first, nxt, *_DAY_ROW_PARAMS],
    )


def _group_year_rows(cursor, first: date) -> None:
    """The year rows of one year from its month rows (in the rollup table, already made
    right for the months the rebuild touched) into the new-rows table: twelve rows per
    value to sum, not 365."""
    table = connection.ops.quote_name(Rollup._meta.db_table)
    sums = ", ".join(f"SUM({m})" for m in METRICS)
    cursor.execute(
        f"INSERT INTO {_NEW} (day, scope, dim, value, {', '.join(METRICS)}) "
        f"SELECT %s, scope, %s || substr(dim, {len(facts.MONTH_PREFIX) + 1}), value, {sums} FROM {table} "
        # month rows are dated the 1st: twelve days of the day index, not the whole year
        f"WHERE day IN ({', '.join(['%s'] * 12)}) AND dim LIKE %s GROUP BY scope, dim, value "
        f"HAVING {' OR '.join(f'SUM({m}) <> 0' for m in METRICS)}",
        [first, facts.YEAR_PREFIX, *(first.replace(month=m) for m in range(1, 13)), facts.MONTH_PREFIX + "%"],
    )


def _merge(cursor, where: str, params: list) -> None:
    """Make the rollup rows matching ``where`` exactly the new-rows table: insert the missing
    rows, update the rows whose counters differ, delete the rows the new set lacks. Rows
    that are already right are not written, nor locked, on PostgreSQL (a rebuild that finds
    what incremental maintenance kept writes nothing: no dead tuples and no index churn in
    a big table)."""
    table = connection.ops.quote_name(Rollup._meta.db_table)
    where = where.format(t=table)  # its columns qualified with {t}
    cols = ", ".join(METRICS)
    match = " AND ".join(f"n.{c} = {table}.{c}" for c in _KEY)
    if connection.vendor == "postgresql":
        differs = " OR ".join(f"{table}.{m} <> n.{m}" for m in METRICS)
        cursor.execute(
            f"UPDATE {table} SET {', '.join(f'{m} = n.{m}' for m in METRICS)} FROM {_NEW} n "
            f"WHERE {match} AND {where} AND ({differs})", params)
        cursor.execute(
            f"INSERT INTO {table} (day, scope, dim, value, {cols}) "
            f"SELECT day, scope, dim, value, {cols} FROM {_NEW} n "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {match} AND {where})", params)
    else:
        differs = " OR ".join(f"{table}.{m} <> excluded.{m}" for m in METRICS)
        cursor.execute(
            f"INSERT INTO {table} (day, scope, dim, value, {cols}) "
            f"SELECT day, scope, dim, value, {cols} FROM {_NEW} WHERE 1 = 1 "
            f"ON CONFLICT (scope, dim, day, value) DO UPDATE SET "
            f"{', '.join(f'{m} = excluded.{m}' for m in METRICS)} WHERE {differs}")
    cursor.execute(
        f"DELETE FROM {table} WHERE {where} AND NOT EXISTS (SELECT 1 FROM {_NEW} n WHERE {match})", params)
    cursor.execute(f"DELETE FROM {_NEW}")


def rollups_from_facts(start: date, end: date) -> None:
    """Make the day rows of [start, end] exactly what the stored facts of those days add up
    to, then the month rows of every month the range touches the sums of their day rows,
    then the year rows of every year it touches the sums of their month rows; grouped in
    SQL, written only where they differ (``_merge``)."""
    with connection.cursor() as cursor:
        _temp_tables(cursor)
        _unpack_facts(cursor, start, end)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {_WIDE}")
        _group_day_rows(cursor)
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE INDEX ON {_NEW} (scope, dim, day, value)")
            cursor.execute(f"ANALYZE {_NEW}")
        _merge(cursor, "{t}.day >= %s AND {t}.day <= %s AND " + _DAY_ROWS, [start, end, *_DAY_ROW_PARAMS])
        for first, nxt in _months(start, end):
            _group_month_rows(cursor, first, nxt)
            _merge(cursor, "{t}.day = %s AND {t}.dim LIKE %s", [first, facts.MONTH_PREFIX + "%"])
        for first in _years(start, end):
            _group_year_rows(cursor, first)
            if connection.vendor == "postgresql":
                # A year's rows are many more than a month's (a value seen in any of its
                # months): without fresh statistics the merge joins them in a nested loop.
                cursor.execute(f"ANALYZE {_NEW}")
            _merge(cursor, "{t}.day = %s AND {t}.dim LIKE %s", [first, facts.YEAR_PREFIX + "%"])
        cursor.execute(f"DROP TABLE {_WIDE}")
        cursor.execute(f"DROP TABLE {_NEW}")


def _months(start: date, end: date) -> list[tuple[date, date]]:
    """(first day, first day of the next month) of every month [start, end] touches."""
    out = []
    m = facts.month_of(start)
    while m <= end:
        nxt = facts.month_of(m + timedelta(days=31))
        out.append((m, nxt))
        m = nxt
    return out


def _years(start: date, end: date) -> list[date]:
    """1 January of every year [start, end] touches."""
    return [date(y, 1, 1) for y in range(start.year, end.year + 1)]


def _mark_repeats(computed: list[tuple[int, facts.Fact]], start: date) -> None:
    """The repeat flag in memory, by the same rule as ``repeat_q``: earlier appeals are the
    facts before ``start`` (already stored) and the ones computed here, in (day, id) order."""
    seen: dict[tuple, list[date]] = defaultdict(list)
    before = GrievanceFact.objects.filter(day__gte=start - timedelta(days=facts.REPEAT_DAYS), day__lt=start)
    for person, region_code, category_id, day in before.values_list("person", "region_code", "category_id", "day"):
        if person:
            seen[("p", person)].append(day)
        if category_id:
            seen[("c", region_code, category_id)].append(day)
    for _gid, fact in sorted(computed, key=lambda item: (item[1].day, item[0])):
        keys = []
        if fact.person:
            keys.append(("p", fact.person))
        if fact.category_id:
            keys.append(("c", fact.region_code, fact.category_id))
        low = fact.day - timedelta(days=facts.REPEAT_DAYS)
        if any(low <= d <= fact.day for k in keys for d in seen[k]):
            fact.counts["repeat"] = 1
        for k in keys:
            seen[k].append(fact.day)


def _store_facts(first: date, last: date, computed: list[tuple[int, facts.Fact]]) -> None:
    """Make the stored facts of [first, last] the computed ones, writing only those that
    differ (new, changed, or of appeals no longer there)."""
    stored = {row.pk: row for row in GrievanceFact.objects.filter(day__gte=first, day__lte=last)}
    new_rows: list[GrievanceFact] = []
    changed: list[GrievanceFact] = []
    for gid, fact in computed:
        row = stored.pop(gid, None)
        if row is None:
            new_rows.append(_fact_row(gid, fact))
        elif not _unchanged(_stored(row), fact):
            changed.append(_fact_row(gid, fact))
    if stored:
        GrievanceFact.objects.filter(pk__in=sorted(stored)).delete()
    bulk.update_rows(GrievanceFact, changed, _FACT_FIELDS)
    GrievanceFact.objects.bulk_create(new_rows, batch_size=2000)


@transaction.atomic
def rebuild(start: date, end: date, chunk_days: int = 7) -> tuple[int, int]:
    """Make the facts and rollup rows of the appeals submitted in [start, end] a recount
    from the appeals and their events. The facts are computed in Python a week at a time
    (the same ``facts.compute`` as the incremental path; memory stays bounded) and stored
    where they differ; then the day rows of the range are grouped from the facts in SQL, the
    month rows of the months it touches from their day rows and the year rows of the years
    it touches from their month rows, and written where they differ
    (``rollups_from_facts``). Idempotent: a second run writes nothing. One transaction:
    readers see the old rows or the new ones; the refresher waits for it (and it for a
    refresh running). Returns (appeals, rollup rows of the range's days)."""
    _lock()
    appeals = 0
    first = start
    while first <= end:
        last = min(first + timedelta(days=chunk_days - 1), end)
        computed = recount_facts(first, last)
        _store_facts(first, last, computed)
        appeals += len(computed)
        first = last + timedelta(days=1)
    rollups_from_facts(start, end)
    return appeals, Rollup.objects.filter(day__gte=start, day__lte=end).count()
