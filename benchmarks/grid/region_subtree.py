"""Benchmark: "this region and everything below" on ~100,000 regions.

Builds a synthetic province (1 province, 16 cities, 10 counties each, 20 townships each,
~30 villages each ≈ 100k regions) in the configured database, then times subtree queries
at each level and prints the query plan (PostgreSQL).

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench .venv/bin/python benchmarks/grid/region_subtree.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from grid.models import Region, RegionLevel  # noqa: E402


def build():
    if Region.objects.filter(code="990000000000").exists():
        return
    rows = [Region(code="990000000000", name="省", level=RegionLevel.PROVINCE)]
    Region.objects.bulk_create(rows)
    province = Region.objects.get(code="990000000000")
    cities = Region.objects.bulk_create(
        [Region(code=f"99{c:02d}00000000", name=f"市{c}", level=RegionLevel.CITY, parent=province) for c in range(1, 17)]
    )
    counties = Region.objects.bulk_create([
        Region(code=f"{city.code[:4]}{k:02d}000000", name=f"县{k}", level=RegionLevel.COUNTY, parent=city)
        for city in cities for k in range(1, 11)
    ])
    towns = Region.objects.bulk_create([
        Region(code=f"{county.code[:6]}{t:03d}000", name=f"镇{t}", level=RegionLevel.TOWNSHIP, parent=county)
        for county in counties for t in range(1, 21)
    ])
    batch = []
    for town in towns:
        for v in range(1, 31):
            batch.append(Region(code=f"{town.code[:9]}{v:03d}", name=f"村{v}", level=RegionLevel.VILLAGE, parent=town))
        if len(batch) >= 20000:
            Region.objects.bulk_create(batch)
            batch = []
    Region.objects.bulk_create(batch)


def timeit(fn, n=50):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), sorted(times)[int(n * 0.95) - 1]


def main():
    from django.core.management import call_command

    setup_test_environment()
    call_command("migrate", verbosity=0)
    build()
    print(f"regions: {Region.objects.count()} on {connection.vendor}")
    for code in ("990000000000", "990100000000", "990101000000", "990101001000", "990101001001"):
        region = Region.objects.get(code=code)
        qs = Region.objects.subtree(region)
        count = qs.count()
        p50, p95 = timeit(lambda qs=qs: qs.count())
        p50l, p95l = timeit(lambda qs=qs: list(qs.values_list("id", flat=True)[:100]))
        print(f"{RegionLevel(region.level).label:>6} {code}: subtree {count:>6} rows; count() p50 {p50:.2f} ms "
              f"p95 {p95:.2f} ms; first 100 ids p50 {p50l:.2f} ms")
    if connection.vendor == "postgresql":
        sql, params = Region.objects.subtree(Region.objects.get(code="990101001000")).query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("ANALYZE grid_region")
            cur.execute("EXPLAIN ANALYZE " + sql, params)
            print("\n".join(r[0] for r in cur.fetchall()))


if __name__ == "__main__":
    main()
