"""Benchmark: statements and time per due item, one by one (``process_clock``) beside chunks of
50 (``process_clocks``), in the same run on the same kind of items (benchmarks/README.md,
"A wave of deadlines at the same minute").

    createdb -h 127.0.0.1 -U root burst_bench
    DATABASE_URL=postgres://root@127.0.0.1:5432/burst_bench .venv/bin/python benchmarks/deadlines/statements.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ["BENCH_ROWS"] = "3000"


def main() -> None:
    import scan  # sets Django up
    from django.db import connection

    from grievances.deadlines import services

    scan.N, scan.DUE = 3000, 200
    with connection.cursor() as cur:
        cur.execute("TRUNCATE deadlines_clock CASCADE")
    scan.build()
    ids = services.claim_due_clocks()

    def singles(part):
        for pk in part:
            services.process_clock(pk)

    def chunks(part):
        for k in range(0, len(part), 50):
            services.process_clocks(part[k:k + 50])

    for label, part, run in (("one by one", ids[:100], singles), ("chunks of 50", ids[100:200], chunks)):
        timer = scan.QueryTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            run(part)
        wall = (time.perf_counter() - started) * 1000 / len(part)
        print(f"{label}: {timer.count / len(part):.1f} statements/item, wall {wall:.1f} ms/item, "
              f"db {timer.total / len(part):.1f} ms/item")


if __name__ == "__main__":
    main()
