"""/healthz and /readyz: load balancers and systemd see a dead dependency as 503."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_each_dependency_with_its_latency(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "storage", "migrations"}
    for check in body["checks"].values():
        assert check["status"] == "ok" and check["latency_ms"] >= 0


def test_readyz_fails_with_503_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError

    from ops import health

    def dead():
        raise OperationalError("connection to server at 10.0.0.5 port 5432 failed: password=secret")

    monkeypatch.setitem(health.CHECKS, "database", dead)
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "fail"
    assert body["checks"]["database"] == {"status": "fail", "latency_ms": body["checks"]["database"]["latency_ms"],
                                          "error": "OperationalError"}
    assert body["checks"]["cache"]["status"] == "ok"
    assert "secret" not in response.content.decode() and "10.0.0.5" not in response.content.decode()


def test_readyz_fails_with_503_when_the_cache_is_unreachable(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.5}}}
    response = client.get("/readyz")  # Django re-reads CACHES when the setting changes
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "fail"
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_readyz_fails_when_a_migration_is_not_applied(client, monkeypatch):
    from ops import health

    class Plan:
        def __init__(self, connection):
            self.loader = type("L", (), {"graph": type("G", (), {"leaf_nodes": lambda self: []})()})()

        def migration_plan(self, targets):
            return [("grievances", "9999_future")]

    monkeypatch.setattr("django.db.migrations.executor.MigrationExecutor", Plan)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {
        "status": "fail", "latency_ms": response.json()["checks"]["migrations"]["latency_ms"],
        "error": "PendingMigrations"}
    assert health  # the module under test


def test_probes_are_exempt_from_the_https_redirect_in_production():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import django;django.setup();from django.conf import settings;"
            "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_REDIRECT_EXEMPT)")
    env = {"DJANGO_PROFILE": "production", "SECRET_KEY": "x" * 60, "DJANGO_SETTINGS_MODULE": "config.settings",
           "PATH": "/usr/bin:/bin", "AUDIT_HMAC_KEY": "k" * 40}
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.startswith("True") and "healthz" in out.stdout and "readyz" in out.stdout
