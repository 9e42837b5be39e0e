"""Page cost at scale (issue 18, goal 2; issue 15's dashboard): every citizen, department,
admin and dashboard page served by gunicorn (2 sync workers, as deployed), beside a bare
Django "hello" view served by the same workers in the same run. The workers keep their
database connections (``CONN_MAX_AGE=60``, as deployed: DJANGO_PROFILE=production) unless
``CONN_MAX_AGE`` is set in the environment (``CONN_MAX_AGE=0``: a new PostgreSQL backend per
request, the default before 2026-11-29's eighth round; see settings_pages.py); the summary
says which.

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench1m \\
        .venv/bin/python benchmarks/scale/pages.py [--appeals 1000000] [--runs 30] [--only admin] [--port 8791]

It fills the database first with benchmarks/fill.py when it holds fewer appeals than
``--appeals`` (a fresh database only), logs the demo users in (sessions in the database or
Redis, shared by the workers), warms each URL up, then requests it ``--runs`` times one after
another from one client, each request after a hello request (so each figure is one request's
latency: server time plus the loopback, and each page stands beside hellos served under the
same load) and reports p50/p95, the p50 in hellos, plus the SQL query count of one request
(Django test client, same process, after one request to warm its per-process caches) and the
item rows it shows (an inbox's or an admin list's). Prints a Markdown table. ``--inbox-size`` and
``--supervision-size`` set the rows per department inbox or 督办 page, to compare a small
database and a large one at equal rows.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
import fill  # noqa: E402  (sets up Django)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PORT = 8791  # --port


def urls() -> list[tuple[str, str | None, str]]:
    from grid.models import Region, User
    from grievances.models import Grievance

    zhang = User.objects.get(username="13800000001")
    bumen = User.objects.get(username="bumen")
    own = Grievance.objects.filter(reporter=zhang).order_by("-id").first()
    item = Grievance.objects.filter(handling_unit_id=bumen.unit_id).order_by("-id").values_list("id", flat=True)[0]
    deep = (Grievance.objects.filter(handling_unit_id=bumen.unit_id).order_by("-id")
            .values_list("id", flat=True)[1000:1001])
    tracking = list(Grievance.objects.filter(region_code__startswith="439001").order_by("-id")
                    .values_list("tracking_no", flat=True)[:500])[-1]
    county_item = Grievance.objects.filter(region_code__startswith="439001", state="handling").order_by("-id").first()
    township = Region.objects.filter(level=4, code__startswith="439001").order_by("code").first()
    return [
        ("bare Django hello view", None, "/__hello__/"),
        ("citizen 我的诉求 (张三)", "13800000001", "/appeals/mine/"),
        ("citizen appeal detail (张三)", "13800000001", f"/appeals/{own.pk}/"),
        ("public 同类案例查询", None, "/appeals/cases/"),
        ("department inbox 我们的工作任务 (bumen)", "bumen", "/appeals/work/"),
        ("department inbox, filter 办理中", "bumen", "/appeals/work/?f=handling"),
        ("department inbox, 1,000 items deep (keyset)", "bumen", f"/appeals/work/?before={deep[0] if deep else 0}"),
        ("department inbox, search 漏水", "bumen", "/appeals/work/?q=" + quote("漏水")),
        ("department 我的办理事项", "bumen", "/appeals/work/mine/"),
        ("department item page", "bumen", f"/appeals/work/{item}/"),
        ("admin list, county centre (zhongxin)", "zhongxin", "/admin/grievances/grievance/"),
        ("admin list, county, state = 办理中", "zhongxin", "/admin/grievances/grievance/?state__exact=handling"),
        ("admin list, county, search tracking no", "zhongxin", f"/admin/grievances/grievance/?q={tracking}"),
        ("admin list, county, search 漏水 (2 chars)", "zhongxin", "/admin/grievances/grievance/?q=" + quote("漏水")),
        ("admin list, county, search 欠薪 (2 chars)", "zhongxin", "/admin/grievances/grievance/?q=" + quote("欠薪")),
        ("admin list, county, search 电梯故障 (4 chars)", "zhongxin",
         "/admin/grievances/grievance/?q=" + quote("电梯故障")),
        ("admin list, county, search 占道 (mid-frequency)", "zhongxin", "/admin/grievances/grievance/?q=" + quote("占道")),
        ("admin list, city centre (shi_zhongxin)", "shi_zhongxin", "/admin/grievances/grievance/"),
        ("admin list, city, search 漏水", "shi_zhongxin", "/admin/grievances/grievance/?q=" + quote("漏水")),
        ("admin list, administrator (whole province)", "admin", "/admin/grievances/grievance/"),
        ("admin list, administrator, search 漏水", "admin", "/admin/grievances/grievance/?q=" + quote("漏水")),
        ("admin change page", "zhongxin", f"/admin/grievances/grievance/{county_item.pk}/change/"),
        ("supervision 督办, county centre", "zhongxin", "/admin/deadlines/supervisionitem/"),
        ("supervision 督办, city centre", "shi_zhongxin", "/admin/deadlines/supervisionitem/"),
        ("supervision 督办, administrator (whole province)", "admin", "/admin/deadlines/supervisionitem/"),
        ("dashboard, county leader, this month", "zhongxin_lingdao", "/analysis/"),
        ("dashboard, county leader, this year", "zhongxin_lingdao", "/analysis/?period=year"),
        ("dashboard, city centre, this year", "shi_zhongxin", "/analysis/?period=year"),
        ("dashboard, drill-down to a township", "zhongxin_lingdao", f"/analysis/?region={township.code}"),
        ("dashboard, department leader (own unit)", "bumen_lingdao", "/analysis/"),
        ("dashboard data.json, city, this year", "shi_zhongxin", "/analysis/data.json?period=year"),
        ("map.json, city centre", "shi_zhongxin", "/analysis/map.json"),
    ]


def cookies_for(usernames) -> dict[str, str]:
    from grid.models import User

    out = {}
    for name in usernames:
        client = Client()
        client.force_login(User.objects.get(username=name))
        out[name] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return out


def get(path: str, cookie: str | None) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=900)
    headers = {"Cookie": cookie} if cookie else {}
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - t0) * 1000
    conn.close()
    return response.status, elapsed


def rows_shown(html: str) -> int:
    """Item rows on an inbox page (the tracking-number cell) or an admin list (the rows of its
    result table)."""
    start = html.find('id="result_list"')
    if start >= 0:
        body = html[html.find("<tbody", start):html.find("</tbody>", start)]
        return body.count("<tr")
    return html.count('<td class="font-monospace small">')


def query_count(path: str, username: str | None) -> tuple[int, int]:
    """(SQL queries, item rows shown) of one request of the page, in this process."""
    from grid.models import User

    if path == "/__hello__/":  # served by the workers' URLconf only
        return 0, 0
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    client.get(path)  # once first: per-process caches (the search's bigram statistics, row estimates) warm
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(path).content.decode()
    return len(ctx.captured_queries), rows_shown(html)


def main():
    # What is deployed (settings_pages.py reads it; the gunicorn workers inherit it).
    os.environ.setdefault("CONN_MAX_AGE", "60")
    parser = argparse.ArgumentParser()
    parser.add_argument("--appeals", type=int, default=0, help="fill a fresh database up to this many first")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", default="", help="only pages whose label contains this (several: a|b)")
    parser.add_argument("--slow", type=float, default=3000,
                        help="a page slower than this (ms) is requested 3 times only")
    parser.add_argument("--no-migrate", action="store_true",
                        help="leave the schema as it is (a shared database others are migrating)")
    parser.add_argument("--skip", default="", help="leave out pages whose label contains this")
    parser.add_argument("--port", type=int, default=PORT, help="for gunicorn on 127.0.0.1 (one per concurrent run)")
    parser.add_argument("--inbox-size", type=int, default=0,
                        help="rows per department inbox page instead of 20 (compare units at the same page size)")
    parser.add_argument("--supervision-size", type=int, default=0,
                        help="at most this many rows per 督办 page instead of 50 (compare scopes at the same rows)")
    args = parser.parse_args()
    if args.supervision_size:
        from django.contrib import admin

        from grievances.deadlines.models import SupervisionItem

        os.environ["PAGES_SUPERVISION_SIZE"] = str(args.supervision_size)  # the gunicorn workers (urls_pages)
        admin.site._registry[SupervisionItem].list_per_page = args.supervision_size  # the query count here
    if args.inbox_size:
        from grievances import selectors

        os.environ["PAGES_INBOX_SIZE"] = str(args.inbox_size)  # the gunicorn workers (urls_pages)
        selectors.inbox.__kwdefaults__["size"] = args.inbox_size  # the query count here
    globals()["PORT"] = args.port
    if not args.no_migrate:
        fill.ensure_demo()  # migrates, so the schema is the code's
    if args.appeals:
        fill.ensure(args.appeals)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM grievances_grievance")
        total = cur.fetchone()[0]
    only = args.only.split("|")
    pages = [p for p in urls() if (any(o in p[0] for o in only) and not (args.skip and args.skip in p[0]))
             or p[2] == "/__hello__/"]
    cookies = cookies_for({u for _l, u, _p in pages if u})
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="settings_pages",
               PYTHONPATH=f"{ROOT}:{ROOT / 'benchmarks' / 'scale'}")
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{PORT}",
                               "--log-level", "warning", "--timeout", "900"], cwd=str(ROOT), env=env)
    rows = []
    try:
        for _ in range(200):
            try:
                get("/__hello__/", None)
                break
            except OSError:
                time.sleep(0.2)
        load_start = os.getloadavg()
        for label, username, path in pages:
            cookie = cookies.get(username) if username else None
            runs = args.runs
            for _ in range(3):
                status, ms = get(path, cookie)
                if status != 200:
                    raise SystemExit(f"{label}: {path} answered {status}")
                if ms > args.slow:  # a page of several seconds: fewer requests (noted in the table)
                    runs = min(runs, 1 if ms > 10 * args.slow else 3)
                    break
            # A hello before each request of the page: on a shared, loaded machine the load
            # changes from one page to the next, so each page is set beside its own hellos.
            times, hellos = [], []
            for _ in range(runs):
                hellos.append(get("/__hello__/", None)[1])
                times.append(get(path, cookie)[1])
            times.sort()
            p50 = statistics.median(times)
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            hello_beside = statistics.median(hellos)
            queries, shown = query_count(path, username)
            rows.append((label if runs == args.runs else f"{label} ({runs} requests)", p50, p95, queries,
                         hello_beside, shown))
            print(f"{label:<50} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  {queries:3d} queries  {shown:3d} rows  "
                  f"hello beside {hello_beside:5.2f} ms = {p50 / hello_beside:5.1f} hellos", flush=True)
        # hello again at the end: the load may have changed during the run
        times = sorted(get("/__hello__/", None)[1] for _ in range(args.runs))
        hello_end = (statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)])
        load_end = os.getloadavg()
    finally:
        server.terminate()
        server.wait()
    hello = rows[0][1]
    print(f"\n{total:,} appeals; gunicorn 2 sync workers; {args.runs} sequential requests per page, each after a "
          f"hello request; hello p50 {hello:.1f} ms at the start, {hello_end[0]:.1f} ms (p95 {hello_end[1]:.1f}) "
          f"at the end; load average (1 min) {load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end; "
          f"database connections {'new per request' if os.environ.get('CONN_MAX_AGE', '0') == '0' else 'persistent'}"
          f" (CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', '0')}). "
          "p50 in hellos: the page's p50 over the p50 of the hellos requested beside it\n")
    print("| page | p50 | p95 | p50 in hellos | hello beside (p50) | queries | rows shown |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for label, p50, p95, q, beside, shown in rows:
        print(f"| {label} | {p50:.1f} ms | {p95:.1f} ms | {p50 / beside:.0f} | {beside:.2f} ms | {q} | {shown} |")


if __name__ == "__main__":
    main()
