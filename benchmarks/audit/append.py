"""Benchmark: what one audit-trail append costs, beside a bare INSERT and a bare hello view.

In the same run, each measured ROUNDS times after a warm-up:

- a bare Django "hello" view through the test client (middleware, URL resolving, response);
- a bare INSERT of an audit-shaped row (same columns and indexes, no chain) in its own
  transaction: the floor any logging table pays;
- ``audit.services.append`` in its own transaction: lock the chain head, hash, INSERT the
  row, UPDATE the head, commit;
- a bare INSERT and an append in one transaction (the usual case: the append rides in the
  transaction of the event it records);
- then THREADS threads at once doing each of the two writes, for the throughput when appends
  queue on the chain head lock.

    DATABASE_URL=postgres://root@127.0.0.1:5432/h_audit .venv/bin/python benchmarks/audit/append.py
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 2000))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
PER_THREAD = int(os.environ.get("BENCH_PER_THREAD", 500))
DATA = {"grievance_id": 123456, "tracking_no": "20261128000123", "action": "dispatched",
        "from_state": "accepted", "to_state": "dispatched", "unit_id": 42}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def timed(fn, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e6)
    return out


def report(name, micros):
    print(f"| {name} | {statistics.median(micros):.0f} µs | {pct(micros, 0.95):.0f} µs |")


def main():
    assert connection.vendor == "postgresql", "run against PostgreSQL (DATABASE_URL)"
    call_command("migrate", verbosity=0)
    from audit import services
    from audit.models import AuditKind

    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_bare_insert")
        c.execute("CREATE TABLE bench_bare_insert (LIKE audit_auditentry INCLUDING ALL)")
    counter = iter(range(1, 10**9))
    lock = threading.Lock()

    def bare_insert():
        with lock:
            seq = next(counter)
        with transaction.atomic(), connection.cursor() as c:
            c.execute(
                "INSERT INTO bench_bare_insert (seq, at, kind, actor_id, actor_name, ip, object_type, object_id,"
                " object_hash, summary, data, prev_hash, row_hash) VALUES (%s, now(), %s, %s, %s, %s, %s, %s, %s,"
                " %s, %s::jsonb, %s, %s)",
                [seq, "grievance_event", 7, "东湖区中心王", "192.0.2.10", "grievances.grievanceevent", str(seq),
                 "a" * 64, "20261128000123 分流交办", '{"action": "dispatched"}', "b" * 64, "c" * 64])

    def append():
        services.append(kind=AuditKind.GRIEVANCE_EVENT, summary="20261128000123 分流交办", ip="192.0.2.10",
                        object_type="grievances.grievanceevent", object_id="1", object_hash="a" * 64, data=DATA)

    def bare_insert_and_append():
        # The usual case: the append rides in the transaction of the write it records.
        with transaction.atomic():
            bare_insert()
            append()

    with override_settings(ROOT_URLCONF="benchmarks.audit.hello_urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()

        def hello():
            assert client.get("/hello/").status_code == 200

        for fn in (hello, bare_insert, append, bare_insert_and_append):
            timed(fn, 200)  # warm-up
        results = {"hello": timed(hello, ROUNDS), "bare": timed(bare_insert, ROUNDS), "append": timed(append, ROUNDS),
                   "both": timed(bare_insert_and_append, ROUNDS)}

    from audit.models import ChainHead

    print(f"\nPostgreSQL {connection.pg_version // 10000}, {ROUNDS} rounds each, audit chain now "
          f"{ChainHead.objects.get(pk=1).seq:,} rows\n")
    print("| operation (one at a time) | p50 | p95 |\n|---|---:|---:|")
    report("bare hello view (test client)", results["hello"])
    report("bare INSERT of an audit-shaped row, own transaction", results["bare"])
    report("audit append (lock head, hash, INSERT, UPDATE head), own transaction", results["append"])
    report("bare INSERT + audit append in one transaction", results["both"])

    def burst(fn):
        barrier = threading.Barrier(THREADS)
        errors = []

        def run():
            try:
                barrier.wait()
                for _ in range(PER_THREAD):
                    fn()
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(THREADS)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        return THREADS * PER_THREAD / (time.perf_counter() - t0)

    print(f"\n| {THREADS} threads at once, {PER_THREAD} each | rows/s |\n|---|---:|")
    print(f"| bare INSERT | {burst(bare_insert):,.0f} |")
    print(f"| audit append | {burst(append):,.0f} |")
    if os.environ.get("BENCH_SKIP_VERIFY") != "1":  # set on a 10 M-row table: the walk is verify.py's job
        from audit import verify

        assert verify.walk(check_events=False).ok
    with connection.cursor() as c:
        c.execute("DROP TABLE bench_bare_insert")


if __name__ == "__main__":
    main()
