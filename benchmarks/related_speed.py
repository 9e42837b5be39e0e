"""Speed of duplicate suggestions (issue 16, part 2), without the database:
- ``rank`` of one new text against the page's candidate cap (``MAX_CANDIDATES`` = 300 open
  items of the township in the window): the scoring part of a suggestion, p50/p95;
- ``find_duplicates`` on N appeals made from the labelled set spread over many villages and
  months (the batch command's work per item stays bounded by local volume).

    PYTHONPATH=. python benchmarks/related_speed.py [--n 100000]

With ``--db`` (PostgreSQL, a database filled by benchmarks/fill.py), the suggestions as the
pages ask for them at the table's real size, read-only (the login session is written in a
transaction that is rolled back; the per-person limit is lifted for the run):

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench1m nice -n 10 .venv/bin/python \
        benchmarks/related_speed.py --db [--runs 200]

- ``GET /assist/similar.json`` (the citizen form, ``related.for_citizen``) through the Django
  test client as a logged-in citizen, with the title and text of a recent appeal in its
  village, beside a bare hello view served the same way in the same run;
- ``related.for_item`` (the centre's item page panel) in-process, for recent and for old appeals.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from assist import similar
from assist.management.commands.find_related import read_items

DATA = Path(__file__).parent / "data" / "related_labelled.jsonl"


def _pct(times):
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def database(runs: int):
    import os
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import include, path
    from django.utils import timezone

    from assist import related, views
    from grid.models import User
    from grievances.models import Grievance

    assert connection.vendor == "postgresql", "PostgreSQL only"
    module = sys.modules[__name__]
    module.urlpatterns = [path("__hello__/", lambda request: HttpResponse("hello")), path("", include("config.urls"))]
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    views.SIMILAR_PER_MINUTE = 10**9
    rng = random.Random(16)
    now = timezone.now()
    total = Grievance.objects.count()
    recent = list(Grievance.objects.filter(created_at__gte=now - timedelta(days=20)).order_by("-created_at", "-id")
                  .values("id", "region_code", "title", "description", "category_id")[:5000])
    top = Grievance.objects.order_by("-id").values_list("id", flat=True).first()
    print(f"{total:,} appeals; load average {os.getloadavg()}")
    with transaction.atomic():
        citizen = User.objects.filter(role="citizen").order_by("id").first()
        client = Client()
        client.force_login(citizen)
        rows = {"hello": [], "similar": [], "item_recent": [], "item_old": []}
        found = []
        for k in range(runs + 5):
            t0 = time.perf_counter()
            client.get("/__hello__/")
            t1 = time.perf_counter()
            a = rng.choice(recent)
            r = client.get("/assist/similar.json", {"region_code": a["region_code"], "category": a["category_id"] or "",
                                                    "title": a["title"], "description": a["description"]})
            t2 = time.perf_counter()
            assert r.status_code == 200, r.content[:200]
            found.append(len(r.json()["items"]))
            g = Grievance.objects.get(pk=rng.choice(recent)["id"])
            t3 = time.perf_counter()
            related.for_item(g)
            t4 = time.perf_counter()
            old = None
            while old is None:
                old = Grievance.objects.filter(pk__gte=rng.randrange(1, top)).order_by("pk").first()
            t5 = time.perf_counter()
            related.for_item(old)
            t6 = time.perf_counter()
            if k >= 5:
                rows["hello"].append((t1 - t0) * 1000)
                rows["similar"].append((t2 - t1) * 1000)
                rows["item_recent"].append((t4 - t3) * 1000)
                rows["item_old"].append((t6 - t5) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            client.get("/assist/similar.json", {"region_code": a["region_code"], "title": a["title"],
                                                "description": a["description"]})
        transaction.set_rollback(True)
    labels = {"hello": "bare Django hello view (test client)",
              "similar": "GET /assist/similar.json (citizen form, test client)",
              "item_recent": "related.for_item, appeal of the last 20 days (in-process)",
              "item_old": "related.for_item, random appeal of 3 years (in-process)"}
    for name, label in labels.items():
        p50, p95 = _pct(rows[name])
        print(f"| {label} | {p50:.1f} ms | {p95:.1f} ms |")
    print(f"similar.json: {len(ctx.captured_queries)} queries; suggestions shown per call: "
          f"mean {statistics.mean(found):.2f}; load average {os.getloadavg()}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100000)
    p.add_argument("--db", action="store_true", help="the suggestions on a filled PostgreSQL database")
    p.add_argument("--runs", type=int, default=200)
    args = p.parse_args()
    if args.db:
        database(args.runs)
        return
    base = read_items(str(DATA))
    rng = random.Random(1)
    pool = [replace(rng.choice(base), id=i, grams={}) for i in range(similar.MAX_CANDIDATES)]
    times = []
    for _k in range(200):
        me = replace(rng.choice(base), id=-1, grams={})
        if hasattr(similar, "_features"):
            similar._features.cache_clear()  # the new text's features are computed afresh
        t0 = time.perf_counter()
        me = similar.Item(id=-1, title=me.title, description=me.description, region_code=pool[0].region_code,
                          lat=None, lng=None, created=pool[0].created)
        similar.rank(me, pool)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(f"rank against {len(pool)} candidates: p50 {statistics.median(times):.2f} ms, "
          f"p95 {times[int(len(times) * 0.95)]:.2f} ms")
    # cold: the candidates' text features computed in the timed call too (a worker's first
    # page for a township; later pages find them in the per-process cache)
    times = []
    for _k in range(50):
        me = rng.choice(base)
        if hasattr(similar, "_features"):
            similar._features.cache_clear()
        t0 = time.perf_counter()
        cold = [similar.Item(id=c.id, title=c.title, description=c.description, region_code=c.region_code,
                             lat=None, lng=None, created=c.created) for c in pool]
        me = similar.Item(id=-1, title=me.title, description=me.description, region_code=pool[0].region_code,
                          lat=None, lng=None, created=pool[0].created)
        similar.rank(me, cold)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(f"rank against {len(pool)} candidates, cold (their features computed too): "
          f"p50 {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms")
    items = []
    for i in range(args.n):
        b = base[i % len(base)]
        shift = i // len(base)
        code = b.region_code[:9] + f"{(int(b.region_code[9:]) + shift) % 1000:03d}"
        items.append(similar.Item(id=i, title=b.title, description=b.description, region_code=code,
                                  lat=None if b.lat is None else b.lat + shift * 0.05, lng=b.lng,
                                  created=b.created + timedelta(days=(shift % 12) * 30)))
    t0 = time.perf_counter()
    found = similar.find_duplicates(items)
    dt = time.perf_counter() - t0
    print(f"find_duplicates on {len(items)} appeals: {dt:.1f} s ({dt / len(items) * 1e6:.0f} µs per appeal), "
          f"{len(found)} duplicates")


if __name__ == "__main__":
    main()
