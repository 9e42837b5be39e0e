"""/metrics: the gauges an operator alerts on, protected from the outside."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _value(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$", text, re.M)
    assert match, f"{name}{labels} not in metrics"
    return float(match.group(1))


def test_the_outbox_backlog_gauge_changes_when_a_message_is_queued(client, citizen):
    from grid.notifications import services

    before = client.get("/metrics")
    assert before.status_code == 200
    assert _value(before.content.decode(), "zongzhi_outbox_backlog", '{channel="sms"}') == 0
    services.notify(key="ops-test", template="grievance_accepted", context={}, users=[citizen])
    after = client.get("/metrics").content.decode()
    assert _value(after, "zongzhi_outbox_backlog", '{channel="sms"}') == 1
    assert _value(after, "zongzhi_outbox_oldest_pending_seconds", '{channel="sms"}') >= 0


def test_request_latency_and_queries_are_counted_by_view(client):
    client.get("/laws/")
    text = client.get("/metrics").content.decode()
    assert re.search(r'^zongzhi_http_request_duration_seconds_count\{method="GET",view="legalqa:library"\} [1-9]',
                     text, re.M)
    assert "zongzhi_db_queries_per_request_bucket" in text


def test_platform_gauges_are_exposed(client, world):
    text = client.get("/metrics").content.decode()
    for name in ("zongzhi_clocks_overdue", "zongzhi_clocks_due", "zongzhi_media_processing_failures",
                 "zongzhi_login_attempt_records", "zongzhi_login_failures_total"):
        assert re.search(rf"^{name} ", text, re.M), name
    # every source answered: the error gauge has no samples
    assert not re.search(r"^zongzhi_gauge_errors\{", text, re.M)


def test_appeals_awaiting_acceptance_are_counted_per_centre(client, citizen, world):
    from tests.grievances.factories import submit

    grievance = submit(citizen, world.east_village)
    text = client.get("/metrics").content.decode()
    assert _value(text, "zongzhi_appeals_awaiting_acceptance", f'{{centre="{grievance.centre.code}"}}') == 1


def test_a_failed_login_is_counted(client, db):
    text = client.get("/metrics").content.decode()
    before = _value(text, "zongzhi_login_failures_total")
    client.post("/accounts/login/", {"username": "nobody", "password": "wrong-password"})
    after = _value(client.get("/metrics").content.decode(), "zongzhi_login_failures_total")
    assert after == before + 1


def test_metrics_refuse_clients_that_are_not_loopback(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403


def test_metrics_with_a_token_require_it(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token", REMOTE_ADDR="10.1.2.3")
    assert ok.status_code == 200 and b"zongzhi_outbox_backlog" in ok.content


def test_the_beat_scan_leaves_a_heartbeat(client, db):
    from grievances.deadlines.tasks import scan_deadlines

    scan_deadlines.delay()
    text = client.get("/metrics").content.decode()
    stamp = _value(text, "zongzhi_task_last_success_timestamp_seconds",
                   '{task="grievances.deadlines.tasks.scan_deadlines"}')
    import time

    assert abs(time.time() - stamp) < 60
