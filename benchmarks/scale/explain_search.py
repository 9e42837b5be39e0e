"""EXPLAIN ANALYZE of the queries the grievance admin runs for a search (issue 18, goal 3).

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench10m \\
        .venv/bin/python benchmarks/scale/explain_search.py [--user zhongxin] [--q 漏水]

Requests the admin changelist with ``?q=`` through the test client as the given user,
captures its SQL, and prints each query that reads ``grievances_grievance`` with the
execution time and the plan of EXPLAIN (ANALYZE, BUFFERS) — run twice, the second (warm)
reported.
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    from grid.models import User

    client = Client()
    client.force_login(User.objects.get(username=args.user))
    url = f"{args.path}?q={quote(args.q)}"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        response = client.get(url)
        total = (time.perf_counter() - t) * 1000
    print(f"{url} as {args.user}: {response.status_code}, {total:.0f} ms in the test client, "
          f"{len(ctx.captured_queries)} queries")
    with connection.cursor() as cur:
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
