"""Analysis at scale (issue 15): dashboard and its endpoints, the monthly report, rollup
maintenance per event, rebuild time for one month, streamed export.

On a database filled by benchmarks/fill.py (bench1m, bench10m: appeals, events, facts and
rollups already there), read-only except where said:

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench1m \
        nice -n 10 .venv/bin/python benchmarks/analysis/dashboard.py --existing
    ... --existing --only pages [--requests "city|township"] [--extra "label|user|url"]
    ... --existing --only shown                        (what each request shows, rollup rows,
                                                         SQL, Python calls: load-independent)
    ... --existing --only report                       (writes nothing: rolled back)
    ... --existing --only export --format csv          (rolled back; run in its own process,
    ... --existing --only export --format xlsx          so the peak RSS is the export's)
    ... --existing --only rebuild                       (WRITES: rebuild_rollups for the last
                                                         full month, rows compared before/after)

``--existing`` neither migrates nor fills nor seeds: it needs the demo users the filler
builds the province on (zhongxin_lingdao, shi_zhongxin, bumen_lingdao). Without it,
``--rows N`` fills a fresh database first (``fill.ensure(N)``: migrate, the demo city, the
province, N appeals; it does nothing when N appeals are there) and seeds the demo
boundaries. The requests go through the Django test client (middleware, templates and all
queries) beside a bare "hello" view served the same way in the same run; the load average
of the machine is printed with every table. PostgreSQL only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Reports and exports write their files here, never into the project's media.
_FILES = tempfile.mkdtemp(prefix="analysis-bench-")
os.environ["PRIVATE_MEDIA_ROOT"] = _FILES
os.environ["MEDIA_ROOT"] = _FILES
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import logging  # noqa: E402

import fill  # noqa: E402  (benchmarks/fill.py; sets up Django)
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402

logging.getLogger("axes").setLevel(logging.WARNING)


def hello(request):
    return HttpResponse("hello")


urlpatterns = [path("__hello__/", hello), path("", include("config.urls"))]


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


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


def last_full_month() -> tuple:
    """The last complete month before the newest appeal (local days)."""
    from analysis.facts import day_of
    from grievances.models import Grievance

    last = day_of(Grievance.objects.order_by("-created_at").values_list("created_at", flat=True)[0])
    last = last.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def rebuild_all():
    from django.db.models import Max, Min

    from analysis import rollups
    from analysis.facts import day_of
    from grievances.models import Grievance

    b = Grievance.objects.aggregate(lo=Min("created_at"), hi=Max("created_at"))
    t0 = time.perf_counter()
    appeals, rows = rollups.rebuild(day_of(b["lo"]), day_of(b["hi"]))
    whole = time.perf_counter() - t0
    print(f"rebuild everything: {appeals:,} appeals → {rows:,} rollup rows in {whole:.1f} s")
    return last_full_month()


def month_digest(month) -> tuple[int, str]:
    """Rows and an md5 of the month's rollup rows and facts (key and every counter, in key order)."""
    from analysis.models import METRICS

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*), md5(string_agg(concat_ws('|', day, scope, dim, value, {', '.join(METRICS)}), ';' "
            f"ORDER BY scope, dim, day, value)) FROM analysis_rollup WHERE day BETWEEN %s AND %s", list(month))
        rows, rollup_md5 = cur.fetchone()
        cur.execute(
            "SELECT md5(string_agg(concat_ws('|', grievance_id, day, region_code, grid_code, kind, category_id, "
            "severity, channel, unit_id, cell, person, counts::text), ';' ORDER BY grievance_id)) "
            "FROM analysis_grievancefact WHERE day BETWEEN %s AND %s", list(month))
        fact_md5 = cur.fetchone()[0]
    return rows, hashlib.md5(f"{rollup_md5}{fact_md5}".encode()).hexdigest()[:12]


def rebuild_month(month, times: int = 1):
    """``manage.py rebuild_rollups`` for one month (WRITES), timed, with the month's rows and
    facts compared before and after each run (idempotent: the same digest every time)."""
    rows, digest = month_digest(month)
    print(f"{month[0]}..{month[1]} before: {rows:,} rollup rows, digest {digest}; {load()}", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for i in range(times):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "rebuild_rollups", "--from", str(month[0]), "--to",
             str(month[1])], env=env, check=True, capture_output=True, text=True).stdout.strip()
        took = time.perf_counter() - t0
        rows, digest = month_digest(month)
        print(f"rebuild_rollups run {i + 1}: {took:.1f} s wall ({out}); after: {rows:,} rows, digest {digest}; "
              f"{load()}", flush=True)


