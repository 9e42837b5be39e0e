"""Analysis at scale (issue 15): dashboard and its endpoints, the monthly report, rollup
maintenance per event, rebuild time for one month, streamed export.

    DATABASE_URL=postgres://root@127.0.0.1:5432/an_bench \
        .venv/bin/python benchmarks/analysis/dashboard.py --rows 10000
    ... --rows 1000000            (adds rows up to the target; reuses what is there)
    ... --export                  (also export every row as CSV, time and peak memory)

It reuses the grievances benchmark's filler (one SQL INSERT … SELECT generate_series:
appeals spread over the demo city's 30 villages, 39 departments, states over the whole
loop, one item every 20 seconds back from now), seeds the demo boundaries, rebuilds the
rollups from scratch (timed, then one month again), then times every request through the
Django test client (middleware, templates and all queries) beside a bare "hello" view
served the same way. PostgreSQL only.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import fill  # noqa: E402  (benchmarks/fill.py; sets up Django)
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402


def hello(request):
    return HttpResponse("hello")


urlpatterns = [path("__hello__/", hello), path("", include("config.urls"))]


def timed(client: Client, url: str, runs: int) -> tuple[float, float, int]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], len(ctx.captured_queries)


def rebuild_all():
    from django.db.models import Max, Min

    from analysis import rollups
    from analysis.facts import day_of
    from grievances.models import Grievance

    b = Grievance.objects.aggregate(lo=Min("created_at"), hi=Max("created_at"))
    t0 = time.perf_counter()
    appeals, rows = rollups.rebuild(day_of(b["lo"]), day_of(b["hi"]))
    whole = time.perf_counter() - t0
    last = day_of(b["hi"]).replace(day=1) - timedelta(days=1)
    month = (last.replace(day=1), last)
    t0 = time.perf_counter()
    m_appeals, m_rows = rollups.rebuild(*month)
    one_month = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("ANALYZE analysis_rollup; ANALYZE analysis_grievancefact")
        cur.execute("SELECT count(*) FROM analysis_rollup")
        table_rows = cur.fetchone()[0]
    print(f"rebuild everything: {appeals:,} appeals → {rows:,} rollup rows in {whole:.1f} s "
          f"(table now {table_rows:,} rows)")
    print(f"rebuild one month {month[0]}..{month[1]}: {m_appeals:,} appeals, {m_rows:,} rows in {one_month:.1f} s")
    return month


def pages(runs: int, month):
    from grid.models import User

    users = {u.username: u for u in User.objects.filter(username__in=["zhongxin_lingdao", "shi_zhongxin", "bumen_lingdao"])}
    m = f"period=custom&start={month[0]}&end={month[1]}"
    rows = [
        ("bare Django hello view", None, "/__hello__/"),
        ("dashboard, county leader, this month", "zhongxin_lingdao", "/analysis/"),
        ("dashboard, county leader, last full month", "zhongxin_lingdao", f"/analysis/?{m}"),
        ("dashboard, county leader, this year", "zhongxin_lingdao", "/analysis/?period=year"),
        ("dashboard, city centre, last full month", "shi_zhongxin", f"/analysis/?{m}"),
        ("dashboard, city centre, this year", "shi_zhongxin", "/analysis/?period=year"),
        ("dashboard, drill-down to a township", "zhongxin_lingdao", f"/analysis/?region=439001001000&{m}"),
        ("dashboard, department leader (own unit)", "bumen_lingdao", f"/analysis/?{m}"),
        ("data.json, city centre, last full month", "shi_zhongxin", f"/analysis/data.json?{m}"),
        ("map.json, city centre", "shi_zhongxin", "/analysis/map.json"),
    ]
    out = []
    for label, username, url in rows:
        client = Client()
        if username:
            client.force_login(users[username])
        p50, p95, q = timed(client, url, runs)
        out.append((label, p50, p95, q))
        print(f"{label:<45} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  {q:3d} queries", flush=True)
    return out


def monthly_report(month, runs: int = 3):
    from analysis import reports
    from analysis.models import Report, ReportKind
    from grid.models import Region

    city = Region.objects.get(code="439000000000")
    times = []
    for _ in range(runs):
        Report.objects.filter(kind=ReportKind.MONTHLY, region=city, period_start=month[0]).delete()
        t0 = time.perf_counter()
        reports.generate(kind=ReportKind.MONTHLY, region=city, start=month[0], notify_leaders=False)
        times.append(time.perf_counter() - t0)
    print(f"monthly report for the city ({month[0]:%Y-%m}), figures + DOCX + XLSX: "
          f"median {statistics.median(times):.2f} s, max {max(times):.2f} s")


def maintenance(n: int = 60):
    """The rollup listener's cost on one transition (督办 through the service, in its own
    transaction, on appeals never supervised before, so the fact and ~45 rollup rows change).
    Runs alternate with and without the listener (ABAB, so the machine's load hits both
    alike); inside the runs with it, the listener's own time is also taken directly. A bare
    hello request through the test client is timed between runs as the yardstick."""
    from unittest import mock

    from analysis import rollups
    from grid.models import User
    from grievances import services
    from grievances.models import Grievance

    staff = User.objects.get(username="admin")
    from analysis.models import GrievanceFact

    ids = list(Grievance.objects.filter(state__in=["dispatched", "handling"])
               .order_by("-id").values_list("id", flat=True)[: 2 * n])
    hello_client = Client()
    real_refresh = rollups.refresh
    inside: list[float] = []

    def timed_refresh(g):
        t0 = time.perf_counter()
        real_refresh(g)
        inside.append((time.perf_counter() - t0) * 1000)

    with_l, without, hello_t = [], [], []
    for i in range(2 * n):
        # Each transition runs in a transaction that is rolled back, so the same appeals
        # can be supervised again and again for the first time (the write path every time).
        gid = ids[(i // 2) % len(ids)]
        listener = i % 2 == 0
        patch = mock.patch.object(rollups, "refresh", timed_refresh if listener else (lambda g: None))
        with patch, transaction.atomic():
            # Never supervised, as far as the appeal and its fact know (rolled back below).
            Grievance.objects.filter(pk=gid).update(supervision_count=0)
            fact = GrievanceFact.objects.filter(pk=gid).first()
            if fact is not None:
                GrievanceFact.objects.filter(pk=gid).update(
                    counts={k: v for k, v in fact.counts.items() if k != "supervised"})
            g = Grievance.objects.get(pk=gid)
            t0 = time.perf_counter()
            services.supervise_grievance(actor=staff, grievance=g, note="请加快办理")
            (with_l if listener else without).append((time.perf_counter() - t0) * 1000)
            transaction.set_rollback(True)
        t0 = time.perf_counter()
        hello_client.get("/__hello__/")
        hello_t.append((time.perf_counter() - t0) * 1000)
    a, b = statistics.median(with_l), statistics.median(without)
    print(f"督办 transition, {len(with_l)} with and {len(without)} without the rollup listener (alternating): "
          f"median {a:.2f} ms with, {b:.2f} ms without (+{a - b:.2f} ms); the listener itself inside the "
          f"transition: median {statistics.median(inside):.2f} ms, p95 {sorted(inside)[int(len(inside) * .95) - 1]:.2f} ms; "
          f"hello median {statistics.median(hello_t):.2f} ms")
    return a, b, inside


def export_all():
    from analysis import exports
    from analysis.models import Export
    from grid.models import User
    from grievances.models import Grievance

    admin = User.objects.get(username="admin")
    lo = Grievance.objects.order_by("created_at").values_list("created_at", flat=True).first()
    export = Export.objects.create(user=admin, format="csv", total=Grievance.objects.count(), filters={
        "region": "", "unit": None, "start": str(lo.date() - timedelta(days=1)), "end": "2099-01-01", "label": ""})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    exports.run(export.pk)
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    export.refresh_from_db()
    print(f"CSV export of {export.done:,} rows: {took:.1f} s, {export.file.size / 1e6:.0f} MB file, "
          f"process peak RSS {after / 1024:.0f} MB (before {before / 1024:.0f} MB)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--export", action="store_true")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--only", choices=["maintenance", "report", "export"], help="run only this part")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run this against PostgreSQL (DATABASE_URL=postgres://…)")
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["*"]
    fill.ensure(args.rows)
    import random

    from analysis import demo

    demo.seed_boundaries(random.Random(demo.RNG_SEED))
    from grievances.models import Grievance

    print(f"grievances in table: {Grievance.objects.count():,}")
    if args.only:
        from analysis.facts import day_of

        last = day_of(Grievance.objects.order_by("-created_at").values_list("created_at", flat=True)[0])
        last = last.replace(day=1) - timedelta(days=1)
        month = (last.replace(day=1), last)
        {"maintenance": maintenance, "report": lambda: monthly_report(month, runs=5), "export": export_all}[args.only]()
        return
    if args.skip_rebuild:
        from analysis.facts import day_of

        last = day_of(Grievance.objects.order_by("-created_at").values_list("created_at", flat=True)[0])
        last = last.replace(day=1) - timedelta(days=1)
        month = (last.replace(day=1), last)
    else:
        month = rebuild_all()
    rows = pages(args.runs, month)
    monthly_report(month)
    maintenance()
    if args.export:
        export_all()
    print("\n| request | p50 | p95 | queries |\n|---|---:|---:|---:|")
    for label, p50, p95, q in rows:
        print(f"| {label} | {p50:.1f} ms | {p95:.1f} ms | {q} |")


if __name__ == "__main__":
    main()
