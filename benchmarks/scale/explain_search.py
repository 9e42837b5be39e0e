"""EXPLAIN ANALYZE of the queries the grievance admin runs for a search (issue 18, goal 3).

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench10m \\
        .venv/bin/python benchmarks/scale/explain_search.py [--user zhongxin] [--q 漏水]

Requests the admin changelist with ``?q=`` through the test client as the given user,
captures its SQL, and prints each query that reads ``grievances_grievance`` with the
execution time and the plan of EXPLAIN (ANALYZE, BUFFERS) — run twice, the second (warm)
reported. A term the admin walks (``grievances.selectors.search_plan``) is explained inside
``selectors.search_walk``, as it runs; ``--plan walk|index`` forces one plan.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
import fill  # noqa: E402,F401  (sets up Django)
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="zhongxin")
    parser.add_argument("--q", default="漏水")
    parser.add_argument("--path", default="/admin/grievances/grievance/")
    parser.add_argument("--plan", choices=["auto", "walk", "index"], default="auto")
    args = parser.parse_args()
    from grid.models import User
    from grievances import selectors

    print(f"{args.q}: share of its rarest bigram {selectors.search_share(args.q)}"
          + (f", plan forced: {args.plan}" if args.plan != "auto" else ""))
    if args.plan != "auto":
        forced = args.plan
        selectors.search_plan = lambda term, *a, **k: forced

    client = Client()
    client.force_login(User.objects.get(username=args.user))
    url = f"{args.path}?q={quote(args.q)}"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        response = client.get(url)
        total = (time.perf_counter() - t) * 1000
    walked = any("set_config('enable_bitmapscan'" in q["sql"] for q in ctx.captured_queries)
    chosen = selectors.SEARCH_WALK if walked else selectors.SEARCH_INDEX
    print(f"{url} as {args.user}: {response.status_code}, {total:.0f} ms in the test client, "
          f"{len(ctx.captured_queries)} queries, plan {chosen}")
    walk = selectors.search_walk(plan=chosen) if ctx.captured_queries else contextlib.nullcontext()
    with walk, connection.cursor() as cur:
        for q in ctx.captured_queries:
            if "grievances_grievance" not in q["sql"] or "grievances_grievance\" WHERE" not in q["sql"] and "FROM \"grievances_grievance\"" not in q["sql"]:
                continue
            for _ in range(2):
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                plan = [r[0] for r in cur.fetchall()]
            print(f"\n-- {q['time']} s in the request: {q['sql'][:300]}…")
            print("\n".join(plan))


if __name__ == "__main__":
    main()