TOWNSHIP = "439001001000"


def requests(month, extra: list[str] = (), only: str = "") -> list[tuple[str, str | None, str]]:
    """(label, username, url) of every request timed: hello, the dashboard page and data.json
    of the county leader, the city centre, a township (drill-down) and a department leader for
    this month, the last full month and this year, map.json (those whose label contains one of
    ``only``'s "|"-separated parts, when given); then every ``extra`` ("label|user|url")."""
    m = f"period=custom&start={month[0]}&end={month[1]}"
    t = f"region={TOWNSHIP}&"
    rows = [("bare Django hello view", None, "/__hello__/")]
    for what, base in (("dashboard", "/analysis/"), ("data.json", "/analysis/data.json")):
        for who, user, region in (("county leader", "zhongxin_lingdao", ""), ("city centre", "shi_zhongxin", ""),
                                  ("drill-down to a township", "zhongxin_lingdao", t),
                                  ("department leader (own unit)", "bumen_lingdao", "")):
            for period, query in (("this month", ""), ("last full month", m), ("this year", "period=year")):
                q = f"{region}{query}".rstrip("&")
                rows.append((f"{what}, {who}, {period}", user, f"{base}?{q}" if q else base))
    rows += [("map.json, county leader", "zhongxin_lingdao", "/analysis/map.json"),
             ("map.json, city centre", "shi_zhongxin", "/analysis/map.json")]
    if only:
        rows = [r for r in rows if r[2] == "/__hello__/" or any(o in r[0] for o in only.split("|"))]
    return rows + [tuple(e.split("|", 2)) for e in extra]


def pages(runs: int, month, only: str = "", extra: list[str] = ()):
    from grid.models import User

    users = {u.username: u for u in User.objects.filter(username__in=["zhongxin_lingdao", "shi_zhongxin", "bumen_lingdao"])}
    users |= {u.username: u for u in User.objects.filter(username__in=[e.split("|")[1] for e in extra])}
    rows = requests(month, extra, only)
    out = []
    print(f"requests, {runs} runs each; {load()}", flush=True)
    for label, username, url in rows:
        client = Client()
        if username:
            client.force_login(users[username])
        p50, p95, q = timed(client, url, runs)
        out.append((label, p50, p95, q))
        print(f"{label:<58} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  {q:3d} queries", flush=True)
    print(f"after the requests: {load()}", flush=True)
    return out


def _shown(client: Client, url: str) -> str:
    """What a request shows, from the data the page is drawn from (data.json for the page's
    scope and period): league units, breakdown values (kind, category, severity, channel),
    map points, trend buckets, child areas; map.json: its areas."""
    import json

    if "/map.json" in url:
        return f"{len(client.get(url).json()['features'])} areas"
    path, _sep, query = url.partition("?")
    data = json.loads(client.get("/analysis/data.json" + (f"?{query}" if query else "")).content)
    return (f"league {len(data['league'])}, breakdowns {sum(len(v) for v in data['breakdowns'].values())} "
            f"({'/'.join(str(len(data['breakdowns'][d])) for d in ('kind', 'category', 'severity', 'channel'))}), "
            f"points {len(data['points'])}, trend {len(data['trend'])}, children {len(data['children'])}")


