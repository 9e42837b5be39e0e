"""The deferred rollup refresh: a transition only marks its appeal stale; the refresher
(beat every few seconds, and a kick after each commit) applies the marks, exactly once,
however many refreshers run at once."""

import threading

import pytest
from django.db import connection, transaction

from analysis import rollups
from analysis.models import GrievanceFact, StaleFact
from grievances import services
from tests.analysis.test_rollups import assert_rollups_equal_recount, fresh, stored_rows


def _supervised(rows) -> int:
    return sum(c.get("supervised", 0) for (_day, scope, dim, _v), c in rows.items() if (scope, dim) == ("", "total"))


def test_a_transition_leaves_the_rollups_stale_until_the_refresher_runs(loop, east_centre_staff):
    g = loop.handling()
    rollups.refresh_stale()
    before = stored_rows()
    services.supervise_grievance(actor=east_centre_staff, grievance=fresh(g), note="请加快办理")
    # The transition itself only marked the appeal: figures as before, until the refresher runs.
    assert set(StaleFact.objects.values_list("grievance_id", flat=True)) == {g.pk}
    assert stored_rows() == before
    assert "supervised" not in GrievanceFact.objects.get(pk=g.pk).counts
    assert rollups.refresh_stale() == 1
    assert not StaleFact.objects.exists()
    assert _supervised(stored_rows()) == _supervised(before) + 1
    assert_rollups_equal_recount()
    assert rollups.refresh_stale() == 0  # nothing left: a second run changes nothing


def test_without_a_broker_the_dashboard_is_current_when_the_transition_returns(
    loop, east_centre_staff, django_capture_on_commit_callbacks,
):
    """The embedded profile (make run, tasks eager): the kick after the commit refreshes."""
    g = loop.handling()
    rollups.refresh_stale()
    before = _supervised(stored_rows())
    with django_capture_on_commit_callbacks(execute=True):
        services.supervise_grievance(actor=east_centre_staff, grievance=fresh(g), note="请加快办理")
    assert not StaleFact.objects.exists()
    assert _supervised(stored_rows()) == before + 1
    assert_rollups_equal_recount()


def test_the_refresher_runs_every_few_seconds_from_the_beat(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["analysis-refresh-stale-rollups"]
    assert entry["task"] == "analysis.tasks.refresh_stale_rollups"
    assert entry["task"] in app.tasks
    assert 0 < entry["schedule"] <= 10


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")


def _in_thread(fn, *args):
    def run():
        try:
            fn(*args)
        finally:
            connection.close()

    t = threading.Thread(target=run)
    t.start()
    return t


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_refreshers_at_once_claim_each_appeal_once_and_count_it_once(loop, east_centre_staff, monkeypatch):
    monkeypatch.setattr(rollups, "kick", lambda: None)  # no refresh after the commits: marks pile up
    items = [loop.dispatched() for _ in range(6)] + [loop.handling() for _ in range(4)]
    for g in items[:5]:
        services.supervise_grievance(actor=east_centre_staff, grievance=fresh(g), note="请加快办理")
    assert StaleFact.objects.values("grievance_id").distinct().count() == len(items)
    assert not GrievanceFact.objects.exists()

    barrier = threading.Barrier(2)
    done: list[int] = []

    def refresher():
        barrier.wait()
        done.append(rollups.refresh_stale(chunk=2))

    threads = [_in_thread(refresher) for _ in range(2)]
    for t in threads:
        t.join(timeout=120)
    assert len(done) == 2, "a refresher failed"
    assert sum(done) == len(items)  # every mark claimed by exactly one of them
    assert not StaleFact.objects.exists()
    assert GrievanceFact.objects.count() == len(items)
    assert sum(c.get("n", 0) for (_d, scope, dim, _v), c in stored_rows().items() if (scope, dim) == ("", "total")) \
        == len(items)
    assert_rollups_equal_recount()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_mark_of_a_transition_still_running_waits_for_its_commit(loop, east_centre_staff, monkeypatch):
    """The refresher must not consume the mark of a transaction that has not committed (it
    would refresh from the state before it, and the change would never be counted): the
    running transition's mark is invisible until it commits, while an earlier committed mark
    of the same appeal is taken; after the commit the new mark is there and counts it."""
    monkeypatch.setattr(rollups, "kick", lambda: None)
    g = loop.handling()
    assert rollups.refresh_stale() == 1
    rollups.mark_stale([g.pk])  # committed, e.g. by an earlier transition
    marked, release = threading.Event(), threading.Event()

    def transition():
        with transaction.atomic():
            services.supervise_grievance(actor=east_centre_staff, grievance=fresh(g), note="请加快办理")
            marked.set()
            release.wait(60)

    t = _in_thread(transition)
    assert marked.wait(60)
    try:
        # the earlier mark is taken (nothing to change yet), the running one is not seen
        assert rollups.refresh_stale() == 1
        assert "supervised" not in GrievanceFact.objects.get(pk=g.pk).counts
    finally:
        release.set()
        t.join(60)
    assert set(StaleFact.objects.values_list("grievance_id", flat=True)) == {g.pk}
    assert rollups.refresh_stale() == 1
    assert GrievanceFact.objects.get(pk=g.pk).counts.get("supervised") == 1
    assert_rollups_equal_recount()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_transactions_marking_one_appeal_do_not_wait_for_each_other(loop, monkeypatch):
    """A mark never waits for another transaction's mark of the same appeal (an upsert on
    the appeal's id did, and two deadline scans of one item deadlocked on it)."""
    monkeypatch.setattr(rollups, "kick", lambda: None)
    g = loop.handling()
    rollups.refresh_stale()
    marked, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            rollups.mark_stale([g.pk])
            marked.set()
            release.wait(60)

    t = _in_thread(first)
    assert marked.wait(60)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            rollups.mark_stale([g.pk])  # would wait for the first transaction, and time out
    finally:
        release.set()
        t.join(60)
    assert StaleFact.objects.filter(grievance_id=g.pk).count() == 2
    assert rollups.refresh_stale() == 1  # both marks taken at once, the appeal refreshed once
    assert not StaleFact.objects.exists()
    assert_rollups_equal_recount()
