"""Speed of duplicate suggestions (issue 16, part 2), without the database:
- ``rank`` of one new text against the page's candidate cap (``MAX_CANDIDATES`` = 300 open
  items of the township in the window): the scoring part of a suggestion, p50/p95;
- ``find_duplicates`` on N appeals made from the labelled set spread over many villages and
  months (the batch command's work per item stays bounded by local volume).

    PYTHONPATH=. python benchmarks/related_speed.py [--n 100000]
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100000)
    args = p.parse_args()
    base = read_items(str(DATA))
    rng = random.Random(1)
    pool = [replace(rng.choice(base), id=i, grams=frozenset()) for i in range(similar.MAX_CANDIDATES)]
    times = []
    for _k in range(200):
        me = replace(rng.choice(base), id=-1, grams=frozenset())
        t0 = time.perf_counter()
        me = similar.Item(id=-1, title=me.title, description=me.description, region_code=pool[0].region_code,
                          lat=None, lng=None, created=pool[0].created)
        similar.rank(me, pool)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(f"rank against {len(pool)} candidates: p50 {statistics.median(times):.2f} ms, "
          f"p95 {times[int(len(times) * 0.95)]:.2f} ms")
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
