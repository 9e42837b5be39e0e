"""Fill N grievances and time the pages that must stay fast at scale (issue 3).

    DATABASE_URL=postgres://root@127.0.0.1:5432/grv_bench \
        .venv/bin/python benchmarks/grievances/pages.py --rows 10000
    ... --rows 1000000        (adds rows up to the target; reuses what is there)

It migrates, loads the demo city (grid.demo + grievances.demo), then inserts synthetic
grievances with one SQL ``INSERT … SELECT generate_series`` (plus two events each and a
co-handling row for one in ten) spread over the demo's 30 villages, 39 departments and
2,000 synthetic citizens; the demo citizen 张三 reports one in a thousand. Then it times,
through the Django test client (full request: middleware, templates, queries), the
department inbox, the centre admin list, and the citizen pages, and counts their queries.
PostgreSQL only (the embedded SQLite profile is not a scale target).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SYNTHETIC_CITIZENS = 2000


def ensure_base():
    call_command("migrate", verbosity=0)
    from grid.models import User

    if not User.objects.filter(username="bumen").exists():
        import io

        call_command("seed_demo", "--only", "grid", "grievances", stdout=io.StringIO())
    if User.objects.filter(username__startswith="bench_citizen_").count() < SYNTHETIC_CITIZENS:
        with connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO grid_user (password, last_login, is_superuser, username, phone, display_name, role,
                                       unit_id, is_staff, is_active, date_joined)
                SELECT '!', NULL, false, 'bench_citizen_' || i, '136' || lpad(i::text, 8, '0'), '群众' || i,
                       'citizen', NULL, false, true, now()
                FROM generate_series(1, %s) i
                ON CONFLICT DO NOTHING
                """,
                [SYNTHETIC_CITIZENS],
            )


def bench_count() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM grievances_grievance WHERE tracking_no LIKE '9%%'")
        return cur.fetchone()[0]


