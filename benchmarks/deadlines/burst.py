"""Benchmark: a wave of deadlines falling due at the same minute (every "sign the same day"
deadline of a city falls due at 23:59), processed by worker processes as the scan hands it out.

Builds ``--open`` open grievances with clocks (benchmarks/deadlines/scan.py's SQL builder), of
which ``--due`` were dispatched nine days ago and are past their sign and completion deadlines:
each needs one automatic supervision order naming both, its event (with the clock, audit and
analysis listeners), ClockAction rows and outbox messages to the handler, the unit's leader and
the centre. Then:

1. the scan: ``claim_due_clocks`` (500 per statement) until nothing is due, timed;
2. the wave: ``--workers`` processes take the claimed ids in chunks of ``--chunk`` from a shared
   queue and run ``services.process_clocks`` (``--chunk 1`` runs ``process_clock`` per item, the
   old path); wall time from the first claim to the last commit;
3. checks: every due item has exactly one supervision order and nothing is left due.

Every appeal gets its analysis fact and rollup rows first (``rollups.rebuild``), as in a real
database, and each county's departments and centres have staff with phones (scan.py), so
the wave writes outbox rows (site, SMS, voice). Handing SMS/voice ids to the broker after
commit is counted, not run. Besides wall time, each worker reports its own CPU time and the
CPU time of its PostgreSQL backend (from /proc), per item: on a shared machine the wall time
follows the load, the CPU time per item does not. A bare Django "hello" view is timed in
this process (test client, full middleware stack) before and after the wave, as a yardstick
of the machine at that moment.

    createdb -h 127.0.0.1 -U root burst_bench
    DATABASE_URL=postgres://root@127.0.0.1:5432/burst_bench .venv/bin/python benchmarks/deadlines/burst.py \\
        --open 200000 --due 100000 --workers 2 --chunk 50
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "deadlines"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SMS_BACKEND", "file")
os.environ.setdefault("VOICE_BACKEND", "file")
os.environ.setdefault("SMS_FILE_PATH", "/tmp/burst_bench_sms.log")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a PostgreSQL backend so far (/proc, same machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker(queue, results, chunked: bool):
    import django

    django.setup()
    from django.db import connection

    from grid.notifications import services as outbox
    from grievances.deadlines import services

    # The outbox rows are written and committed here; handing their ids to the broker (one
    # publish per SMS/voice row) and sending them is the delivery workers' job, not the
    # wave's: counted, not run (with eager Celery it would send every SMS inline).
    published = []
    outbox.enqueue = published.extend
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    cpu0, db0 = time.process_time(), _backend_cpu(backend)
    done = items = 0
    while True:
        chunk = queue.get()
        if chunk is None:
            break
        if chunked:
            out = services.process_clocks(chunk)
            done += sum(len(v) for v in out.values())
        else:
            for pk in chunk:
                done += len(services.process_clock(pk))
        items += len(chunk)
    results.put({"items": items, "actions": done, "published": len(published),
                 "cpu_s": time.process_time() - cpu0, "db_cpu_s": _backend_cpu(backend) - db0})
    connection.close()


def _hello_ms(runs: int = 300) -> float:
    """p50 of a bare Django "hello" view through the full middleware stack, in this process
    (Django's test client): the machine's speed at this moment, beside the wave's figures."""
    import statistics
    import types

    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import path

    urls = types.ModuleType("burst_hello_urls")
    urls.urlpatterns = [path("__hello__/", lambda request: HttpResponse("hello"))]
    sys.modules[urls.__name__] = urls
    times = []
    with override_settings(ROOT_URLCONF=urls.__name__, ALLOWED_HOSTS=["*"]):
        client = Client()
        for _ in range(runs):
            t0 = time.perf_counter()
            client.get("/__hello__/")
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _facts():
    """Every appeal of a real database has its analysis fact and rollup rows (written from its
    first event on); scan.build writes appeals with SQL only, so build them (the rebuild)."""
    from django.db.models import Max, Min

    from analysis import rollups
    from analysis.facts import day_of
    from grievances.models import Grievance

    b = Grievance.objects.aggregate(lo=Min("created_at"), hi=Max("created_at"))
    t0 = time.perf_counter()
    appeals, rows = rollups.rebuild(day_of(b["lo"]), day_of(b["hi"]))
    print(f"facts and rollups: {appeals:,} appeals, {rows:,} rollup rows in {time.perf_counter() - t0:.0f} s",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=20_000, help="open grievances with clocks")
    parser.add_argument("--due", type=int, default=2_000, help="of which due now")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=50, help="items per task; 1 = the one-by-one path")
    args = parser.parse_args()

    os.environ["BENCH_ROWS"] = str(args.open)
    import scan  # noqa: E402 — django.setup() happens there
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from grievances.deadlines import services
    from grievances.deadlines.models import Clock
    from grievances.models import SupervisionOrder

    assert connection.vendor == "postgresql", "run against PostgreSQL"
    call_command("migrate", verbosity=0)
    scan.N, scan.DUE = args.open, args.due
    with connection.cursor() as cur:
        cur.execute("TRUNCATE deadlines_clock CASCADE")  # rebuild: the last run processed the wave
    scan.build()
    _facts()
    from grid.notifications.models import Message

    messages_before = Message.objects.count()
    connection.close()

    hello_before = _hello_ms()
    connection.close()
    ctx = mp.get_context("fork")
    queue, results = ctx.Queue(), ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(queue, results, args.chunk > 1)) for _ in range(args.workers)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    claims, claimed = [], 0
    while True:
        t0 = time.perf_counter()
        ids = services.claim_due_clocks(limit=500)
        claims.append((time.perf_counter() - t0) * 1000)
        for i in range(0, len(ids), args.chunk):
            queue.put(ids[i:i + args.chunk])
        claimed += len(ids)
        if len(ids) < 500:
            break
    for _ in workers:
        queue.put(None)
    totals = [results.get() for _ in workers]
    for w in workers:
        w.join()
    wall = time.perf_counter() - started

    load_after = os.getloadavg()
    hello_after = _hello_ms()
    connection.connect()
    orders = SupervisionOrder.objects.count()
    supervised = SupervisionOrder.objects.values("grievance_id").distinct().count()
    left = Clock.objects.filter(next_due__lte=timezone.now()).count()
    messages = Message.objects.count() - messages_before
    cpu = sum(t["cpu_s"] for t in totals)
    db_cpu = sum(t["db_cpu_s"] for t in totals)
    claims.sort()
    figures = {
        "open": args.open, "due": args.due, "workers": args.workers, "chunk": args.chunk,
        "claimed": claimed, "scan_statements": len(claims),
        "claim_ms_p50": round(claims[len(claims) // 2], 2), "claim_ms_max": round(claims[-1], 2),
        "processed": sum(t["items"] for t in totals), "actions": sum(t["actions"] for t in totals),
        "wall_s": round(wall, 1), "items_per_s": round(args.due / wall, 1),
        "supervision_orders": orders, "items_supervised": supervised, "left_due": left,
        "outbox_rows": messages, "outbox_ids_to_publish": sum(t["published"] for t in totals),
        "worker_cpu_ms_per_item": round(cpu * 1000 / args.due, 2),
        "db_backend_cpu_ms_per_item": round(db_cpu * 1000 / args.due, 2),
        "load_average": load_after,
        "hello_ms_p50_before_after": [round(hello_before, 3), round(hello_after, 3)],
        "cpu_ms_per_item_in_hellos": round((cpu + db_cpu) * 1000 / args.due / ((hello_before + hello_after) / 2), 1),
        "code": services.__file__,
    }
    print(json.dumps(figures))
    ok = claimed == args.due and orders == supervised == args.due and left == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
