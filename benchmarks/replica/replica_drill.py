"""A real PostgreSQL streaming replica on loopback, and proof that grid/replica.py routes right.

1. a throw-away primary cluster (deploy/restore_drill.py's), migrated and filled with N appeals;
2. a streaming replica made with ``pg_basebackup -R`` into a second cluster on another port;
3. checks, run by Django with ``DATABASE_URL`` (primary) and ``DATABASE_REPLICA_URL`` (replica):
   * a report's figures and the dashboard are read from the replica;
   * a client that has just written (a login) reads the dashboard from the primary, and so does
     the rest of a unit of work after it writes an appeal;
   * with replay paused on the replica and a write on the primary, the lag passes
     ``REPLICA_MAX_LAG_SECONDS`` and heavy reads go to the primary; after resuming, back to the
     replica;
   * with the replica stopped, pages still answer (200) from the primary;
4. the replica's lag after a burst of writes is measured.

Run as root (clusters are created for the ``postgres`` system user):

    .venv/bin/python benchmarks/replica/replica_drill.py --appeals 2000

It prints one JSON object with the figures and exits non-zero when a check fails. The settings
for a real deployment are in docs/deployment.md ("Read replica").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))

from restore_drill import Cluster, as_postgres, django_env, fill, make_primary, pg_bin, prepare  # noqa: E402

CHECKER = r"""
import json, os, subprocess, sys, time
import django
django.setup()
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from analysis import reports, selectors
from grid import replica
from grid.models import Region, Role, User
from grievances.models import Category, GrievanceKind
from grievances import services

results = {}
primary, standby = connections["default"], connections["replica"]


def where(fn, replica_up=True):
    # Which connection(s) the callable's queries went to. (Capturing opens a connection, so a
    # replica that is down is not captured: a query sent to it would fail the call instead.)
    if not replica_up:
        with CaptureQueriesContext(primary) as p:
            fn()
        return {"primary": len(p), "replica": 0}
    with CaptureQueriesContext(primary) as p, CaptureQueriesContext(standby) as r:
        fn()
    # The router's own lag probes are not reads of the page.
    reads = [q for q in r.captured_queries if "pg_is_in_recovery" not in q["sql"]]
    return {"primary": len(p), "replica": len(reads), "probes": len(r) - len(reads)}


province = Region.objects.order_by("level", "code").first()
admin = User.objects.create_user(username="drill-admin", password="Drill-2026-replica", role=Role.ADMIN,
                                 is_staff=True, is_superuser=True)
replica.start_unit_of_work()

# 1. Heavy reads on the replica.
start, end = reports.period_of("monthly", __import__("datetime").date.today())
results["report_figures"] = where(lambda: reports.compute_figures("monthly", province, start, end))
scope = selectors.scope_for(admin, None)
period = selectors.period_for("year")
results["dashboard_selector"] = where(lambda: selectors.dashboard(scope, period))

# 2. Own writes: a unit of work that wrote reads the primary from then on.
village = Region.objects.filter(level=5).order_by("code").first()
citizen = User.objects.filter(role="citizen").order_by("pk").first()
cat = Category.objects.order_by("pk").first()
g = services.submit_grievance(actor=citizen, kind=GrievanceKind.DISPUTE, region=village,
                              title="副本演练诉求", description="写入后立即读取应走主库。", category=cat)
results["after_own_write"] = where(lambda: selectors.dashboard(scope, period))
replica.start_unit_of_work()

# ... and a client that has just logged in (a write) is pinned to the primary by cookie.
client = Client()
resp = client.post("/accounts/login/", {"username": "drill-admin", "password": "Drill-2026-replica"})
results["login_status"] = resp.status_code
results["pin_cookie_set"] = replica.PIN_COOKIE in resp.cookies
results["dashboard_pinned"] = where(lambda: client.get("/analysis/"))
client.cookies.pop(replica.PIN_COOKIE, None)
holder = {}
results["dashboard_unpinned"] = where(lambda: holder.setdefault("r", client.get("/analysis/")))
results["dashboard_unpinned_status"] = holder["r"].status_code

# 3. Lag: pause replay, write, wait past the limit.
replica_url = os.environ["DATABASE_REPLICA_URL"]
def replica_sql(sql):
    with standby.cursor() as cur:
        cur.execute(sql)
replica_sql("SELECT pg_wal_replay_pause()")
services.submit_grievance(actor=citizen, kind=GrievanceKind.DISPUTE, region=village,
                          title="副本延迟演练", description="回放暂停期间写入。", category=cat)
