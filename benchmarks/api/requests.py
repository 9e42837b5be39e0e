"""Open311 at scale (issue 17): GET requests.json with the spec's filters on a filled
database, and the cost of a POST beside the web form's submission.

    # reads only: run against a database filled by benchmarks/fill.py (1 M or 10 M appeals)
    DATABASE_URL=postgres://root@127.0.0.1:5432/bench1m nice -n 10 .venv/bin/python benchmarks/api/requests.py
    # POST through the API beside the web form (writes appeals: use a database of your own)
    DATABASE_URL=postgres://root@127.0.0.1:5432/mine .venv/bin/python benchmarks/api/requests.py --post 50
    # process CPU of a full page, the PostgreSQL page reader beside the reference reader
    DATABASE_URL=postgres://root@127.0.0.1:5432/bench1m nice -n 10 .venv/bin/python benchmarks/api/requests.py --cpu
    # the reads through the reference page reader (model fields through request_row)
    DATABASE_URL=postgres://root@127.0.0.1:5432/bench1m nice -n 10 .venv/bin/python benchmarks/api/requests.py --reference

Every request goes through the Django test client (middleware, API view, queries,
rendering) beside a bare "hello" view served the same way in the same run. The reads
need no API key, so the run writes nothing to the database it reads. PostgreSQL only.

``servicerequestupdates`` needs keys that filed appeals: with ``--updates`` the run makes,
inside one transaction that is rolled back at the end, a "12345 hotline" key that filed every
hotline appeal of the last 120 days and a small "mini-program" key that filed one web appeal
in a hundred (all years), with their feeds (``api_apiupdate``, created in the transaction
when the database predates it), and times the feed of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402


def hello(request):
    return HttpResponse("hello")


urlpatterns = [path("__hello__/", hello), path("", include("config.urls"))]


def timed(client: Client, url: str, runs: int) -> tuple[float, float, int, int]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    times.sort()
    rows = response.content.count(b'"service_request_id"')
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], len(ctx.captured_queries), rows


def reads(runs: int):
    from grievances.models import Grievance

    now = timezone.localtime()
    total = Grievance.objects.count()
    last = Grievance.objects.order_by("-created_at", "-id").values_list("tracking_no", flat=True)[:2000]
    ids = ",".join(list(last)[::200][:10])
    one = last[0]
    week = (now - timezone.timedelta(days=37)).strftime("%Y-%m-%dT00:00:00%%2B08:00")
    week_end = (now - timezone.timedelta(days=30)).strftime("%Y-%m-%dT00:00:00%%2B08:00")
    old = (now - timezone.timedelta(days=700)).strftime("%Y-%m-%dT00:00:00%%2B08:00")
    old_end = (now - timezone.timedelta(days=640)).strftime("%Y-%m-%dT00:00:00%%2B08:00")
    base = "/open311/v2"
    rows = [
        ("bare Django hello view", "/__hello__/"),
        ("requests.json (last 90 days, newest 1000)", f"{base}/requests.json"),
        ("requests.xml (last 90 days, newest 1000)", f"{base}/requests.xml"),
        ("requests.json?status=open", f"{base}/requests.json?status=open"),
        ("requests.json?status=closed", f"{base}/requests.json?status=closed"),
        ("?service_code=dispute-neighbour&status=closed", f"{base}/requests.json?service_code=dispute-neighbour&status=closed"),
        ("?service_code=livelihood,dispute-labour, one week", f"{base}/requests.json?service_code=livelihood,dispute-labour"
         f"&start_date={week}&end_date={week_end}"),
        ("?service_code=dispute-medical&status=open, 60 days 2 years ago",
         f"{base}/requests.json?service_code=dispute-medical&status=open&start_date={old}&end_date={old_end}"),
        ("?jurisdiction_id=city&status=open", f"{base}/requests.json?jurisdiction_id=439000000000&status=open"),
        ("?jurisdiction_id=city", f"{base}/requests.json?jurisdiction_id=439000000000"),
        ("?jurisdiction_id=city&service_code=business&status=closed",
         f"{base}/requests.json?jurisdiction_id=439000000000&service_code=business&status=closed"),
        ("?status=open, 60 days 2 years ago", f"{base}/requests.json?status=open&start_date={old}&end_date={old_end}"),
        ("?service_request_id=<10 ids>", f"{base}/requests.json?service_request_id={ids}"),
        ("requests/<id>.json", f"{base}/requests/{one}.json"),
        ("services.json", f"{base}/services.json"),
    ]
    print(f"{total:,} appeals")
    client = Client()
    out = []
    for label, url in rows:
        p50, p95, q, n = timed(client, url, runs)
        out.append((label, p50, p95, q, n))
        print(f"{label:<62} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {q:2d} queries  {n:4d} rows", flush=True)
    print(f"load average {os.getloadavg()}", flush=True)
    with connection.cursor() as cur:
        cur.execute("EXPLAIN SELECT id FROM grievances_grievance WHERE kind <> 'legal_aid' AND created_at >= now() - "
                    "interval '90 days' AND created_at <= now() AND state IN ('closed','rejected') "
                    "ORDER BY created_at DESC, id DESC LIMIT 1000")
        print("plan (status=closed):", " / ".join(r[0].strip() for r in cur.fetchall()[:4]))
    return out


def cpu(runs: int):
    """The process CPU (time.process_time) of a full page (the newest 1000 of the last 90
    days): reading and building its rows (selectors.requests, query included: the client
    side of it), then writing JSON and XML; median of ``runs``, the page reader of PostgreSQL
    (api.selectors._public_rows) and the reference reader interleaved in the same run."""
    from django.http import QueryDict

    from api import render, selectors

    def absolute(url):
        return "http://testserver" + url

    took = {(fast, part): [] for fast in (True, False) for part in ("rows", "json", "xml", "wall")}
    for i in range(runs + 2):
        for fast in (True, False):
            selectors.FAST_PAGES = fast
            w0, t0 = time.perf_counter(), time.process_time()
            rows = selectors.requests(QueryDict(""), key=None, absolute=absolute)
            t1 = time.process_time()
            w1 = time.perf_counter()
            render.respond("json", "service_requests", rows)
            t2 = time.process_time()
            render.respond("xml", "service_requests", rows)
            t3 = time.process_time()
            if i >= 2:
                for part, ms in (("rows", t1 - t0), ("json", t2 - t1), ("xml", t3 - t2), ("wall", w1 - w0)):
                    took[(fast, part)].append(ms * 1000)
    selectors.FAST_PAGES = True
    for fast, label in ((False, "reference reader"), (True, "PostgreSQL page reader")):
        med = {part: statistics.median(took[(fast, part)]) for part in ("rows", "json", "xml", "wall")}
        print(f"{label:<24} {len(rows)} rows: CPU rows {med['rows']:5.1f} ms  JSON {med['json']:5.1f} ms  "
              f"XML {med['xml']:5.1f} ms  (rows wall {med['wall']:5.1f} ms)", flush=True)
    print(f"load average {os.getloadavg()}", flush=True)


def updates(runs: int):
    """servicerequestupdates for a big and a small key, set up in a transaction rolled back."""
    from django.db import transaction

    from api import services
    from api.models import ApiUpdate
    from grid.models import Region

    client = Client()
    out = []
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT to_regclass('api_apiupdate')")
            if cur.fetchone()[0] is None:
                with connection.schema_editor(atomic=False) as editor:
                    editor.create_model(ApiUpdate)
        region = Region.objects.filter(level=3).order_by("code").first()
        big, big_raw = services.create_api_key(actor=None, name="bench12345", channel="hotline", region=region,
                                               rate_limit=10**6)
        small, small_raw = services.create_api_key(actor=None, name="bench小程序", channel="app", region=region,
                                                   rate_limit=10**6)
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("INSERT INTO api_apirequest (key_id, grievance_id, ticket_no, token, created_at) "
                        "SELECT %s, id, NULL, 'b' || id, created_at FROM grievances_grievance "
                        "WHERE channel = 'hotline' AND created_at >= now() - interval '120 days'", [big.pk])
            cur.execute("INSERT INTO api_apirequest (key_id, grievance_id, ticket_no, token, created_at) "
                        "SELECT %s, id, NULL, 's' || id, created_at FROM grievances_grievance "
                        "WHERE channel = 'web' AND id %% 100 = 0", [small.pk])
            cur.execute("INSERT INTO api_apiupdate (key_id, event_id, created_at) SELECT r.key_id, e.id, e.created_at "
                        "FROM api_apirequest r JOIN grievances_grievanceevent e ON e.grievance_id = r.grievance_id "
                        "WHERE e.public AND r.key_id IN (%s, %s)", [big.pk, small.pk])
            cur.execute("SELECT key_id, count(*) FROM api_apiupdate WHERE key_id IN (%s, %s) GROUP BY 1",
                        [big.pk, small.pk])
            sizes = dict(cur.fetchall())
            cur.execute("ANALYZE api_apirequest")
            cur.execute("ANALYZE api_apiupdate")
        print(f"feeds set up in {time.perf_counter() - t0:.0f} s: big key {sizes.get(big.pk, 0):,} events, "
              f"small key {sizes.get(small.pk, 0):,} events", flush=True)
        old = (timezone.localtime() - timezone.timedelta(days=400)).strftime("%Y-%m-%dT00:00:00%%2B08:00")
        base = "/open311/v2/servicerequestupdates.json"
        for label, url in [
            ("bare Django hello view", "/__hello__/"),
            ("servicerequestupdates.json, 12345 key (last 90 days)", f"{base}?api_key={big_raw}"),
            ("servicerequestupdates.json, small key (last 90 days)", f"{base}?api_key={small_raw}"),
            ("servicerequestupdates.json, small key, 90 days from 400 days ago",
             f"{base}?api_key={small_raw}&start_date={old}"),
        ]:
            p50, p95, q, _n = timed(client, url, runs)
            n = client.get(url).content.count(b'"update_id"')
            out.append((label, p50, p95, q, n))
            print(f"{label:<62} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {q:2d} queries  {n:4d} rows", flush=True)
        transaction.set_rollback(True)
    return out


def posts(n: int):
    """POST requests.json with a key beside the citizen web form's POST (same service)."""
    from api import services
    from grid.models import Region, User

    region = Region.objects.get(code="439001000000")
    _key, raw = services.create_api_key(actor=None, name="bench热线", channel="hotline", region=region,
                                        rate_limit=10**6)
    citizen = User.objects.get(username="13800000001")
    village = Region.objects.filter(code__startswith="439001", level=5).order_by("code").first()
    api, web = Client(), Client()
    web.force_login(citizen)
    timings = {"api": [], "web": []}
    for i in range(n + 3):
        for name in ("api", "web"):
            if name == "api":
                t0 = time.perf_counter()
                r = api.post("/open311/v2/requests.json", {
                    "api_key": raw, "service_code": "dispute-neighbour", "address_id": village.code,
                    "address_string": "柳岸花园3栋", "phone": "13800000001", "last_name": "张", "first_name": "三",
                    "description": f"楼上装修噪声扰民（基准{i}）", "attribute[ticket_no]": f"bench-{time.time_ns()}"})
                assert r.status_code == 201, r.content
            else:
                web.get("/appeals/new/")
                t0 = time.perf_counter()
                r = web.post("/appeals/new/", {
                    "kind": "dispute", "category": "", "region_code": village.code, "address": "柳岸花园3栋",
                    "title": "楼上装修噪声扰民", "description": f"楼上装修噪声扰民（基准{i}）",
                    "contact_name": "张三", "contact_phone": "13800000001"})
                assert r.status_code == 302, r.content[:500]
            if i >= 3:
                timings[name].append((time.perf_counter() - t0) * 1000)
    for name, label in (("api", "POST /open311/v2/requests.json (key, ticket)"), ("web", "POST /appeals/new/ (citizen)")):
        t = sorted(timings[name])
        print(f"{label:<62} p50 {statistics.median(t):7.1f} ms  p95 {t[max(0, int(len(t) * 0.95) - 1)]:7.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--post", type=int, default=0, help="time N API POSTs beside N web-form POSTs")
    parser.add_argument("--updates", action="store_true", help="servicerequestupdates (set up and rolled back)")
    parser.add_argument("--cpu", action="store_true", help="CPU of a full page, page reader beside reference reader")
    parser.add_argument("--reference", action="store_true", help="reads through the reference page reader")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "PostgreSQL only"
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["*"]
    settings.OPEN311_ANONYMOUS_RATE = 10**6
    settings.DEBUG = False
    print(f"load average {os.getloadavg()}", flush=True)
    if args.reference:
        from api import selectors

        selectors.FAST_PAGES = False
    if args.post:
        posts(args.post)
    elif args.updates:
        updates(args.runs)
    elif args.cpu:
        cpu(args.runs)
    else:
        reads(args.runs)


if __name__ == "__main__":
    main()
