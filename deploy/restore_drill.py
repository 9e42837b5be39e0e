"""Restore drill: prove that a base backup plus archived WAL brings back every appeal committed
before a chosen moment, and that the audit chain still verifies (docs/operations.md).

On one machine, on loopback, with the PostgreSQL binaries Debian installs:

1. a throw-away primary cluster with WAL archiving (archive_command copies to a folder),
2. the schema migrated and N appeals filled (benchmarks/grievances/pages.py's filler),
3. a base backup (pg_basebackup),
4. appeals keep being filed through the real service while the clock runs; a target moment T
   is taken in the middle; the WAL is switched so the archive holds everything,
5. a second cluster is restored from the base backup and the archive to T (point-in-time
   recovery) and promoted, and the time that takes is measured,
6. checks: every appeal whose commit was confirmed before T is there, none filed after T,
   migrations are applied, and ``manage.py verify_audit`` exits 0 on the restored copy.

Run as root (clusters are created for the ``postgres`` system user):

    .venv/bin/python deploy/restore_drill.py --appeals 10000
    .venv/bin/python deploy/restore_drill.py --appeals 1000000 --keep   # the figure in the docs

It prints one JSON object with the figures and exits non-zero when a check fails.
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

ROOT = Path(__file__).resolve().parents[1]


def pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        sys.exit("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return versions[-1].parent


def as_postgres(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
    return subprocess.run(command, check=check, capture_output=True, text=True, **kwargs)


class Cluster:
    def __init__(self, bin_dir: Path, data: Path, port: int, socket_dir: Path):
        self.bin, self.data, self.port, self.socket_dir = bin_dir, data, port, socket_dir

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/drill"

    def start(self) -> None:
        as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "server.log"),
                    "-w", "-t", "3600", "start")

    def stop(self) -> None:
        as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def sql(self, statement: str, db: str = "drill") -> str:
        out = as_postgres(str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-d", db,
                          "-XAtqc", statement)
        return out.stdout.strip()


def prepare(work: Path) -> None:
    if work.exists():
        shutil.rmtree(work)
    for sub in ("wal", "sock"):
        (work / sub).mkdir(parents=True)
    shutil.chown(work, "postgres", "postgres") if os.geteuid() == 0 else None
    for sub in ("wal", "sock"):
        shutil.chown(work / sub, "postgres", "postgres") if os.geteuid() == 0 else None


def make_primary(bin_dir: Path, work: Path, port: int) -> Cluster:
    data = work / "primary"
    as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--locale=C.UTF-8")
    wal = work / "wal"
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{work / 'sock'}'\n"
            "wal_level = replica\narchive_mode = on\n"
            f"archive_command = 'test ! -f {wal}/%f && cp %p {wal}/%f'\n"
            "archive_timeout = 60\nmax_wal_senders = 4\nfsync = on\nsynchronous_commit = on\n"
            "shared_buffers = 256MB\nmax_wal_size = 4GB\n"
        )
    cluster = Cluster(bin_dir, data, port, work / "sock")
    cluster.start()
    cluster.sql("CREATE DATABASE drill", db="postgres")
    return cluster


def django_env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "REDIS_URL": "", "CELERY_TASK_ALWAYS_EAGER": "true",
            "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING",
            "AUDIT_HMAC_KEY": os.environ.get("AUDIT_HMAC_KEY", "drill-key-" + "x" * 32)}


def fill(url: str, appeals: int) -> float:
    started = time.perf_counter()
    code = (
        "import sys; sys.argv=['pages']; sys.path.insert(0, 'benchmarks/grievances');"
        "import pages; pages.ensure_base(); pages.fill(%d)" % appeals
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=django_env(url), check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


WRITER = r"""
import json, sys, time
import django
django.setup()
from django.db import connection
from grid.models import Region, User
from grievances.models import Category, GrievanceKind
from grievances import services

seconds = float(sys.argv[1])
village = Region.objects.filter(level=5).order_by("code").first()
citizen = User.objects.filter(role="citizen").order_by("pk").first()
cat = Category.objects.order_by("pk").first()
out = []
end = time.monotonic() + seconds
i = 0
while time.monotonic() < end:
    i += 1
    g = services.submit_grievance(actor=citizen, kind=GrievanceKind.DISPUTE, region=village,
                                  title=f"演练诉求{i}", description="恢复演练期间写入的诉求。", category=cat)
    # The commit happened inside submit_grievance; the server clock read now is after it.
    with connection.cursor() as cur:
        cur.execute("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")
        confirmed = cur.fetchone()[0]
    out.append({"id": g.pk, "tracking_no": g.tracking_no, "confirmed": confirmed})
