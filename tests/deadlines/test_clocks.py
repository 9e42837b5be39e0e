"""Clocks driven by the loop's events, the scan's actions, pauses and extensions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from grid.notifications.models import Message
from grievances import services as loop
from grievances.deadlines import services
from grievances.deadlines.models import Clock, ClockAction, ExtensionStatus
from grievances.deadlines.policy import end_of_day
from grievances.models import GrievanceKind, Severity, State, SupervisionOrder
from tests.deadlines import helpers

pytestmark = pytest.mark.django_db


def texts(phone=None, user=None, channel="sms"):
    qs = Message.objects.filter(channel=channel)
    if phone:
        qs = qs.filter(phone=phone)
    if user:
        qs = qs.filter(user=user)
    return list(qs.values_list("text", flat=True))


def test_submission_starts_the_centres_24_hour_target(world, citizen):
    g = helpers.submit(citizen, world.east_village)
    clock = Clock.objects.get(pk=g.pk)
    assert clock.centre_due == g.created_at + timedelta(hours=24)
    assert clock.due_code == "centre"
    assert clock.next_due == clock.centre_due


def test_accepting_a_dispute_starts_its_grade_clock_and_tells_the_citizen(world, citizen, east_centre_staff):
    g = helpers.submit(citizen, world.east_village)
    helpers.accept(g, east_centre_staff, severity=Severity.MAJOR)
    clock = Clock.objects.get(pk=g.pk)
    assert clock.completion_due == end_of_day(clock.accepted_at, 20)
    assert clock.sign_due is None  # nobody to sign until dispatched
    assert any("已受理" in t and g.tracking_no in t for t in texts(phone=citizen.phone))


def test_a_service_item_starts_at_dispatch_and_the_unit_is_told(world, citizen, east_centre_staff, east_handler):
    east_handler.phone = "13600000001"
    east_handler.save()
    g = helpers.submit(citizen, world.east_village, kind=GrievanceKind.LIVELIHOOD)
    helpers.accept(g, east_centre_staff, kind=GrievanceKind.LIVELIHOOD)
    assert Clock.objects.get(pk=g.pk).completion_due is None
    helpers.dispatch(g, east_centre_staff, world.east_dept)
    clock = Clock.objects.get(pk=g.pk)
    assert clock.centre_due is None  # met
    # that day in working hours, else the next working morning (the rule: test_policy.py)
    assert clock.sign_due == services.work_calendar().sign_due(clock.dispatched_at, 0)
    assert clock.interim_due == end_of_day(clock.dispatched_at, 3)
    assert clock.completion_due == end_of_day(clock.dispatched_at, 7)
    assert clock.unit == world.east_dept
    assert any("请立即签收" in t for t in texts(phone="13600000001"))
    assert Message.objects.filter(user=east_handler, channel="site").exists()
    assert any("住房和城乡建设局" in t for t in texts(phone=citizen.phone))


def test_signing_meets_the_sign_deadline(item, east_handler):
    helpers.sign(item, east_handler)
    clock = Clock.objects.get(pk=item.pk)
    assert clock.sign_due is None and clock.due_code == "completion"


def test_grave_disputes_alert_centre_leaders_by_sms_and_voice_at_acceptance(world, citizen, east_centre_staff,
                                                                             east_centre_leader):
    east_centre_leader.phone = "13600000009"
    east_centre_leader.save()
    g = helpers.submit(citizen, world.east_village)
    helpers.accept(g, east_centre_staff, severity=Severity.GRAVE)
    sent = Message.objects.filter(phone="13600000009", template_code="major_alert")
    assert set(sent.values_list("channel", flat=True)) == {"sms", "voice"}


def test_ordinary_disputes_do_not_alert_leaders(world, citizen, east_centre_staff, east_centre_leader):
    east_centre_leader.phone = "13600000009"
    east_centre_leader.save()
    g = helpers.submit(citizen, world.east_village)
    helpers.accept(g, east_centre_staff, severity=Severity.ORDINARY)
    assert not Message.objects.filter(template_code="major_alert").exists()


# ---- the scan ---------------------------------------------------------------------------

def test_reminder_24_hours_before_goes_to_the_handler_once(item, east_handler):
    east_handler.phone = "13600000001"
    east_handler.save()
    helpers.sign(item, east_handler)
    clock = Clock.objects.get(pk=item.pk)
    at = clock.completion_due - timedelta(hours=23)
    assert services.process_clock(clock.pk, now=at) == ["completion:remind24"]
    assert services.process_clock(clock.pk, now=at) == []
    reminders = Message.objects.filter(template_code="deadline_reminder", phone="13600000001")
    assert reminders.count() == 1 and "办结" in reminders.get().text
    assert Clock.objects.get(pk=item.pk).next_due == clock.completion_due - timedelta(hours=2)


def test_overdue_item_gets_one_supervision_and_notices_to_leader_and_centre(
        item, east_handler, east_dept_leader, east_centre_staff):
    east_dept_leader.phone = "13600000002"
    east_dept_leader.save()
    helpers.sign(item, east_handler)
    clock = Clock.objects.get(pk=item.pk)
    late = clock.completion_due + timedelta(minutes=1)
    assert services.process_clock(clock.pk, now=late) == ["completion:overdue"]
    assert services.process_clock(clock.pk, now=late) == []
    assert services.process_clock(clock.pk, now=late + timedelta(hours=5)) == []
    item.refresh_from_db()
    assert item.supervision_count == 1
    order = SupervisionOrder.objects.get(grievance=item)
    assert order.kind == "overdue" and order.issued_by is None and "已超期" in order.note
    assert len([t for t in texts(phone="13600000002") if "超期督办" in t]) == 1
    assert Message.objects.filter(user=east_centre_staff, channel="site", template_code="deadline_overdue").count() == 1
    # the handler hears of the supervision order through the "supervised" event
    assert Message.objects.filter(user=east_handler, template_code="grievance_supervised_handler").exists()
    assert Clock.objects.get(pk=item.pk).next_due is None


def test_two_scans_at_once_claim_disjoint_work_and_act_once(item, east_handler):
    clock = Clock.objects.get(pk=item.pk)
    late = clock.completion_due + timedelta(minutes=1)
    first = services.claim_due_clocks(now=late)
    second = services.claim_due_clocks(now=late)
    assert first == [item.pk] and second == []
    services.process_clock(item.pk, now=late)
    services.process_clock(item.pk, now=late)
    item.refresh_from_db()
    # sign and completion deadlines are both past: one supervision order names both, once
    assert item.supervision_count == 1
    assert "签收、办结已超期" in SupervisionOrder.objects.get(grievance=item).note
    assert ClockAction.objects.filter(clock=clock, action="overdue").count() == 2


def test_a_scan_after_an_outage_catches_up_without_stale_reminders(item, east_handler):
    helpers.sign(item, east_handler)
    clock = Clock.objects.get(pk=item.pk)
    much_later = clock.completion_due + timedelta(hours=1)
    assert services.claim_due_clocks(now=much_later) == [item.pk]
    assert services.process_clock(item.pk, now=much_later) == ["completion:overdue"]
    assert not Message.objects.filter(template_code="deadline_reminder").exists()


def test_centre_target_missed_notifies_the_centre(world, citizen, east_centre_staff):
    g = helpers.submit(citizen, world.east_village)
    clock = Clock.objects.get(pk=g.pk)
    assert services.process_clock(g.pk, now=clock.centre_due + timedelta(seconds=1)) == ["centre:overdue"]
    assert Message.objects.filter(user=east_centre_staff, template_code="centre_target_overdue").count() == 1
    g.refresh_from_db()
    assert g.supervision_count == 0


def test_unrated_feedback_closes_itself_after_seven_days(item, citizen, east_handler, east_centre_staff):
    helpers.sign(item, east_handler)
    loop.complete_grievance(actor=east_handler, grievance=item, result="已修复。")
    loop.verify_grievance(actor=east_centre_staff, grievance=item)
    clock = Clock.objects.get(pk=item.pk)
    assert clock.rating_due == end_of_day(clock.verified_at, 7)
    assert any("请查看结果并评价" in t for t in texts(phone=citizen.phone))
    assert services.process_clock(item.pk, now=clock.rating_due) == ["rating:overdue"]
    item.refresh_from_db()
    assert item.state == State.CLOSED
    clock.refresh_from_db()
    assert not clock.is_open and clock.next_due is None and clock.due_at is None
    assert any("已结案" in t for t in texts(phone=citizen.phone))


def test_unsatisfied_rating_restarts_the_completion_clock(item, citizen, east_handler, east_centre_staff):
    helpers.sign(item, east_handler)
    loop.complete_grievance(actor=east_handler, grievance=item, result="已修复。")
    loop.verify_grievance(actor=east_centre_staff, grievance=item)
    loop.rate_grievance(actor=citizen, grievance=item, satisfaction="unsatisfied", comment="电梯又坏了")
    clock = Clock.objects.get(pk=item.pk)
    assert clock.rating_due is None
    assert clock.completion_due == end_of_day(clock.reopened_at, 7)


# ---- pauses -----------------------------------------------------------------------------

def test_handler_pauses_for_appraisal_and_the_paused_time_does_not_count(item, east_handler):
    helpers.sign(item, east_handler)
    clock = Clock.objects.get(pk=item.pk)
    # the item was accepted three days ago
    for f in ("accepted_at", "dispatched_at", "signed_at"):
        setattr(clock, f, getattr(clock, f) - timedelta(days=3))
    before = {k: v.due for k, v in services.recompute(clock).items()}["completion"]
    pause = services.pause_clock(actor=east_handler, grievance=item, reason="appraisal", note="伤情鉴定")
    clock = Clock.objects.get(pk=item.pk)
    assert clock.completion_due is None and clock.next_due is None
    # pretend the appraisal took two days
    type(pause).objects.filter(pk=pause.pk).update(started_at=pause.started_at - timedelta(days=2))
    services.resume_clock(actor=east_handler, grievance=item)
    clock.refresh_from_db()
    moved = clock.completion_due - before
    assert timedelta(days=2) <= moved < timedelta(days=2, seconds=5)
    assert item.events.filter(action__in=["paused", "resumed"]).count() == 2


def test_only_the_unit_or_the_centre_may_pause(item, east_handler2, citizen, west_centre_staff):
    for actor in (east_handler2, citizen, west_centre_staff):
        with pytest.raises(services.DeadlineError):
            services.pause_clock(actor=actor, grievance=item, reason="expert", note="专家论证")


def test_pause_needs_a_known_reason_and_cannot_be_doubled(item, east_handler):
    with pytest.raises(services.DeadlineError, match="专家咨询或鉴定"):
        services.pause_clock(actor=east_handler, grievance=item, reason="holiday", note="放假")
    services.pause_clock(actor=east_handler, grievance=item, reason="expert", note="专家论证")
    with pytest.raises(services.DeadlineError, match="已经暂停"):
        services.pause_clock(actor=east_handler, grievance=item, reason="expert", note="再次")


# ---- extensions ---------------------------------------------------------------------------

def test_extension_needs_the_parties_agreement(item, east_handler):
    with pytest.raises(services.DeadlineError, match="当事人同意"):
        services.request_extension(actor=east_handler, grievance=item, days=10, reason="双方需时间筹款",
                                   parties_agreed=False)


def test_extension_approved_by_the_unit_leader_moves_the_due_time_and_is_filed_with_the_centre(
        item, east_handler, east_dept_leader, east_centre_staff):
    before = Clock.objects.get(pk=item.pk).completion_due
    ext = services.request_extension(actor=east_handler, grievance=item, days=10, reason="双方约定延长调解期限",
                                     parties_agreed=True)
    assert Message.objects.filter(user=east_dept_leader, template_code="extension_requested").exists()
    with pytest.raises(services.DeadlineError, match="本单位的领导"):
        services.approve_extension(actor=east_handler, extension=ext)
    with pytest.raises(services.DeadlineError, match="本单位的领导"):
        services.approve_extension(actor=east_centre_staff, extension=ext)
    services.approve_extension(actor=east_dept_leader, extension=ext, note="同意")
    ext.refresh_from_db()
    assert ext.status == ExtensionStatus.APPROVED and ext.centre == item.centre
    after = Clock.objects.get(pk=item.pk).completion_due
    assert after - before == timedelta(days=10)
    filed = Message.objects.filter(user=east_centre_staff, template_code="extension_decided").get()
    assert "已批准" in filed.text
    with pytest.raises(services.DeadlineError, match="已经审核"):
        services.refuse_extension(actor=east_dept_leader, extension=ext, note="不")


def test_refusal_needs_a_reason_and_leaves_the_due_time(item, east_handler, east_dept_leader):
    before = Clock.objects.get(pk=item.pk).completion_due
    ext = services.request_extension(actor=east_handler, grievance=item, days=5, reason="需补充证据",
                                     parties_agreed=True)
    with pytest.raises(services.DeadlineError, match="写明意见"):
        services.refuse_extension(actor=east_dept_leader, extension=ext, note="")
    services.refuse_extension(actor=east_dept_leader, extension=ext, note="期限内可以办结")
    assert Clock.objects.get(pk=item.pk).completion_due == before


def test_policy_edit_applies_to_new_items_only(world, citizen, east_centre_staff, item):
    from grievances.deadlines.models import DeadlinePolicy

    old_due = Clock.objects.get(pk=item.pk).completion_due
    DeadlinePolicy.objects.filter(kind="dispute", severity="ordinary").update(completion_days=5)
    g = helpers.submit(citizen, world.east_village)
    helpers.accept(g, east_centre_staff)
    new = Clock.objects.get(pk=g.pk)
    assert new.completion_due == end_of_day(new.accepted_at, 5)
    assert Clock.objects.get(pk=item.pk).completion_due == old_due


def test_scan_task_processes_what_is_due(item, monkeypatch):
    from grievances.deadlines import tasks

    clock = Clock.objects.get(pk=item.pk)
    monkeypatch.setattr(timezone, "now", lambda: clock.completion_due + timedelta(minutes=1))
    assert tasks.scan_deadlines.delay().get() == 1
    item.refresh_from_db()
    assert item.supervision_count >= 1


def test_scan_takes_every_batch_after_an_outage(world, citizen, monkeypatch):
    from grievances.deadlines import tasks

    for _ in range(3):
        helpers.submit(citizen, world.east_village)
    monkeypatch.setattr(tasks, "BATCH", 2)
    later = timezone.now() + timedelta(hours=25)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert tasks.scan_deadlines.delay().get() == 3
    assert ClockAction.objects.filter(deadline="centre", action="overdue").count() == 3


def test_beat_runs_the_scan_and_the_outbox_sweep_every_minute(settings):
    from config.celery import app

    app.loader.import_default_modules()
    for name in ("deadlines-scan", "notifications-sweep"):
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        assert entry["schedule"] == 60.0
        assert entry["task"] in app.tasks
