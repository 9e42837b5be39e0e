"""Heavy reads on a streaming replica (grid/replica.py): routing rules, and a real replica in CI."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from grid import replica

ROOT = Path(__file__).resolve().parents[2]
HAVE_SERVER = bool(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")))


@pytest.fixture
def fresh_replica(monkeypatch):
    """Pretend a fresh replica is configured (the real one is exercised by the drill below)."""
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica.health, "is_usable", lambda: True)
    replica.start_unit_of_work()
    yield
    replica.start_unit_of_work()


def test_without_a_replica_everything_reads_the_primary():
    replica.start_unit_of_work()
    with replica.heavy_reads():
        assert replica.read_alias() == "default"
        assert replica.ReplicaRouter().db_for_read(None) is None
    assert replica.heavy_alias() == "default"


def test_only_heavy_reads_go_to_a_fresh_replica(fresh_replica):
    router = replica.ReplicaRouter()
    assert router.db_for_read(None) is None  # an ordinary page read
    with replica.heavy_reads():
        assert router.db_for_read(None) == replica.REPLICA
    assert router.allow_migrate(replica.REPLICA, "grievances") is False
    assert router.allow_migrate("default", "grievances") is True


def test_a_unit_of_work_that_wrote_reads_its_own_writes_from_the_primary(fresh_replica):
    router = replica.ReplicaRouter()
    assert router.db_for_write(None) == "default"
    with replica.heavy_reads():
        assert router.db_for_read(None) is None
    replica.start_unit_of_work()  # the next request or task starts unpinned
    with replica.heavy_reads():
        assert router.db_for_read(None) == replica.REPLICA


def test_a_client_that_just_wrote_is_pinned_to_the_primary_by_cookie(fresh_replica):
    seen = {}

    def view(request):
        with replica.heavy_reads():
            seen[request.method] = replica.read_alias()
        if request.method == "POST":
            replica.ReplicaRouter().db_for_write(None)  # the view saved something
        return HttpResponse("ok")

    middleware = replica.ReplicaPinMiddleware(view)
    factory = RequestFactory()
    response = middleware(factory.post("/x/"))
    assert seen["POST"] == "default"
    assert response.cookies[replica.PIN_COOKIE]["max-age"] > 0

    pinned = factory.get("/dashboard/")
    pinned.COOKIES[replica.PIN_COOKIE] = "1"
    middleware(pinned)
    assert seen["GET"] == "default"

    response = middleware(factory.get("/dashboard/"))
    assert seen["GET"] == replica.REPLICA
    assert replica.PIN_COOKIE not in response.cookies


@pytest.mark.skipif(not (os.environ.get("DATABASE_URL") and HAVE_SERVER and shutil.which("runuser")
                         and os.geteuid() == 0),
                    reason="runs in CI (root, PostgreSQL server binaries, DATABASE_URL set)")
def test_a_real_streaming_replica_takes_reports_and_is_skipped_when_lagging_or_down():
    work = Path("/tmp") / f"zongzhi-replica-test-{os.getpid()}"
    result = subprocess.run(
        [sys.executable, "benchmarks/replica/replica_drill.py", "--appeals", "300", "--workdir", str(work),
         "--port", "5493"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.stdout.strip(), result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["replica_in_recovery"] is True
    assert figures["ok"] == dict.fromkeys(figures["ok"], True), figures["checks"]
    assert result.returncode == 0
    assert not work.exists()
