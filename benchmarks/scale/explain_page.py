"""Where one page's server time goes (issue 18, goal 2): its SQL, each statement's plan, and
its Python profile.

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench10m \\
        .venv/bin/python benchmarks/scale/explain_page.py --user bumen --path /appeals/work/ \\
        [--analyze] [--profile 25]

Requests the page through the test client as the given user (twice to warm up, then once with
the statements captured), prints the request's time, each statement's time inside the request
and the rows it returned, then with ``--analyze`` EXPLAIN (ANALYZE, BUFFERS) of every statement
that takes at least ``--min-ms`` (run twice, the second, warm, reported), and with
``--profile N`` the N functions with the most cumulative time over five profiled requests.
Read-only: EXPLAIN ANALYZE runs SELECTs only, inside a transaction that is rolled back.

``--backend N`` instead: the page N times in a used database backend and N times in a new one
(what ``CONN_MAX_AGE = 0`` gives each request), with the backend's CPU time and page faults
read from /proc (PostgreSQL on this machine).

``--pages "department|督办"`` instead: for each page of benchmarks/scale/pages.py whose label
contains one of these, one line of load-independent figures: the rows it shows, its
statements, the sum of their warm EXPLAIN ANALYZE execution times, and the Python function
calls per request (cProfile over five requests).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks" / "scale"))
sys.path.insert(0, str(ROOT))
import fill  # noqa: E402,F401  (sets up Django)
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="bumen")
    parser.add_argument("--path", default="/appeals/work/")
    parser.add_argument("--analyze", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) the slower statements")
    parser.add_argument("--min-ms", type=float, default=0.5, help="only statements at least this slow")
    parser.add_argument("--profile", type=int, default=0, help="print this many functions of a cProfile")
    parser.add_argument("--pages", default="", help="a summary line per page of pages.py whose label contains this")
    parser.add_argument("--inbox-size", type=int, default=0, help="rows per department inbox page instead of 20")
    parser.add_argument("--supervision-size", type=int, default=0, help="at most this many rows per 督办 page")
    parser.add_argument("--backend", type=int, default=0,
                        help="request the page this many times in a used database backend and as many in a new one, "
                             "and print the medians of the request, its SQL, the backend's CPU and page faults")
    args = parser.parse_args()
    if args.inbox_size:
        from grievances import selectors

        selectors.inbox.__kwdefaults__["size"] = args.inbox_size
    if args.supervision_size:
        from django.contrib import admin

        from grievances.deadlines.models import SupervisionItem

        admin.site._registry[SupervisionItem].list_per_page = args.supervision_size
    if args.pages:
        return summary(args.pages.split("|"))
    if args.backend:
        return backend(args.user, args.path, args.backend)
    from grid.models import User

    client = Client()
    client.force_login(User.objects.get(username=args.user))
    for _ in range(2):
        client.get(args.path)
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        response = client.get(args.path)
        total = (time.perf_counter() - t) * 1000
    sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
    print(f"{args.path} as {args.user}: {response.status_code}, {total:.1f} ms in the test client, "
          f"{len(ctx.captured_queries)} queries, {sql_ms:.1f} ms of SQL")
    for i, q in enumerate(ctx.captured_queries, 1):
        print(f"{i:3d}. {float(q['time']) * 1000:7.2f} ms  {q['sql'][:220]}")
    if args.analyze:
        with transaction.atomic(), connection.cursor() as cur:
            for i, q in enumerate(ctx.captured_queries, 1):
                sql = q["sql"]
                if float(q["time"]) * 1000 < args.min_ms or not sql.lstrip().upper().startswith("SELECT"):
                    continue
                for _ in range(2):
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [r[0] for r in cur.fetchall()]
                print(f"\n-- {i}. {float(q['time']) * 1000:.2f} ms in the request:\n{sql}\n")
                print("\n".join(plan))
            transaction.set_rollback(True)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            client.get(args.path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        print(f"\n{stats.total_calls / 5:,.0f} Python calls per request")
        stats.sort_stats("cumulative").print_stats(args.profile)


def _backend_stats(pid: int) -> tuple[float, int]:
    """(CPU ms, minor page faults) of a PostgreSQL backend of this machine, from /proc."""
    with open(f"/proc/{pid}/schedstat") as f:
        cpu_ns = int(f.read().split()[0])
    with open(f"/proc/{pid}/stat") as f:
        minflt = int(f.read().rsplit(")", 1)[1].split()[7])
    return cpu_ns / 1e6, minflt


def backend(username: str, path: str, n: int) -> None:
    """The page in a used backend (the connection kept, as with CONN_MAX_AGE > 0) and in a new
    one (closed before each request, as with CONN_MAX_AGE = 0: the backend is opened and has
    run one query before the request starts): medians of the request's time, its SQL as
    captured, the backend's CPU time and minor page faults during the request."""
    import statistics

    from grid.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    for _ in range(3):
        client.get(path)
    print(f"{path} as {username}, {n} requests each way (medians):")
    for fresh in (False, True):
        total, sql, cpu, faults = [], [], [], []
        for _ in range(n):
            if fresh:
                connection.close()
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                pid = cur.fetchone()[0]
            cpu0, flt0 = _backend_stats(pid)
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                client.get(path)
                total.append((time.perf_counter() - t) * 1000)
            cpu1, flt1 = _backend_stats(pid)
            sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
            cpu.append(cpu1 - cpu0)
            faults.append(flt1 - flt0)
        med = statistics.median
        print(f"  {'new backend ' if fresh else 'used backend'}: request {med(total):6.1f} ms, SQL as captured "
              f"{med(sql):6.1f} ms, backend CPU {med(cpu):6.1f} ms, backend minor faults {med(faults):7.0f}",
              flush=True)


def _rows(html: str) -> str:
    """Item rows on an inbox page (the tracking-number cell) or an admin list (the checkbox),
    and on a 督办 page the rows of its per-unit overdue table (+N)."""
    import pages

    units = html.count('<tr><td><a href="?unit=')
    return f"{pages.rows_shown(html)}" + (f" (+{units} unit rows)" if units else "")


def _sql_ms(queries) -> float:
    total = 0.0
    with transaction.atomic(), connection.cursor() as cur:
        for q in queries:
            if not q["sql"].lstrip().upper().startswith("SELECT"):
                continue
            for _ in range(2):  # the second, warm
                cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + q["sql"])
                plan = cur.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else plan
            total += plan["Execution Time"]
        transaction.set_rollback(True)
    return total


def summary(only: list[str]) -> None:
    import pages

    from grid.models import User

    print("| page | rows shown | queries | SQL (EXPLAIN ANALYZE, warm) | Python calls per request |")
    print("|---|---:|---:|---:|---:|")
    for label, username, path in pages.urls():
        if not username or not any(o in label for o in only):
            continue
        client = Client()
        client.force_login(User.objects.get(username=username))
        for _ in range(2):
            client.get(path)
        connection.queries_log.clear()  # (a full log, 9,000 entries under DEBUG, captures nothing)
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(path).content.decode()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            client.get(path)
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls / 5
        print(f"| {label} | {_rows(html)} | {len(ctx.captured_queries)} | {_sql_ms(ctx.captured_queries):.2f} ms "
              f"| {calls:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