def shown(month, only: str = "", extra: list[str] = (), runs: int = 30):
    """Load-independent figures per request: its bytes, what it shows (``_shown``), the rollup
    rows its queries read (EXPLAIN ANALYZE: rows out of the scans of analysis_rollup), the
    warm execution time of all its statements summed, the Python function calls per request
    (cProfile over five requests), the fastest of ``runs`` requests through the test client
    and their CPU time per request (this process and its PostgreSQL backend, from /proc: less
    moved by the machine's load than wall time; the backend's clock ticks are 10 ms, so use
    ``--runs`` 50 or more). Read-only (EXPLAIN ANALYZE of SELECTs only)."""
    import cProfile
    import json
    import pstats

    from grid.models import User

    print(f"{runs} runs each; {load()}", flush=True)
    print("| request | bytes | shown | rollup rows read | SQL (warm, summed) | Python calls | fastest | CPU per request |\n"
          "|---|---:|---|---:|---:|---:|---:|---:|")
    for label, username, url in requests(month, extra, only):
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        for _ in range(2):
            body = client.get(url).content
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        rollup_rows, sql_ms = 0, 0.0
        with connection.cursor() as cur:
            for q in ctx.captured_queries:
                if not q["sql"].startswith("SELECT"):
                    continue
                for _ in range(2):  # the second, warm
                    cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + q["sql"])
                    plan = cur.fetchone()[0]
                plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
                sql_ms += plan["Execution Time"]

                def walk(node):
                    n = node["Actual Rows"] * node["Actual Loops"] if (
                        "Scan" in node["Node Type"] and node.get("Relation Name") == "analysis_rollup") else 0
                    return n + sum(walk(child) for child in node.get("Plans", []))

                rollup_rows += walk(plan["Plan"])
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            client.get(url)
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls / 5
        times = []
        cpu0, backend0 = time.process_time(), _backend_cpu_ms()
        for _ in range(runs):
            t0 = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        cpu = ((time.process_time() - cpu0) * 1000 + _backend_cpu_ms() - backend0) / runs
        what = _shown(client, url) if username else ""
        print(f"| {label} | {len(body):,} | {what} | {rollup_rows:,} | {sql_ms:.2f} ms | {calls:,.0f} | "
              f"{min(times):.1f} ms | {cpu:.2f} ms |", flush=True)
    print(f"after: {load()}", flush=True)


def explain(month):
    """Every query of the heaviest requests, with EXPLAIN (ANALYZE, BUFFERS): its execution
    time, the rows it returned, the rows its scans read and the buffers touched (read-only)."""
    import json

    from grid.models import User

    m = f"period=custom&start={month[0]}&end={month[1]}"
    for username, url in (("shi_zhongxin", "/analysis/data.json?period=year"), ("shi_zhongxin", f"/analysis/data.json?{m}"),
                          ("zhongxin_lingdao", "/analysis/data.json?period=year"),
                          ("bumen_lingdao", "/analysis/data.json?period=year")):
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        print(f"\n{username} {url}")
        with connection.cursor() as cur:
            for q in ctx.captured_queries:
                sql = q["sql"]
                if not sql.startswith("SELECT"):
                    continue
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                plan = cur.fetchone()[0]
                plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
                scanned = []

                def walk(node, scanned=scanned):
                    if "Scan" in node["Node Type"]:
                        scanned.append(f"{node['Node Type']} {node.get('Index Name') or node.get('Relation Name', '')}"
                                       f" {node['Actual Rows'] * node['Actual Loops']:,} rows")
                    for child in node.get("Plans", []):
                        walk(child, scanned)

                walk(plan["Plan"])
                top = plan["Plan"]
                print(f"  {plan['Execution Time']:8.1f} ms  {top['Actual Rows']:>6,} out  "
                      f"buffers {top.get('Shared Hit Blocks', 0) + top.get('Shared Read Blocks', 0):>7,}  "
                      f"{'; '.join(scanned)[:120]}  | {sql[:70]}")


