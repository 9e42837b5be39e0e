"""A named service that cannot be reached fails the run; it is never skipped."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pytest_with(env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/grid/test_smoke.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_unreachable_redis_fails_the_run():
    result = _pytest_with({"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.returncode != 0
    assert "REDIS_URL is set but Redis is unreachable" in result.stdout + result.stderr


def test_unreachable_postgresql_fails_the_run():
    result = _pytest_with({"DATABASE_URL": "postgres://root@127.0.0.1:1/test"})
    assert result.returncode != 0
    assert "DATABASE_URL is set but PostgreSQL is unreachable" in result.stdout + result.stderr
