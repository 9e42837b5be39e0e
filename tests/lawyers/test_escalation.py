"""Unanswered questions escalate once per question: on-duty lawyers after the limit (10
minutes by default), the supervising staff after twice the limit (Xinfeng: 99 % in 10 min)."""

import datetime

import pytest
from django.utils import timezone

from grid.notifications.models import Message
from legalqa.lawyers import services
from legalqa.lawyers.models import Question
from legalqa.lawyers.tasks import scan_unanswered
from tests.lawyers.factories import NEVER, field, make_lawyer
from tests.worker_support import celery_worker, wait_for, worker_env  # noqa: F401

pytestmark = pytest.mark.django_db


def _ask(citizen, world):
    return services.ask_question(asker=citizen, field=field("labour"), title="工伤怎么认定",
                                 body="上班路上摔伤算工伤吗？", region=world.east_village)


def test_escalation_fires_once_per_question(world, citizen, lawyers, east_centre_staff):
    off_duty = make_lawyer(world, ("labour",), **NEVER)
    q = _ask(citizen, world)
    now = timezone.now()
    assert services.escalate_unanswered(now + datetime.timedelta(minutes=9)) == {"lawyers": 0, "staff": 0}
    first = services.escalate_unanswered(now + datetime.timedelta(minutes=11))
    again = services.escalate_unanswered(now + datetime.timedelta(minutes=12))
    assert first == {"lawyers": 1, "staff": 0} and again == {"lawyers": 0, "staff": 0}
    to_lawyers = Message.objects.filter(template_code="qa_escalate_lawyers", channel="site")
    assert set(to_lawyers.values_list("user_id", flat=True)) == {
        lawyers.a.user_id, lawyers.b.user_id, lawyers.c.user_id}  # on duty only
    assert off_duty.user_id not in set(to_lawyers.values_list("user_id", flat=True))
    assert services.escalate_unanswered(now + datetime.timedelta(minutes=21)) == {"lawyers": 0, "staff": 1}
    assert services.escalate_unanswered(now + datetime.timedelta(minutes=40)) == {"lawyers": 0, "staff": 0}
    staff_msgs = Message.objects.filter(template_code="qa_escalate_staff", channel="site")
    assert list(staff_msgs.values_list("user_id", flat=True)) == [east_centre_staff.pk]
    q.refresh_from_db()
    assert q.escalation_level == 2


def test_answered_questions_do_not_escalate(world, citizen, lawyers):
    q = _ask(citizen, world)
    services.answer_question(lawyer=lawyers.a.user, question=q, body="要看具体情况。")
    assert services.escalate_unanswered(timezone.now() + datetime.timedelta(hours=1)) == {"lawyers": 0, "staff": 0}


def test_escalation_time_is_configurable(world, citizen, lawyers):
    from legalqa.lawyers.models import QAConfig

    cfg = QAConfig.get()
    cfg.escalation_minutes = 3
    cfg.save()
    _ask(citizen, world)
    assert services.escalate_unanswered(timezone.now() + datetime.timedelta(minutes=4))["lawyers"] == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_escalation_with_a_real_worker_fires_once(world, citizen, lawyers, celery_worker):  # noqa: F811
    q = _ask(citizen, world)
    Question.objects.filter(pk=q.pk).update(respond_due_at=timezone.now() - datetime.timedelta(minutes=1))
    results = [scan_unanswered.delay() for _ in range(3)]  # the beat fired three times (and in parallel)
    wait_for(lambda: Question.objects.get(pk=q.pk).escalation_level == 1, message="escalation level 1")
    for r in results:
        wait_for(lambda r=r: r.ready() if r.backend.__class__.__name__ != "DisabledBackend" else True,
                 timeout=30, message="scan finished")
    sms = lambda: Message.objects.filter(template_code="qa_escalate_lawyers", channel="sms")  # noqa: E731
    wait_for(lambda: sms().count() == 3 and not sms().exclude(status="sent").exists(),
             message="three escalation SMS sent")
    for p in (lawyers.a, lawyers.b, lawyers.c):
        wait_for(lambda p=p: len(celery_worker.gateway.delivered_to(p.phone)) >= 1, message="gateway delivery")
    # scanning again changes nothing
    scan_unanswered.delay()
    import time

    time.sleep(2)
    assert sms().count() == 3
    assert Question.objects.get(pk=q.pk).escalation_level == 1
