"""The batched deadline processing (services.process_clocks, the scan's chunks) does exactly what
the one-by-one path (services.process_clock) does, for a mixed set of clocks: the same actions,
events, supervision orders, outbox messages and clock state, item for item; the chunk's events
are written in one INSERT and each listener runs once for the chunk (the audit chain still
verifies, with one row per event in order, and the rollups still equal a recount)."""

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analysis.models import GrievanceFact, StaleFact
from analysis.rollups import refresh_stale
from audit import verify
from audit.models import AuditEntry
from grid.notifications.models import Message
from grievances import services as loop
from grievances.deadlines import services
from grievances.deadlines.models import Clock, ClockAction, ClockPause, ExtensionRequest
from grievances.deadlines.policy import SHANGHAI
from grievances.models import GrievanceEvent, Severity, SupervisionOrder
from tests.analysis.test_rollups import assert_rollups_equal_recount
from tests.deadlines import helpers

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 10, 14, 0, tzinfo=SHANGHAI)
STAMPS = ("submitted_at", "centre_started_at", "centre_done_at", "accepted_at", "dispatched_at", "signed_at",
          "interim_at", "completed_at", "verified_at", "reopened_at")


def _place(g, *, days_ago: float):
    """Put the item's timeline at a fixed place before NOW (whole minutes between its steps), so
    two copies built a few milliseconds apart have identical deadlines."""
    clock = Clock.objects.get(pk=g.pk)
    origin = clock.submitted_at
    base = NOW - timedelta(days=days_ago)

    def at(moment):
        return base + timedelta(minutes=round((moment - origin).total_seconds() / 60))

    for name in STAMPS:
        if getattr(clock, name):
            setattr(clock, name, at(getattr(clock, name)))
    for pause in ClockPause.objects.filter(clock=clock):
        ClockPause.objects.filter(pk=pause.pk).update(
            started_at=at(pause.started_at), ended_at=at(pause.ended_at) if pause.ended_at else None)
    for ext in ExtensionRequest.objects.filter(clock=clock):
        ExtensionRequest.objects.filter(pk=ext.pk).update(
            requested_at=at(ext.requested_at), decided_at=at(ext.decided_at) if ext.decided_at else None)
    services.recompute(clock)


def _place_before_completion_due(g, *, hours: float):
    """Place the item so that its completion falls due ``hours`` after NOW. The deadline counts
    working days, so the distance from submission to due depends on the weekday the item lands
    on: move the timeline until the due time sits where it should (a fixed point, whatever the
    day the test runs)."""
    clock = Clock.objects.get(pk=g.pk)
    days_ago = (clock.completion_due - clock.submitted_at - timedelta(hours=hours)).total_seconds() / 86400
    for _ in range(8):
        _place(g, days_ago=days_ago)
        gap = Clock.objects.get(pk=g.pk).completion_due - NOW
        if timedelta(hours=3) <= gap <= timedelta(hours=hours):  # the 24 h reminder, not the 2 h one
            return
        days_ago += (gap - timedelta(hours=hours - 0.5)).total_seconds() / 86400
    raise AssertionError(f"could not place the completion due {hours} h after NOW (gap {gap})")