replica.start_unit_of_work()
time.sleep(float(os.environ["REPLICA_MAX_LAG_SECONDS"]) + 1.5)
results["lagging"] = where(lambda: selectors.dashboard(scope, period))
results["lag_seen"] = replica.health.lag
replica_sql("SELECT pg_wal_replay_resume()")
time.sleep(1.0)
results["caught_up"] = where(lambda: selectors.dashboard(scope, period))

# 4. Replica down: pages answer from the primary.
standby.close()
subprocess.run(json.loads(os.environ["DRILL_STOP_REPLICA"]), check=True, capture_output=True)
time.sleep(0.5)
replica.health.reset()
holder.clear()
results["down"] = where(lambda: holder.setdefault("r", client.get("/analysis/")), replica_up=False)
results["down_status"] = holder["r"].status_code
print(json.dumps(results))
"""


def make_replica(bin_dir: Path, work: Path, primary: Cluster, port: int) -> Cluster:
    data = work / "replica"
    as_postgres(str(bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                "-D", str(data), "-X", "stream", "-R", "-c", "fast")
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(f"\nport = {port}\narchive_mode = off\nhot_standby = on\n")
    cluster = Cluster(bin_dir, data, port, work / "sock")
    cluster.start()
    return cluster


def wait_caught_up(primary: Cluster, replica: Cluster, timeout: float = 120) -> float:
    started = time.perf_counter()
    target = primary.sql("SELECT pg_current_wal_lsn()", db="postgres")
    while time.perf_counter() - started < timeout:
        if replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", db="postgres") == "t":
            return time.perf_counter() - started
        time.sleep(0.05)
    raise SystemExit("replica did not catch up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=2000)
    parser.add_argument("--workdir", default="/tmp/zongzhi-replica-drill")
    parser.add_argument("--port", type=int, default=5497, help="primary port; the replica uses port+1")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    bin_dir, work = pg_bin(), Path(args.workdir)
    prepare(work)
    primary = make_primary(bin_dir, work, args.port)
    replica = None
    figures: dict = {"appeals": args.appeals}
    try:
        figures["fill_seconds"] = round(fill(primary.url, args.appeals), 1)
        started = time.perf_counter()
        replica = make_replica(bin_dir, work, primary, args.port + 1)
        figures["replica_setup_seconds"] = round(time.perf_counter() - started, 1)
        figures["catch_up_seconds"] = round(wait_caught_up(primary, replica), 3)
        figures["replica_in_recovery"] = replica.sql("SELECT pg_is_in_recovery()", db="postgres") == "t"

        stop = [*(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []),
                str(bin_dir / "pg_ctl"), "-D", str(replica.data), "-m", "immediate", "-w", "stop"]
        env = {**django_env(primary.url), "DATABASE_REPLICA_URL": replica.url,
               "REPLICA_MAX_LAG_SECONDS": "1", "REPLICA_CHECK_SECONDS": "0", "REPLICA_RETRY_SECONDS": "30",
               "DRILL_STOP_REPLICA": json.dumps(stop)}
        result = subprocess.run([sys.executable, "-c", CHECKER], cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-5000:], file=sys.stderr)
            raise SystemExit("the routing checks crashed")
        checks = json.loads(result.stdout.strip().splitlines()[-1])
        figures["checks"] = checks
        ok = {
            "report_read_on_replica": checks["report_figures"]["replica"] > 0 and checks["report_figures"]["primary"] == 0,
            "dashboard_on_replica": checks["dashboard_selector"]["replica"] > 0,
            "own_write_reads_primary": checks["after_own_write"]["replica"] == 0,
            "login_pins_by_cookie": checks["pin_cookie_set"] and checks["dashboard_pinned"]["replica"] == 0,
            "unpinned_page_on_replica": checks["dashboard_unpinned"]["replica"] > 0
            and checks["dashboard_unpinned_status"] == 200,
            "lagging_replica_skipped": checks["lagging"]["replica"] == 0 and checks["lagging"]["primary"] > 0 and (checks["lag_seen"] or 0) > 1,
            "caught_up_replica_used": checks["caught_up"]["replica"] > 0,
            "down_replica_skipped": checks["down_status"] == 200 and checks["down"]["primary"] > 0,
        }
        figures["ok"] = ok
        print(json.dumps(figures, ensure_ascii=False))
        return 0 if all(ok.values()) else 1
    finally:
        if replica is not None:
            replica.stop()
        primary.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
