"""Benchmark: the minute deadline scan with 1,000,000 open grievances of which 100 are due.

Builds (once) 1M open grievances with their clocks in the configured PostgreSQL database
(SQL ``generate_series``; about a minute), 100 of them past their completion deadline,
then times what one scan does in the database: ``claim_due_clocks`` (SELECT … FOR UPDATE
SKIP LOCKED on the partial ``next_due`` index, then the lease UPDATE), repeated inside
rolled-back transactions, and prints the query plan. For context it also times acting on
the 100 due items (supervision orders, events, outbox rows) and the per-unit overdue counts.

    createdb -h 127.0.0.1 -U root clock_bench
    DATABASE_URL=postgres://root@127.0.0.1:5432/clock_bench .venv/bin/python benchmarks/deadlines/scan.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SMS_BACKEND", "file")
os.environ.setdefault("VOICE_BACKEND", "file")
os.environ.setdefault("SMS_FILE_PATH", "/tmp/clock_bench_sms.log")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

N = int(os.environ.get("BENCH_ROWS", 1_000_000))
DUE = 100


class QueryTimer:
    """Sums the time spent in the database driver (round trips included)."""

    def __init__(self):
        self.total = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.total += (time.perf_counter() - t0) * 1000
            self.count += 1


def build():
    from grid.models import Region, RegionLevel, Unit, UnitKind
    from grievances.deadlines.models import Clock
    from grievances.deadlines.services import policy_for

    if Clock.objects.count() >= N:
        return
    city, _ = Region.objects.get_or_create(code="880000000000", defaults={"name": "基准市", "level": RegionLevel.CITY})
    counties = []
    for k in range(1, 11):
        r, _ = Region.objects.get_or_create(code=f"8800{k:02d}000000",
                                            defaults={"name": f"基准县{k}", "level": RegionLevel.COUNTY, "parent": city})
        counties.append(r)
    centres = [Unit.objects.get_or_create(code=f"BC-{r.code}", defaults={
        "kind": UnitKind.CENTRE, "name": f"{r.name}综治中心", "region": r})[0] for r in counties]
    depts = [Unit.objects.get_or_create(code=f"BD-{r.code}-{d}", defaults={
        "kind": UnitKind.DEPARTMENT, "name": f"{r.name}部门{d}", "region": r})[0]
        for r in counties for d in range(1, 5)]
    _staff(centres, depts)
    rules = policy_for("livelihood").rules().as_dict()
    import json

    with connection.cursor() as cur:
        cur.execute("TRUNCATE deadlines_clock, grievances_grievance CASCADE")
        cur.execute("""
            CREATE TEMP TABLE bench_units AS
            SELECT row_number() OVER (ORDER BY d.id) - 1 AS i, d.id AS dept_id, d.region_id, d.region_code,
                   c.id AS centre_id
            FROM grid_unit d JOIN grid_unit c ON c.region_id = d.region_id AND c.kind = 'centre'
            WHERE d.id = ANY(%s)
        """, [[u.pk for u in depts]])
        cur.execute("""
            INSERT INTO grievances_grievance (tracking_no, kind, severity, risk_level, channel, state, version,
                region_code, address, title, description, contact_name, contact_phone, hide_identity,
                return_count, supervision_count, is_joint, is_mass, is_difficult, has_leader_instruction,
                satisfaction, reject_reason, guidance, result, created_at, updated_at, accepted_at,
                dispatched_at, signed_at, centre_id, first_unit_id, handling_unit_id, region_id)
            SELECT 'B' || lpad(g::text, 12, '0'), 'livelihood', '', '', 'web', 'handling', 3,
                u.region_code, '', '基准诉求' || g, '基准', '张三', '13800000000', false,
                0, 0, false, false, false, false, '', '', '', '',
                now() - interval '2 days', now(), now() - interval '2 days',
                now() - interval '1 day', now() - interval '1 day', u.centre_id, u.dept_id, u.dept_id, u.region_id
            FROM generate_series(1, %s) g JOIN bench_units u ON u.i = g %% 40
        """, [N])
        # 100 items dispatched 9 days ago: past the 7-day completion deadline. The rest are
        # spread over the next 30 days.
        cur.execute("""
            UPDATE grievances_grievance SET accepted_at = now() - interval '10 days',
                dispatched_at = now() - interval '9 days', signed_at = now() - interval '9 days',
                created_at = now() - interval '10 days'
            WHERE id IN (SELECT id FROM grievances_grievance ORDER BY id LIMIT %s)
        """, [DUE])
        cur.execute("""
            INSERT INTO deadlines_clock (grievance_id, region_code, kind, severity, unit_id, centre_id, rules,
                submitted_at, centre_started_at, centre_done_at, accepted_at, dispatched_at, signed_at,
                is_open, overdue_count, due_at, due_code, next_due, completion_due, interim_due, updated_at)
            SELECT g.id, g.region_code, g.kind, '', g.handling_unit_id, g.centre_id, %s::jsonb,
                g.created_at, g.created_at, g.dispatched_at, g.accepted_at, g.dispatched_at, g.signed_at,
                true, 0,
                CASE WHEN g.dispatched_at < now() - interval '8 days' THEN now() - interval '1 day'
                     ELSE now() + (random() * interval '30 days') + interval '1 hour' END,
                'completion',
                NULL, NULL, NULL, now()
            FROM grievances_grievance g
        """, [json.dumps(rules)])
        cur.execute("UPDATE deadlines_clock SET next_due = due_at, completion_due = due_at")
        cur.execute("VACUUM ANALYZE deadlines_clock")
        cur.execute("VACUUM ANALYZE grievances_grievance")
    print(f"built {N} grievances and clocks, {DUE} due; centres {len(centres)}, departments {len(depts)}")


def _staff(centres, depts):
    """Who hears of a due item, as in a real county: a handler and a leader per department,
    a staff member and a leader per centre (with phones, so SMS and voice rows are written)."""
    from grid.models import Role, User

    people = [(d, Role.DEPT_HANDLER, "h") for d in depts] + [(d, Role.DEPT_LEADER, "l") for d in depts]
    people += [(c, Role.CENTRE_STAFF, "s") for c in centres] + [(c, Role.CENTRE_LEADER, "l") for c in centres]
    have = set(User.objects.filter(username__startswith="bench_").values_list("username", flat=True))
    new = []
    for n, (unit, role, tag) in enumerate(people):
        name = f"bench_{tag}_{unit.pk}"
        if name not in have:
            new.append(User(username=name, role=role, unit=unit, phone=f"199{n:08d}", display_name=name))
    User.objects.bulk_create(new)


def timeit(fn, n=30):
    db_times, wall = [], []
    for _ in range(n):
        timer = QueryTimer()
        t0 = time.perf_counter()
        with connection.execute_wrapper(timer), transaction.atomic():
            result = fn()
            transaction.set_rollback(True)
        wall.append((time.perf_counter() - t0) * 1000)
        db_times.append(timer.total)
    return result, statistics.median(db_times), sorted(db_times)[int(n * 0.95) - 1], statistics.median(wall), timer.count


def main():
    from django.core.management import call_command
    from django.utils import timezone

    from grievances.deadlines import selectors, services
    from grievances.deadlines.models import Clock

    assert connection.vendor == "postgresql", "run against PostgreSQL"
    call_command("migrate", verbosity=0)
    build()
    total = Clock.objects.count()
    due_now = Clock.objects.filter(next_due__lte=timezone.now()).count()
    print(f"clocks: {total}, due now: {due_now}")

    ids, p50, p95, wall, queries = timeit(lambda: services.claim_due_clocks())
    print(f"scan (claim_due_clocks): {len(ids)} due found; DB time p50 {p50:.2f} ms, p95 {p95:.2f} ms "
          f"({queries} queries; wall p50 {wall:.2f} ms)")

    with connection.cursor() as cur:
        cur.execute("""
            EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
            SELECT grievance_id FROM deadlines_clock WHERE next_due <= now()
            ORDER BY next_due LIMIT 500 FOR UPDATE SKIP LOCKED
        """)
        print("\nplan of the scan's SELECT:")
        for (line,) in cur.fetchall():
            print("   ", line)
        connection.rollback() if not connection.get_autocommit() else None

    _c, p50c, p95c, wallc, qc = timeit(lambda: selectors.overdue_counts_by_unit(_admin()), n=10)
    print(f"\nper-unit overdue counts: DB p50 {p50c:.2f} ms, p95 {p95c:.2f} ms ({qc} queries)")

    def act():
        done = []
        for clock_id in services.claim_due_clocks():
            done += services.process_clock(clock_id)
        return done

    done, p50a, _p95a, walla, qa = timeit(act, n=3)
    print(f"acting on the {len(ids)} due items (supervision, events, outbox rows; rolled back): "
          f"DB p50 {p50a:.0f} ms, wall p50 {walla:.0f} ms, {qa} queries, {len(done)} actions")


def _admin():
    from grid.models import Role, User

    user, _ = User.objects.get_or_create(username="bench_admin", defaults={
        "display_name": "bench", "role": Role.ADMIN, "is_staff": True, "is_superuser": True})
    return user


if __name__ == "__main__":
    main()