def _scenarios(world, citizen, staff, handler, leader):
    """One item per situation the minute scan meets; returns them in a fixed order."""
    items = []
    g = helpers.submit(citizen, world.east_village)  # the centre's 24 hours missed
    _place(g, days_ago=2)
    items.append(g)

    g = helpers.dispatch(helpers.accept(helpers.submit(citizen, world.east_village), staff), staff, world.east_dept)
    _place(g, days_ago=2)  # dispatched, never signed
    items.append(g)

    g = helpers.submit(citizen, world.east_village)
    g = helpers.dispatch(helpers.accept(g, staff, severity=Severity.GRAVE), staff, world.east_dept)
    _place(g, days_ago=2)  # a grave dispute unsigned: leaders by SMS and voice
    items.append(g)

    g = helpers.sign(helpers.dispatch(helpers.accept(helpers.submit(citizen, world.east_village), staff), staff,
                                      world.east_dept), handler)
    _place(g, days_ago=40)  # signed, long past completion
    items.append(g)

    g = helpers.sign(helpers.dispatch(helpers.accept(helpers.submit(citizen, world.east_village), staff), staff,
                                      world.east_dept), handler)
    _place_before_completion_due(g, hours=23)  # 23 h before: a reminder
    items.append(g)

    g = helpers.sign(helpers.dispatch(helpers.accept(helpers.submit(citizen, world.east_village), staff), staff,
                                      world.east_dept), handler)
    loop.complete_grievance(actor=handler, grievance=g, result="已修复。")
    loop.verify_grievance(actor=staff, grievance=g)
    g.refresh_from_db()
    _place(g, days_ago=12)  # fed back, never rated: closes itself
    items.append(g)

    g = helpers.sign(helpers.dispatch(helpers.accept(helpers.submit(citizen, world.east_village), staff), staff,
                                      world.east_dept), handler)
    services.pause_clock(actor=handler, grievance=g, reason="appraisal", note="伤情鉴定")
    _place(g, days_ago=40)  # paused: nothing falls due
    items.append(g)

    g = helpers.sign(helpers.dispatch(helpers.accept(helpers.submit(citizen, world.east_village), staff), staff,
                                      world.east_dept), handler)
    ext = services.request_extension(actor=handler, grievance=g, days=30, reason="双方约定延长", parties_agreed=True)
    services.approve_extension(actor=leader, extension=ext, note="同意")
    _place(g, days_ago=20)  # extended by 30 days: overdue for the interim reply only
    items.append(g)

    g = helpers.submit(citizen, world.east_village)  # fresh: nothing due yet
    _place(g, days_ago=0.01)
    items.append(g)
    return items


def _snapshot(g, after_message: int = 0) -> dict:
    g.refresh_from_db()
    clock = Clock.objects.get(pk=g.pk)
    assert g.due_at == clock.due_at  # the item's copy (the queue's order), both ways, before and after

    def norm(text):
        text = (text or "").replace(g.tracking_no, "<no>").replace(f"/{g.pk}/", "/<pk>/").replace(
            f":{g.pk}:", ":<pk>:")
        return re.sub(r":ev:\d+:", ":ev:<event>:", text)

    started = GrievanceEvent.objects.filter(grievance=g).order_by("pk")
    return {
        "state": g.state, "supervision_count": g.supervision_count,
        "events": [(e.action, e.from_state, e.to_state, norm(e.note), e.public, e.actor_id, e.unit_id)
                   for e in started],
        "orders": list(SupervisionOrder.objects.filter(grievance=g).order_by("pk").values_list(
            "kind", "note", "unit_id", "issued_by_id")),
        "actions": sorted(ClockAction.objects.filter(clock=clock).values_list("deadline", "action", "due")),
        "clock": {f: getattr(clock, f) for f in ("is_open", "due_at", "due_code", "next_due", "overdue_count",
                                                  "sign_due", "interim_due", "completion_due", "rating_due")},
        "messages": sorted(
            (m.template_code, m.channel, m.user_id or 0, m.phone, norm(m.text), norm(m.link),
             norm(m.idempotency_key))
            for m in Message.objects.filter(idempotency_key__regex=rf"^(grv|clock):{g.pk}:", pk__gt=after_message)
        ),
    }


