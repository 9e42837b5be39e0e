"""Benchmark: ``verify_audit`` over a large chain on PostgreSQL.

Empties the audit table of the configured database (TRUNCATE), writes N valid chained rows
with COPY (hashes computed here with audit.chain, exactly as appends compute them; rows are
audit-shaped: a grievance-event summary, an IP, a small JSON object), sets the chain head,
then times ``verify.walk`` (what ``manage.py verify_audit`` runs) with each ``--workers``
count and reports rows/s and the peak memory of the process (it streams: one server-side
cursor per segment).
The rows reference no real grievance events, so event re-hashing is not part of this run
(``--skip-events``); tests/audit covers that path.

    DATABASE_URL=postgres://root@127.0.0.1:5432/h_audit .venv/bin/python benchmarks/audit/verify.py --rows 1000000
    … --reuse --workers 1,2    (time the verifier again on what is there)
"""

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

COLUMNS = ("seq", "at", "kind", "actor_id", "actor_name", "ip", "object_type", "object_id", "object_hash",
           "summary", "data", "prev_hash", "row_hash")


def fill(n: int) -> float:
    from audit import chain

    with connection.cursor() as c:
        c.execute("TRUNCATE audit_auditentry, audit_chainhead")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    prev = chain.GENESIS
    t0 = time.perf_counter()
    raw = connection.connection  # the psycopg connection
    with raw.cursor() as cur, cur.copy(f"COPY audit_auditentry ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for seq in range(1, n + 1):
            at = start + dt.timedelta(seconds=seq * 3)
            data = {"grievance_id": seq // 3, "tracking_no": f"2026{seq:010d}", "action": "dispatched",
                    "from_state": "accepted", "to_state": "dispatched", "unit_id": seq % 400}
            fields = dict(at=at, kind="grievance_event", actor_id=seq % 5000 or None, actor=f"工作人员{seq % 5000}",
                          ip=f"10.{seq % 200}.{seq % 250}.{seq % 240}", object_type="grievances.grievanceevent",
                          object_id=str(seq), object_hash=chain.sha256_hex(str(seq).encode()),
                          summary=f"2026{seq:010d} 分流交办", data=data)
            row_hash = chain.row_hash(seq=seq, prev=prev, **fields)
            copy.write_row((seq, at, fields["kind"], fields["actor_id"], fields["actor"], fields["ip"],
                            fields["object_type"], fields["object_id"], fields["object_hash"], fields["summary"],
                            json.dumps(data, ensure_ascii=False), prev, row_hash))
            prev = row_hash
            if seq % 1_000_000 == 0:
                print(f"  … {seq:,} rows written, {time.perf_counter() - t0:.0f} s", flush=True)
    with connection.cursor() as c:
        c.execute("INSERT INTO audit_chainhead (id, seq, row_hash) VALUES (1, %s, %s)", [n, prev])
        c.execute("ANALYZE audit_auditentry")
        c.execute("SELECT pg_size_pretty(pg_total_relation_size('audit_auditentry'))")
        print(f"  table with indexes: {c.fetchone()[0]}")
    raw.commit()
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="verify what is there, do not refill")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts to time, e.g. 1,2,4")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "run against PostgreSQL (DATABASE_URL)"
    call_command("migrate", verbosity=0)
    from audit import verify

    if not args.reuse:
        seconds = fill(args.rows)
        print(f"filled {args.rows:,} chained rows with COPY in {seconds:.0f} s")
    for workers in [int(w) for w in args.workers.split(",")]:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        report = verify.walk(check_events=False, workers=workers)
        seconds = time.perf_counter() - t0
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert report.ok, report.problem
        print(f"verify, {workers} worker(s): {report.rows:,} rows in {seconds:.1f} s = "
              f"{report.rows / seconds:,.0f} rows/s; peak RSS of the parent {rss_before / 1024:.0f} MiB before, "
              f"{rss_after / 1024:.0f} MiB after; load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