print(json.dumps(out))
"""


def write_appeals(url: str, seconds: float) -> list[dict]:
    result = subprocess.run([sys.executable, "-c", WRITER, str(seconds)], cwd=ROOT, env=django_env(url),
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def restore(bin_dir: Path, work: Path, base: Path, target: str, port: int) -> tuple[Cluster, float]:
    started = time.perf_counter()
    data = work / "restored"
    as_postgres("cp", "-a", str(base), str(data))
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {port}\narchive_mode = off\n"
            f"restore_command = 'cp {work / 'wal'}/%f %p'\n"
            f"recovery_target_time = '{target}+00'\nrecovery_target_action = 'promote'\n"
        )
    as_postgres("touch", str(data / "recovery.signal"))
    cluster = Cluster(bin_dir, data, port, work / "sock")
    cluster.start()
    deadline = time.monotonic() + 3600
    while cluster.sql("SELECT pg_is_in_recovery()", db="postgres") != "f":
        if time.monotonic() > deadline:
            raise SystemExit("restored cluster did not finish recovery in an hour")
        time.sleep(0.5)
    return cluster, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=10_000, help="appeals in the database before the backup")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/zongzhi-restore-drill"))
    parser.add_argument("--port", type=int, default=5491, help="primary port; the restored copy uses port+1")
    parser.add_argument("--write-seconds", type=float, default=20, help="writes before and after the target")
    parser.add_argument("--keep", action="store_true", help="leave both clusters' files for inspection")
    args = parser.parse_args()

    bin_dir = pg_bin()
    work = args.workdir.resolve()
    prepare(work)
    figures: dict = {"appeals_before_backup": args.appeals}
    primary = make_primary(bin_dir, work, args.port)
    restored = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT,
                       env=django_env(primary.url), check=True)
        figures["fill_seconds"] = round(fill(primary.url, args.appeals), 1)
        figures["database_bytes"] = int(primary.sql("SELECT pg_database_size('drill')"))

        started = time.perf_counter()
        as_postgres(str(bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(args.port), "-U", "postgres",
                    "-D", str(work / "base"), "-X", "stream", "-c", "fast")
        figures["base_backup_seconds"] = round(time.perf_counter() - started, 1)

        before = write_appeals(primary.url, args.write_seconds)
        target = primary.sql("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                             "'YYYY-MM-DD HH24:MI:SS.US')")
        time.sleep(0.5)
        after = write_appeals(primary.url, args.write_seconds)
        primary.sql("SELECT pg_switch_wal()")
        last_wal = primary.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
        deadline = time.monotonic() + 120
        while primary.sql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") < last_wal:
            if time.monotonic() > deadline:
                raise SystemExit("WAL archiving did not catch up in 2 minutes")
            time.sleep(0.5)
        primary.stop()  # the "lost" machine

        restored, restore_seconds = restore(bin_dir, work, work / "base", target, args.port + 1)
        figures["restore_seconds"] = round(restore_seconds, 1)
        target_iso = target.replace(" ", "T")
        confirmed_before = [row["id"] for row in before if row["confirmed"] < target_iso]
        present = set()
        ids = [row["id"] for row in before + after]
        for chunk in range(0, len(ids), 1000):
            part = ",".join(str(i) for i in ids[chunk:chunk + 1000])
            out = restored.sql(f"SELECT id FROM grievances_grievance WHERE id IN ({part})")
            present |= {int(x) for x in out.split()} if out else set()
        lost = [i for i in confirmed_before if i not in present]
        after_present = [row["id"] for row in after if row["id"] in present]
        figures.update({
            "target_time_utc": target, "filed_before_target": len(before), "filed_after_target": len(after),
            "lost_before_target": len(lost), "present_after_target": len(after_present),
            "appeals_restored": int(restored.sql("SELECT count(*) FROM grievances_grievance")),
        })
        # The benchmark filler writes its synthetic events with SQL, around the service layer,
        # so they have no audit rows by design: the chain itself is verified in full.
        check = subprocess.run([sys.executable, "manage.py", "verify_audit", "--skip-events"], cwd=ROOT,
                               env=django_env(restored.url), capture_output=True, text=True)
        figures["verify_audit_exit"] = check.returncode
        figures["verify_audit_output"] = (check.stdout + check.stderr).strip().splitlines()[-1:] or [""]
        migrations = subprocess.run([sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT,
                                    env=django_env(restored.url), capture_output=True, text=True)
        figures["migrations_applied"] = migrations.returncode == 0
    finally:
        primary.stop()
        if restored:
            restored.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False))
    ok = (figures.get("lost_before_target") == 0 and figures.get("present_after_target") == 0
          and figures.get("verify_audit_exit") == 0 and figures.get("migrations_applied"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
