"""Benchmark: statements, time and CPU per due item, one by one (``process_clock``) beside chunks
of 50 (``process_clocks``), in the same run on the same kind of items (benchmarks/README.md,
"A wave of deadlines at the same minute").

Each due item is overdue for signing and completion: one supervision order naming both, its
event with the clocks, audit, analysis and Open311 listeners, two ClockActions, outbox rows to
the handler, the unit's leader and the centre (scan.py gives every unit staff with phones).
Every appeal has its analysis fact first (``rollups.rebuild``), as in a real database. Handing
SMS ids to the broker after commit is counted, not run (eager Celery would send them inline).
CPU is this process's and its PostgreSQL backend's (/proc): unlike wall time it does not grow
with the load of a shared machine.

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


def _backend_cpu_ms(connection) -> float:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def main() -> None:
    import scan  # sets Django up
    from django.db import connection
    from django.db.models import Max, Min

    from analysis import rollups
    from analysis.facts import day_of
    from grid.notifications import services as outbox
    from grievances.deadlines import services
    from grievances.models import Grievance

    scan.N, scan.DUE = 3000, 400
    with connection.cursor() as cur:
        cur.execute("TRUNCATE deadlines_clock CASCADE")
    scan.build()
    b = Grievance.objects.aggregate(lo=Min("created_at"), hi=Max("created_at"))
    rollups.rebuild(day_of(b["lo"]), day_of(b["hi"]))
    outbox.enqueue = lambda ids: None
    ids = services.claim_due_clocks()

    def singles(part):
        for pk in part:
            services.process_clock(pk)

    def chunks(part):
        for k in range(0, len(part), 50):
            services.process_clocks(part[k:k + 50])

    # ABAB: two rounds of each, alternating, so the machine's load hits both alike.
    rounds = (("one by one", ids[:100], singles), ("chunks of 50", ids[100:200], chunks),
              ("one by one", ids[200:300], singles), ("chunks of 50", ids[300:400], chunks))
    totals: dict[str, list[float]] = {}
    for label, part, run in rounds:
        timer = scan.QueryTimer()
        db0, c0, t0 = _backend_cpu_ms(connection), time.process_time(), time.perf_counter()
        with connection.execute_wrapper(timer):
            run(part)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        db_cpu = _backend_cpu_ms(connection) - db0
        t = totals.setdefault(label, [0, 0, 0, 0, 0, 0])
        for i, v in enumerate((len(part), timer.count, wall * 1000, timer.total, cpu * 1000, db_cpu)):
            t[i] += v
    for label, (n, count, wall, db, cpu, db_cpu) in totals.items():
        print(f"{label}: {count / n:.1f} statements/item, wall {wall / n:.1f} ms/item ({n * 1000 / wall:.1f} items/s), "
              f"in the driver {db / n:.1f} ms/item; CPU per item: worker {cpu / n:.2f} ms + PostgreSQL backend "
              f"{db_cpu / n:.2f} ms = {(cpu + db_cpu) / n:.2f} ms")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