def fill(target: int):
    have = bench_count()
    if have >= target:
        print(f"already {have:,} synthetic grievances")
        return
    start, stop = have + 1, target
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT id, code FROM grid_region WHERE level = 5 ORDER BY code")
        villages = cur.fetchall()
        cur.execute("SELECT id FROM grid_unit WHERE kind = 'department' ORDER BY code")
        depts = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id, region_code FROM grid_unit WHERE kind = 'centre' AND level = 3 ORDER BY code")
        centres = {code[:6]: uid for uid, code in cur.fetchall()}
        cur.execute("SELECT id FROM grid_user WHERE username LIKE 'bench_citizen_%%' ORDER BY id")
        citizens = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM grid_user WHERE username = '13800000001'")
        zhang = cur.fetchone()[0]
        cur.execute("SELECT id FROM grievances_category WHERE \"group\" = 'dispute' ORDER BY sort_order")
        cats = [r[0] for r in cur.fetchall()]
        village_centre = [centres[code[:6]] for _id, code in villages]
        # state by i % 100: 10 submitted, 5 accepted, 3 rejected, 10 dispatched, 20 handling,
        # 5 completed, 7 verified, 40 closed
        cur.execute(
            """
            INSERT INTO grievances_grievance (
                tracking_no, kind, category_id, severity, risk_level, channel, state, version, region_id,
                region_code, grid_id, address, latitude, longitude, title, description, reporter_id,
                contact_name, contact_phone, hide_identity, centre_id, first_unit_id, handling_unit_id,
                handler_id, return_count, supervision_count, is_joint, is_mass, is_difficult,
                has_leader_instruction, satisfaction, reject_reason, guidance, result, created_at, updated_at,
                accepted_at, dispatched_at, signed_at, completed_at, verified_at, closed_at)
            SELECT
                '9' || lpad(i::text, 13, '0'),
                (ARRAY['dispute','livelihood','complaint','inquiry','legal_aid','suggestion','business'])[1 + i %% 7],
                (%(cats)s::bigint[])[1 + i %% array_length(%(cats)s::bigint[], 1)],
                CASE WHEN st IN ('submitted', 'rejected') THEN '' ELSE
                    (ARRAY['simple','ordinary','major','grave'])[1 + (i / 7) %% 4] END,
                '', 'web', st, 1,
                (%(vids)s::bigint[])[1 + i %% array_length(%(vids)s::bigint[], 1)],
                (%(vcodes)s::text[])[1 + i %% array_length(%(vcodes)s::text[], 1)],
                NULL, '某小区' || (i %% 50) || '栋', NULL, NULL,
                '测试诉求' || i, '这是第' || i || '件用于性能测试的诉求内容。',
                CASE WHEN i %% 1000 = 0 THEN %(zhang)s
                     ELSE (%(citizens)s::bigint[])[1 + i %% array_length(%(citizens)s::bigint[], 1)] END,
                '群众', '136' || lpad((i %% 2000 + 1)::text, 8, '0'), false,
                (%(vcentres)s::bigint[])[1 + i %% array_length(%(vcentres)s::bigint[], 1)],
                CASE WHEN at_unit THEN dept END,
                CASE WHEN at_unit THEN dept END,
                NULL, (i %% 53 = 0)::int, (i %% 17 = 0)::int, i %% 101 = 0, false, false, false,
                CASE WHEN st = 'closed' THEN 'satisfied' ELSE '' END, '', '',
                CASE WHEN st IN ('completed', 'verified', 'closed') THEN '已办结' ELSE '' END,
                ts, ts, ts, ts, ts, ts, ts, CASE WHEN st = 'closed' THEN ts END
            FROM (
                SELECT i,
                    CASE WHEN i %% 100 < 10 THEN 'submitted' WHEN i %% 100 < 15 THEN 'accepted'
                         WHEN i %% 100 < 18 THEN 'rejected' WHEN i %% 100 < 28 THEN 'dispatched'
                         WHEN i %% 100 < 48 THEN 'handling' WHEN i %% 100 < 53 THEN 'completed'
                         WHEN i %% 100 < 60 THEN 'verified' ELSE 'closed' END AS st,
                    i %% 100 >= 18 AND i %% 100 != 13 AS at_unit,
                    (%(depts)s::bigint[])[1 + (i / 3) %% array_length(%(depts)s::bigint[], 1)] AS dept,
                    now() - ((%(stop)s - i) * interval '20 seconds') AS ts
                FROM generate_series(%(start)s, %(stop)s) AS i
            ) AS s
            """,
            {"cats": cats, "vids": [v[0] for v in villages], "vcodes": [v[1] for v in villages],
             "vcentres": village_centre, "citizens": citizens, "zhang": zhang, "depts": depts,
             "start": start, "stop": stop},
        )
        lo = f"9{start:013d}"
        hi = f"9{stop:013d}"
        cur.execute(
            """
            INSERT INTO grievances_grievanceevent (grievance_id, actor_id, action, from_state, to_state, unit_id,
                                                   note, public, created_at)
            SELECT id, reporter_id, 'submitted', '', 'submitted', centre_id, '', true, created_at
            FROM grievances_grievance WHERE tracking_no BETWEEN %s AND %s
            UNION ALL
            SELECT id, NULL, 'signed', 'dispatched', state, handling_unit_id, '已签收', true, created_at
            FROM grievances_grievance WHERE tracking_no BETWEEN %s AND %s AND handling_unit_id IS NOT NULL
            """,
            [lo, hi, lo, hi],
        )
        cur.execute(
            """
            INSERT INTO grievances_cohandling (grievance_id, unit_id, created_at, state)
            SELECT g.id, (%(depts)s::bigint[])[1 + (g.id / 7) %% array_length(%(depts)s::bigint[], 1)], now(),
                   g.state
            FROM grievances_grievance g
            WHERE g.tracking_no BETWEEN %(lo)s AND %(hi)s AND g.handling_unit_id IS NOT NULL AND g.id %% 10 = 0
              AND (%(depts)s::bigint[])[1 + (g.id / 7) %% array_length(%(depts)s::bigint[], 1)] != g.handling_unit_id
            ON CONFLICT DO NOTHING
            """,
            {"depts": depts, "lo": lo, "hi": hi},
        )
        cur.execute("ANALYZE grievances_grievance; ANALYZE grievances_grievanceevent; ANALYZE grievances_cohandling")
    print(f"inserted {stop - start + 1:,} grievances in {time.perf_counter() - t0:.1f} s")


