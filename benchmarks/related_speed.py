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
- ``related.for_item`` (the centre's item page panel) in-process, for recent and for old appeals;

each twice when the features table exists in the code (``assist.TextFeatures``; created inside
the rolled-back transaction if the database has not been migrated to it): *cold*, nothing
stored and no text's features in the process (every page makes and stores its candidates'),
then *stored*, the same pages again reading them; and the backfill's time per appeal (20,000
appeals, rolled back too).
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
    stored = hasattr(related, "stored_features")
    cases = []
    for _k in range(runs + 5):
        old = None
        while old is None:
            old = Grievance.objects.filter(pk__gte=rng.randrange(1, top)).order_by("pk").values_list("pk", flat=True)[:1]
            old = old[0] if old else None
        cases.append((rng.choice(recent), rng.choice(recent)["id"], old))
    labels = {"hello": "bare Django hello view (test client)",
              "similar": "GET /assist/similar.json (citizen form, test client)",
              "item_recent": "related.for_item, appeal of the last 20 days (in-process)",
              "item_old": "related.for_item, random appeal of 3 years (in-process)"}

    def clear():
        if hasattr(similar, "_features"):
            similar._features.cache_clear()  # no text's features left from an earlier page

    with transaction.atomic():
        if stored:
            # The features table, if this database has not been migrated to it: made inside
            # this transaction, filled by the pages below, dropped by the rollback.
            with connection.cursor() as cur:
                cur.execute("CREATE TABLE IF NOT EXISTS assist_textfeatures (grievance_id bigint PRIMARY KEY, "
                            "digest bigint NOT NULL, features text NOT NULL)")
        citizen = User.objects.filter(role="citizen").order_by("id").first()
        client = Client()
        client.force_login(citizen)
        # cold: no features stored, none in the process (every page makes and stores its
        # candidates'); then stored: the same pages again, features read from the table
        phases = ["cold", "stored"] if stored else ["cold"]
        for phase in phases:
            rows = {"hello": [], "similar": [], "item_recent": [], "item_old": []}
            found = []
            for k, (a, recent_id, old_id) in enumerate(cases):
                t0 = time.perf_counter()
                client.get("/__hello__/")
                t1 = time.perf_counter()
                clear()
                r = client.get("/assist/similar.json", {"region_code": a["region_code"],
                                                        "category": a["category_id"] or "",
                                                        "title": a["title"], "description": a["description"]})
                t2 = time.perf_counter()
                assert r.status_code == 200, r.content[:200]
                found.append(len(r.json()["items"]))
                g = Grievance.objects.get(pk=recent_id)
                clear()
                t3 = time.perf_counter()
                related.for_item(g)
                t4 = time.perf_counter()
                old = Grievance.objects.get(pk=old_id)
                clear()
                t5 = time.perf_counter()
                related.for_item(old)
                t6 = time.perf_counter()
                if k >= 5:
                    rows["hello"].append((t1 - t0) * 1000)
                    rows["similar"].append((t2 - t1) * 1000)
                    rows["item_recent"].append((t4 - t3) * 1000)
                    rows["item_old"].append((t6 - t5) * 1000)
            print(f"{phase}:")
            for name, label in labels.items():
                p50, p95 = _pct(rows[name])
                print(f"| {label} | {p50:.1f} ms | {p95:.1f} ms |")
            print(f"suggestions shown per call: mean {statistics.mean(found):.2f}; load average {os.getloadavg()}")
        with CaptureQueriesContext(connection) as ctx:
            client.get("/assist/similar.json", {"region_code": a["region_code"], "title": a["title"],
                                                "description": a["description"]})
        print(f"similar.json: {len(ctx.captured_queries)} queries")
        if stored:
            # the backfill's work per appeal (backfill_text_features: chunks of 2,000 by id)
            from django.db.models import Exists, OuterRef

            from assist.models import TextFeatures

            clear()
            last, n, t0 = 0, 0, time.perf_counter()
            while n < 20000:
                chunk = list(Grievance.objects.filter(pk__gt=last).exclude(
                    Exists(TextFeatures.objects.filter(grievance=OuterRef("pk")))).order_by("pk")
                    .values("pk", "title", "description")[:2000])
                related.stored_features(chunk)
                last, n = chunk[-1]["pk"], n + len(chunk)
            dt = time.perf_counter() - t0
            print(f"backfill: {n} appeals in {dt:.1f} s ({dt / n * 1e6:.0f} µs per appeal); "
                  f"load average {os.getloadavg()}")
        transaction.set_rollback(True)


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
    if hasattr(similar, "decode"):
        # stored: the candidates' features read back from their stored form (assist.TextFeatures)
        kept = [similar.encode(similar.features(similar.item_text(c.title, c.description))) for c in pool]
        times = []
        for _k in range(50):
            me = rng.choice(base)
            similar._features.cache_clear()
            t0 = time.perf_counter()
            warm = [similar.Item(id=c.id, title=c.title, description=c.description, region_code=c.region_code,
                                 lat=None, lng=None, created=c.created, grams=similar.decode(f))
                    for c, f in zip(pool, kept, strict=True)]
            me = similar.Item(id=-1, title=me.title, description=me.description, region_code=pool[0].region_code,
                              lat=None, lng=None, created=pool[0].created)
            similar.rank(me, warm)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        print(f"rank against {len(pool)} candidates, their features decoded from the stored form: "
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
