"""Through PgBouncer in transaction mode (docs/deployment.md, "Connection pooling"): the loop's
services, concurrent transitions, the deadline scan's chunks, the outbox and the streamed
exports pass unchanged with ``DATABASE_POOLER_TRANSACTION_MODE=true``.

Runs in CI (PostgreSQL and Debian's ``pgbouncer``, which .ci/run installs): a PgBouncer is
started on a loopback port in front of the suite's PostgreSQL, and a representative part of
the suite runs through it in a child pytest."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
SUBSET = [
    "tests/grievances/test_services.py",
    "tests/grievances/test_concurrency.py",
    "tests/deadlines/test_clocks.py",
    "tests/deadlines/test_batch.py",
    "tests/notifications/test_outbox.py",
    "tests/analysis/test_boundaries_exports.py",
]


def _run_as_postgres(args):
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.mark.skipif(not (os.environ.get("DATABASE_URL", "").startswith("postgres") and PGBOUNCER),
                    reason="runs in CI (PostgreSQL and pgbouncer)")
def test_the_core_suite_passes_through_pgbouncer_in_transaction_mode(tmp_path):
    db = urlparse(os.environ["DATABASE_URL"])
    work = Path("/tmp") / f"zongzhi-pgbouncer-{os.getpid()}"
    work.mkdir(mode=0o755)
    port = 6493
    (work / "users.txt").write_text(f'"{db.username or "root"}" ""\n')
    (work / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={db.hostname or '127.0.0.1'} port={db.port or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {work / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 20\nmax_client_conn = 200\n"
        "ignore_startup_parameters = extra_float_digits,options\nserver_idle_timeout = 2\n"
        f"logfile = {work / 'pgbouncer.log'}\npidfile = {work / 'pgbouncer.pid'}\n")
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
        for f in work.iterdir():
            shutil.chown(f, "postgres")
    subprocess.run(_run_as_postgres([PGBOUNCER, "-d", str(work / "pgbouncer.ini")]), check=True)
    try:
        for _ in range(50):
            if (work / "pgbouncer.pid").exists():
                break
            time.sleep(0.1)
        url = f"postgres://{db.username or 'root'}@127.0.0.1:{port}/pgbouncer_suite"
        env = {**os.environ, "DATABASE_URL": url, "DATABASE_POOLER_TRANSACTION_MODE": "true", "CONN_MAX_AGE": "0"}
        env.pop("PYTEST_XDIST_WORKER", None)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:randomly", *SUBSET],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
        tail = result.stdout[-3000:] + result.stderr[-2000:]
        assert result.returncode == 0, tail
        assert " passed" in result.stdout and " failed" not in result.stdout, tail
    finally:
        pid = (work / "pgbouncer.pid").read_text().strip() if (work / "pgbouncer.pid").exists() else ""
        if pid:
            subprocess.run(["kill", pid], check=False)
        shutil.rmtree(work, ignore_errors=True)