def timed(client: Client, url: str, runs: int) -> tuple[float, float, int, int]:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return statistics.median(times), p95, len(ctx.captured_queries), response.content.count(b"<tr")


def run_pages(runs: int):
    from grid.models import User
    from grievances.models import Grievance

    users = {u.username: u for u in User.objects.filter(
        username__in=["bumen", "zhongxin", "shi_zhongxin", "admin", "13800000001"])}
    zhang = users["13800000001"]
    bumen = users["bumen"]
    own = Grievance.objects.filter(reporter=zhang, tracking_no__startswith="9", region_code__startswith="439001")\
        .order_by("-id").first()
    unit_ids = list(Grievance.objects.filter(handling_unit_id=bumen.unit_id).order_by("-id")
                    .values_list("id", flat=True)[1000:1001])
    deep = unit_ids[0] if unit_ids else 0
    pages = [
        ("department inbox 我们的工作任务 (bumen)", "bumen", "/appeals/work/"),
        ("department inbox, filter 办理中", "bumen", "/appeals/work/?f=handling"),
        ("department inbox, 50 pages deep (keyset)", "bumen", f"/appeals/work/?before={deep}"),
        ("department 我的办理事项", "bumen", "/appeals/work/mine/"),
        ("department item page", "bumen", f"/appeals/work/{Grievance.objects.filter(handling_unit_id=bumen.unit_id).order_by('-id').values_list('id', flat=True).first()}/"),
        ("admin list, county centre (zhongxin)", "zhongxin", "/admin/grievances/grievance/"),
        ("admin list, county, state=handling", "zhongxin", "/admin/grievances/grievance/?state__exact=handling"),
        ("admin list, county, search tracking no", "zhongxin",
         f"/admin/grievances/grievance/?q={Grievance.objects.order_by('-id').values_list('tracking_no', flat=True)[500]}"),
        ("admin list, county, text search, rare (trigram)", "zhongxin",
         "/admin/grievances/grievance/?q=测试诉求12345"),
        ("admin list, county, text search, common", "zhongxin", "/admin/grievances/grievance/?q=性能测试"),
        ("admin list, city centre (shi_zhongxin)", "shi_zhongxin", "/admin/grievances/grievance/"),
        ("admin list, administrator, flag=returned", "admin", "/admin/grievances/grievance/?flag=returned"),
        ("admin change page", "zhongxin", f"/admin/grievances/grievance/{own.pk}/change/"),
        ("citizen detail (张三)", "13800000001", f"/appeals/{own.pk}/"),
        ("citizen 我的诉求 (张三)", "13800000001", "/appeals/mine/"),
        ("public 同类案例查询", None, "/appeals/cases/"),
    ]
    rows = []
    for label, username, url in pages:
        client = Client()
        if username:
            client.force_login(users[username])
        p50, p95, queries, _rows = timed(client, url, runs)
        rows.append((label, p50, p95, queries))
        print(f"{label:<45} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  {queries:3d} queries", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run this against PostgreSQL (DATABASE_URL=postgres://…)")
    ensure_base()
    fill(args.rows)
    from grievances.models import Grievance

    total = Grievance.objects.count()
    print(f"grievances in table: {total:,}")
    rows = run_pages(args.runs)
    print("\n| page | p50 | p95 | queries |\n|---|---:|---:|---:|")
    for label, p50, p95, q in rows:
        print(f"| {label} | {p50:.1f} ms | {p95:.1f} ms | {q} |")


if __name__ == "__main__":
    main()