def monthly_report(month, runs: int = 3):
    """The city's monthly report (figures + DOCX + XLSX) through reports.generate, each run in
    a transaction that is rolled back (files into a temporary directory): writes nothing."""
    from analysis import reports
    from analysis.models import Report, ReportKind
    from grid.models import Region

    city = Region.objects.get(code="439000000000")
    times = []
    for _ in range(runs):
        with transaction.atomic():
            Report.objects.filter(kind=ReportKind.MONTHLY, region=city, period_start=month[0]).delete()
            t0 = time.perf_counter()
            report = reports.generate(kind=ReportKind.MONTHLY, region=city, start=month[0], notify_leaders=False)
            times.append(time.perf_counter() - t0)
            sizes = (report.docx.size, report.xlsx.size)
            transaction.set_rollback(True)
    print(f"monthly report for the city ({month[0]:%Y-%m}), figures + DOCX + XLSX ({sizes[0]:,} and "
          f"{sizes[1]:,} bytes): median {statistics.median(times):.2f} s, max {max(times):.2f} s "
          f"({runs} runs); {load()}")


def _backend_cpu_ms() -> float:
    """CPU time (user + system) of this connection's PostgreSQL backend so far, in ms (/proc:
    the benchmark runs on the database's machine)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def maintenance(n: int = 60, refresh_appeals: int = 2000):
    """The rollup listener's cost on one transition (督办 through the service, in its own
    transaction, rolled back, on appeals never supervised before, so the fact and ~45 rollup
    rows would change). Three arms alternate (ABCABC, so the machine's load hits all
    alike): the listener as built (it only marks the appeal stale: ``mark_stale``), no
    listener, and the earlier design (``refresh_many`` in the transaction; here after one
    extra SELECT of the appeal, as the mark only carries ids). Inside the runs the
    listener's own time is also taken directly, as wall time and as CPU time (this process
    plus its PostgreSQL backend, which does not grow with the machine's load). A bare hello
    request through the test client is timed between runs as the yardstick.

    Then the refresher's throughput: ``refresh_appeals`` appeals marked stale with their
    stored facts emptied (so each refresh writes the appeal's ~45 rollup rows, as a new
    appeal does), ``refresh_stale`` timed over them (chunks of 500), rolled back."""
    from unittest import mock

    from analysis import rollups
    from grid.models import User
    from grievances import services
    from grievances.models import Grievance

    staff = User.objects.get(username="admin")
    from analysis.models import GrievanceFact, StaleFact

    ids = list(Grievance.objects.filter(state__in=["dispatched", "handling"])
               .order_by("-id").values_list("id", flat=True)[: 2 * n])
    hello_client = Client()
    real_mark = rollups.mark_stale
    real_refresh = rollups.refresh_many
    inside: list[float] = []
    inside_cpu: list[float] = []
    marked: list[float] = []
    marked_cpu: list[float] = []

    def timed_refresh(grievance_ids):
        t0, c0, b0 = time.perf_counter(), time.process_time(), _backend_cpu_ms()
        real_refresh(list(Grievance.objects.filter(pk__in=list(grievance_ids))))
        inside.append((time.perf_counter() - t0) * 1000)
        inside_cpu.append((time.process_time() - c0) * 1000 + _backend_cpu_ms() - b0)

    def timed_mark(grievance_ids):
        t0, c0, b0 = time.perf_counter(), time.process_time(), _backend_cpu_ms()
        real_mark(grievance_ids)
        marked.append((time.perf_counter() - t0) * 1000)
        marked_cpu.append((time.process_time() - c0) * 1000 + _backend_cpu_ms() - b0)

    with_mark, without, with_refresh, hello_t = [], [], [], []
    for i in range(3 * n):
        # Each transition runs in a transaction that is rolled back, so the same appeals
        # can be supervised again and again for the first time (the write path every time).
        gid = ids[(i // 3) % len(ids)]
        arm = i % 3  # as built, none, the earlier in-transaction refresh
        patch = mock.patch.object(rollups, "mark_stale", [timed_mark, lambda grievance_ids: None, timed_refresh][arm])
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
            [with_mark, without, with_refresh][arm].append((time.perf_counter() - t0) * 1000)
            transaction.set_rollback(True)
        t0 = time.perf_counter()
        hello_client.get("/__hello__/")
        hello_t.append((time.perf_counter() - t0) * 1000)

    def p95(values):
        return sorted(values)[max(0, int(len(values) * .95) - 1)]

    a, b, r = statistics.median(with_mark), statistics.median(without), statistics.median(with_refresh)
    print(f"督办 transition, {len(with_mark)} per arm (alternating), load average {os.getloadavg()[0]:.1f} at the end; "
          f"hello median {statistics.median(hello_t):.2f} ms, p95 {p95(hello_t):.2f} ms")
    print(f"  no listener: transition median {b:.2f} ms")
    print(f"  as built (mark stale, 1 statement): transition median {a:.2f} ms (+{a - b:.2f} ms); the mark itself "
          f"median {statistics.median(marked):.2f} ms, p95 {p95(marked):.2f} ms wall, CPU (process + PostgreSQL "
          f"backend, including the two pg_backend_pid() reads of the measurement) median "
          f"{statistics.median(marked_cpu):.2f} ms, p95 {p95(marked_cpu):.2f} ms")
    print(f"  earlier design (refresh_many in the transaction): transition median {r:.2f} ms (+{r - b:.2f} ms); "
          f"the refresh itself median {statistics.median(inside):.2f} ms, p95 {p95(inside):.2f} ms wall, CPU median "
          f"{statistics.median(inside_cpu):.2f} ms, p95 {p95(inside_cpu):.2f} ms")

    # The refresher's throughput, rolled back. Three runs, alternating with a hello.
    pool = list(GrievanceFact.objects.order_by("-grievance_id").values_list("grievance_id", flat=True)[:refresh_appeals])
    for run in range(3):
        with transaction.atomic():
            GrievanceFact.objects.filter(pk__in=pool).update(counts={})
            StaleFact.objects.all().delete()
            rollups.mark_stale(pool)
            t0, c0, b0 = time.perf_counter(), time.process_time(), _backend_cpu_ms()
            done = rollups.refresh_stale()
            wall = time.perf_counter() - t0
            cpu = (time.process_time() - c0) * 1000 + _backend_cpu_ms() - b0
            assert done == len(pool) and not StaleFact.objects.exists()
            transaction.set_rollback(True)
        t0 = time.perf_counter()
        hello_client.get("/__hello__/")
        hello = (time.perf_counter() - t0) * 1000
        print(f"refresher run {run + 1}: {done:,} appeals in {wall:.2f} s wall ({done / wall:,.0f} appeals/s), "
              f"CPU (process + backend) {cpu / 1000:.2f} s = {cpu / done:.2f} ms per appeal; hello {hello:.2f} ms; "
              f"load average {os.getloadavg()[0]:.1f}")
    return a, b, marked


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def export_all(fmt: str, via: str = "keyset"):
    """Export every appeal (as the administrator, every submission day) as ``fmt`` (writes
    one Export row, deleted at the end; the file goes to a temporary directory). Run it in
    its own process: the peak RSS printed is this process's.
    ``via``: "keyset" (exports.run as it is), or the earlier read, ``iterator()`` ordered by
    id, with a server-side cursor ("iterator") or as behind PgBouncer in transaction mode
    ("iterator-pooled": DISABLE_SERVER_SIDE_CURSORS, a client-side cursor)."""
    from analysis import exports
    from analysis.models import Export
    from grid.models import User
    from grievances.models import Grievance

    admin = User.objects.get(username="admin")
    lo = Grievance.objects.order_by("created_at").values_list("created_at", flat=True).first()
    hi = Grievance.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if via != "keyset":
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = via == "iterator-pooled"
        columns = tuple(c for c, _label in exports.COLUMNS)

        def legacy_rows(export):
            start, end = exports._bounds(export)
            return (exports.appeals(export).filter(created_at__gte=start, created_at__lt=end)
                    .order_by("id").values_list(*columns).iterator(chunk_size=2000))

        exports.rows_of = legacy_rows
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_before = _rss_mb()
    # Not inside a transaction: a task runs it in autocommit (short queries, progress seen by
    # the page), and a transaction held open for minutes would block others' DDL. The Export
    # row is deleted afterwards; the file goes to a temporary directory.
    export = Export.objects.create(user=admin, format=fmt, total=0, filters={
        "region": "", "unit": None, "start": str(lo.date() - timedelta(days=1)),
        "end": str(hi.date() + timedelta(days=1)), "label": ""})
    try:
        t0 = time.perf_counter()
        exports.run(export.pk)
        took = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        export.refresh_from_db()
        size = export.file.size
    finally:
        Export.objects.filter(pk=export.pk).delete()
    print(f"{fmt.upper()} export ({via}) of {export.done:,} rows: {took:.1f} s ({export.done / took:,.0f} rows/s), "
          f"{size / 1e6:.0f} MB file; process peak RSS {after / 1024:.0f} MB (RSS {rss_before:.0f} MB and peak "
          f"{before / 1024:.0f} MB before the export); {load()}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000, help="fill a fresh database to this many appeals")
    parser.add_argument("--existing", action="store_true",
                        help="a database already filled by fill.py: no migrate, fill or seeding")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rebuild-all", action="store_true", help="rebuild every rollup first (WRITES, hours at 1 M)")
    parser.add_argument("--only", choices=["pages", "shown", "explain", "maintenance", "report", "export", "rebuild"],
                        help="run only this part")
    parser.add_argument("--requests", default="", help="of --only pages / shown: only requests whose label "
                        "contains this (several: a|b)")
    parser.add_argument("--extra", action="append", default=[], help="of --only pages / shown: one more request, "
                        "\"label|username|url\" (repeatable)")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="of --only export")
    parser.add_argument("--via", choices=["keyset", "iterator", "iterator-pooled"], default="keyset",
                        help="of --only export: the read (see export_all)")
    parser.add_argument("--rebuild-times", type=int, default=1, help="of --only rebuild")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run this against PostgreSQL (DATABASE_URL=postgres://…)")
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["*"]
    from grievances.models import Grievance

    if args.existing:
        from grid.models import User

        missing = {"admin", "zhongxin_lingdao", "shi_zhongxin", "bumen_lingdao"} - set(
            User.objects.filter(username__in=["admin", "zhongxin_lingdao", "shi_zhongxin", "bumen_lingdao"])
            .values_list("username", flat=True))
        if missing:
            sys.exit(f"not a database filled by benchmarks/fill.py (no {', '.join(sorted(missing))})")
    else:
        fill.ensure(args.rows)
        import random

        from analysis import demo

        demo.seed_boundaries(random.Random(demo.RNG_SEED))
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'analysis_rollup'")
        rollup_rows = cur.fetchone()[0]
    print(f"{connection.settings_dict['NAME']}: {Grievance.objects.count():,} appeals, ~{rollup_rows:,} rollup rows; "
          f"{load()}", flush=True)
    month = rebuild_all() if args.rebuild_all else last_full_month()
    if args.only == "maintenance":
        maintenance()
        return
    if args.only == "explain":
        explain(month)
        return
    if args.only == "report":
        monthly_report(month, runs=5)
        return
    if args.only == "export":
        export_all(args.format, args.via)
        return
    if args.only == "rebuild":
        rebuild_month(month, args.rebuild_times)
        return
    if args.only == "shown":
        shown(month, args.requests, args.extra, args.runs)
        return
    rows = pages(args.runs, month, args.requests, args.extra)
    if args.only != "pages":
        monthly_report(month)
    print("\n| request | p50 | p95 | queries |\n|---|---:|---:|---:|")
    for label, p50, p95, q in rows:
        print(f"| {label} | {p50:.1f} ms | {p95:.1f} ms | {q} |")


if __name__ == "__main__":
    main()
