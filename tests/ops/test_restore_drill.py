"""The restore drill runs on this machine: base backup, appeals filed meanwhile, point-in-time
restore into a second cluster, nothing committed before the target lost, the audit chain
verifies (deploy/restore_drill.py; figures at 1 M in docs/operations.md)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HAVE_SERVER = bool(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")))


@pytest.mark.skipif(not (os.environ.get("DATABASE_URL") and HAVE_SERVER and shutil.which("runuser")
                         and os.geteuid() == 0),
                    reason="runs in CI (root, PostgreSQL server binaries, DATABASE_URL set)")
def test_point_in_time_restore_keeps_every_appeal_committed_before_the_target(tmp_path):
    work = Path("/tmp") / f"zongzhi-drill-test-{os.getpid()}"
    result = subprocess.run(
        [sys.executable, "deploy/restore_drill.py", "--appeals", "2000", "--write-seconds", "4",
         "--workdir", str(work), "--port", "5495"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["filed_before_target"] > 0 and figures["filed_after_target"] > 0
    assert figures["lost_before_target"] == 0 and figures["present_after_target"] == 0
    assert figures["verify_audit_exit"] == 0 and figures["migrations_applied"] is True
    assert not work.exists()
