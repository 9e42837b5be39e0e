"""Micro-benchmark: CPU time per row of the verifier's serialisation and hashing, the old
walk's way (a dict per row, ``format_time``, the content dict dumped with sorted keys)
against the new one (``chain.row_hash_from_text`` with the timestamp text as PostgreSQL
formats it). CPU time, so a busy machine does not distort it.

    .venv/bin/python benchmarks/audit/serialise.py
"""

import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from audit import chain  # noqa: E402

N = 100_000
FIELDS = ("seq", "at", "kind", "actor_id", "actor_name", "ip", "object_type", "object_id", "object_hash",
          "summary", "data", "prev_hash")


def make_rows():
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = []
    for seq in range(1, N + 1):
        data = {"grievance_id": seq // 3, "tracking_no": f"2026{seq:010d}", "action": "dispatched",
                "from_state": "accepted", "to_state": "dispatched", "unit_id": seq % 400}
        rows.append((seq, start + dt.timedelta(seconds=seq * 3), "grievance_event", seq % 5000 or None,
                     f"工作人员{seq % 5000}", "10.0.0.1", "grievances.grievanceevent", str(seq), "a" * 64,
                     f"2026{seq:010d} 分流交办", json.dumps(data), "b" * 64))
    return rows


def main():
    rows = make_rows()
    texts = [(r[0], chain.format_time(r[1]), *r[2:]) for r in rows]

    def old():
        for r in rows:
            row = dict(zip(FIELDS, (*r[:10], json.loads(r[10]), r[11]), strict=True))
            chain.row_hash(seq=row["seq"], at=row["at"], kind=row["kind"], actor_id=row["actor_id"],
                           actor=row["actor_name"], ip=row["ip"], object_type=row["object_type"],
                           object_id=row["object_id"], object_hash=row["object_hash"], summary=row["summary"],
                           data=row["data"], prev=row["prev_hash"])

    def new():
        for r in texts:
            chain.row_hash_from_text(seq=r[0], at_text=r[1], kind=r[2], actor_id=r[3], actor=r[4], ip=r[5],
                                     object_type=r[6], object_id=r[7], object_hash=r[8], summary=r[9],
                                     data=json.loads(r[10]), prev=r[11])

    for name, fn in (("old", old), ("new", new), ("old", old), ("new", new)):
        t0 = time.process_time()
        fn()
        print(f"{name}: {(time.process_time() - t0) / N * 1e6:.1f} µs CPU per row", flush=True)


if __name__ == "__main__":
    main()