def test_batched_processing_does_exactly_what_the_one_by_one_path_does(
        world, citizen, east_centre_staff, east_handler, east_dept_leader, east_centre_leader):
    for user, phone in ((east_handler, "13600000011"), (east_dept_leader, "13600000012"),
                        (east_centre_leader, "13600000013")):
        user.phone = phone
        user.save()
    one_by_one = _scenarios(world, citizen, east_centre_staff, east_handler, east_dept_leader)
    batched = _scenarios(world, citizen, east_centre_staff, east_handler, east_dept_leader)
    before = {g.pk: _snapshot(g, after_message=10**12) for g in one_by_one + batched}
    for a, b in zip(one_by_one, batched, strict=True):
        assert before[a.pk] == before[b.pk]  # the two copies start identical (messages aside)

    last = Message.objects.order_by("-pk").values_list("pk", flat=True).first()
    singles = {g.pk: services.process_clock(g.pk, now=NOW) for g in one_by_one}
    first_event = GrievanceEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    with CaptureQueriesContext(connection) as chunk:
        together = services.process_clocks([g.pk for g in batched], now=NOW)
    # One INSERT for all of the chunk's events (not one per event) …
    chunk_events = list(GrievanceEvent.objects.filter(pk__gt=first_event).order_by("pk"))
    assert len(chunk_events) >= 4
    inserts = [q["sql"] for q in chunk.captured_queries if 'INSERT INTO "grievances_grievanceevent"' in q["sql"]]
    assert len(inserts) == 1
    # … and one audit row per event, in the order written, on a chain that verifies.
    audited = list(AuditEntry.objects.filter(object_type="grievances.grievanceevent",
                                             object_id__in=[str(e.pk) for e in chunk_events])
                   .order_by("seq").values_list("object_id", flat=True))
    assert audited == [str(e.pk) for e in chunk_events]
    report = verify.walk()
    assert report.ok, report.problem
    # The chunk's appeals were marked for the rollup refresher in one statement; once it has
    # run, the rollups equal a from-scratch recount.
    marks = [q["sql"] for q in chunk.captured_queries if 'INTO "analysis_stalefact"' in q["sql"]]
    assert len(marks) == 1
    assert set(StaleFact.objects.values_list("grievance_id", flat=True)) >= {g.pk for g in batched}
    refresh_stale()
    assert not StaleFact.objects.exists()
    assert GrievanceFact.objects.filter(pk__in=[g.pk for g in batched]).count() == len(batched)
    assert_rollups_equal_recount()

    kinds = set()
    for a, b in zip(one_by_one, batched, strict=True):
        assert singles[a.pk] == together[b.pk]
        kinds.update(singles[a.pk])
        sa, sb = _snapshot(a, last), _snapshot(b, last)
        ma, mb = sa.pop("messages"), sb.pop("messages")
        assert (sorted(set(ma) - set(mb)), sorted(set(mb) - set(ma))) == ([], [])
        assert ma == mb and sa == sb
    # the set really is mixed: reminders, supervision, the centre's target, auto-close, nothing
    assert {"centre:overdue", "sign:overdue", "completion:overdue", "completion:remind24",
            "rating:overdue"} <= kinds
    assert any(not singles[g.pk] for g in one_by_one)
    assert Message.objects.filter(channel="voice").exists()

    # Run again: exactly once, both ways.
    assert all(not v for v in services.process_clocks([g.pk for g in batched], now=NOW).values())
    assert all(not services.process_clock(g.pk, now=NOW) for g in one_by_one)


def test_a_batch_reads_shared_rows_once(world, citizen, east_centre_staff, east_handler, east_dept_leader):
    """The statements per item fall when items are processed together (what makes a city's
    23:59 wave of "sign the same day" deadlines finish in minutes)."""
    items = [helpers.dispatch(helpers.accept(helpers.submit(citizen, world.east_village), east_centre_staff),
                              east_centre_staff, world.east_dept) for _ in range(8)]
    for g in items:
        _place(g, days_ago=2)
    with CaptureQueriesContext(connection) as one:
        services.process_clock(items[0].pk, now=NOW)
    with CaptureQueriesContext(connection) as many:
        services.process_clocks([g.pk for g in items[1:]], now=NOW)
    assert len(many) / 7 < len(one) * 0.8, (len(one), len(many) / 7)


def test_a_failing_item_does_not_hold_up_the_rest_of_its_batch(world, citizen, east_centre_staff, monkeypatch):
    items = [helpers.submit(citizen, world.east_village) for _ in range(3)]
    for g in items:
        _place(g, days_ago=2)
    real = services._act

    def flaky(g, clock, now):
        if g.pk == items[1].pk:
            raise RuntimeError("boom")
        return real(g, clock, now)

    monkeypatch.setattr(services, "_act", flaky)
    done = services.process_clocks([g.pk for g in items], now=NOW)
    assert done[items[0].pk] == done[items[2].pk] == ["centre:overdue"]
    assert done[items[1].pk] == []
    assert ClockAction.objects.filter(clock_id=items[1].pk).count() == 0
