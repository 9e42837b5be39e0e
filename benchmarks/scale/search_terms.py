"""The admin text search per term: the plan chosen, the page's time, and (``--check``)
that both plans show the same rows (issue 18, goal 3).

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench1m \\
        .venv/bin/python benchmarks/scale/search_terms.py [--users zhongxin,shi_zhongxin] \\
        [--terms 漏水,欠薪 | --heldout] [--runs 5] [--check]

For each user and term: the share of the term's rarest bigram (pg_stats), the plan
(``grievances.selectors.search_plan``, as the request ran it), the median time of the changelist ``?q=<term>``
requested through the test client (warm, ``--runs`` requests), the SQL time of its queries
and the rows on the page. ``--check`` also requests the first two pages with each plan forced
and compares the appeals listed (ids, in order). ``--heldout`` takes the terms of
benchmarks/scale/search_heldout.txt, ``--heldout2`` those of search_heldout2.txt. ``--unlisted``
leaves each term's bigrams out of the pg_stats list the process read (as ANALYZE's lossy
list of a tsvector's elements may: 占道 at 10 M on 2026-11-29 07:37).
"""

from __future__ import annotations

import argparse
import re
import statistics
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

PATH = "/admin/grievances/grievance/"
DEFAULT_TERMS = "漏水,欠薪,电梯故障"


def page_ids(body: str) -> list[int]:
    ids: list[int] = []
    for pk in re.findall(r"/admin/grievances/grievance/(\d+)/change/", body):
        if int(pk) not in ids:
            ids.append(int(pk))
    return ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", default="zhongxin,shi_zhongxin")
    parser.add_argument("--terms", default=DEFAULT_TERMS)
    parser.add_argument("--heldout", action="store_true")
    parser.add_argument("--heldout2", action="store_true", help="the terms of search_heldout2.txt")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--unlisted", action="store_true",
                        help="leave each term's bigrams out of pg_stats' list, as a lossy ANALYZE may")
    args = parser.parse_args()
    from grid.models import User
    from grievances import selectors

    if args.heldout or args.heldout2:
        name = "search_heldout2.txt" if args.heldout2 else "search_heldout.txt"
        lines = (ROOT / "benchmarks/scale" / name).read_text(encoding="utf-8").splitlines()
        terms = [t.strip() for t in lines if t.strip() and not t.startswith("#")]
    else:
        terms = args.terms.split(",")
    chosen = selectors.search_plan
    print("| user | term | share | plan | page p50 (ms) | SQL of the page (ms) | rows | same rows both plans |")
    print("|---|---|---:|---|---:|---:|---:|---|")
    for username in args.users.split(","):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for term in terms:
            if args.unlisted:
                shares, floor, rows = selectors._bigram_stats("default")
                dropped = {k: v for k, v in shares.items() if k not in selectors._bigram_tokens(term)}
                selectors._search_stats["default"] = (time.monotonic(), dropped, floor, rows)
            url = f"{PATH}?q={quote(term)}"
            client.get(url)
            times, sql_ms, body = [], 0.0, ""
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as ctx:
                    t = time.perf_counter()
                    body = client.get(url).content.decode()
                    times.append((time.perf_counter() - t) * 1000)
                sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
                walked = any("set_config('enable_bitmapscan'" in q["sql"] for q in ctx.captured_queries)
            same = ""
            if args.check:
                seen = {}
                for plan in (selectors.SEARCH_INDEX, selectors.SEARCH_WALK):
                    selectors.search_plan = lambda term, *a, plan=plan, **k: plan
                    seen[plan] = [page_ids(client.get(f"{url}&p={p}").content.decode()) for p in (1, 2)]
                selectors.search_plan = chosen
                same = "yes" if seen[selectors.SEARCH_INDEX] == seen[selectors.SEARCH_WALK] else "NO"
                same += f" ({len(seen[selectors.SEARCH_WALK][0])}+{len(seen[selectors.SEARCH_WALK][1])} rows)"
            share = selectors.search_share(term)
            listed = all(t in selectors._bigram_stats("default")[0] for t in selectors._bigram_tokens(term))
            print(f"| {username} | {term} | {share if share is None else f'{share:.2%}'}{'' if listed else ' (sampled)'} "
                  f"| {'walk' if walked else 'index'} "
                  f"| {statistics.median(times):.1f} | {sql_ms:.1f} | {len(page_ids(body))} | {same} |", flush=True)


if __name__ == "__main__":
    main()
