"""The copies kept for the lists that grew with the data (issue 18) stay equal to what they copy,
whatever happens to an item: ``Grievance.due_at`` is its clock's ``due_at`` (the centre queue's
order) and ``CoHandling.state`` is its item's state (the inbox's co-handled counts), after every
kind of transition, pause, extension, one-item scan and batched scan. Checked after each step
of random walks over a few items, and the inbox counts against a recount from the items."""

import random
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from grievances import selectors
from grievances import services as loop
from grievances.deadlines import services
from grievances.deadlines.models import Clock, ExtensionRequest
from grievances.models import CoHandling, Grievance, GrievanceKind, ReturnRequest, Severity, State
from tests.deadlines import helpers
from tests.grievances.factories import category

pytestmark = pytest.mark.django_db

REFUSALS = (loop.GrievanceError, services.DeadlineError)


def _recount(unit_id) -> dict[str, int]:
    """What the inbox tabs count, from the items themselves (lead or co-handling unit)."""
    co = CoHandling.objects.filter(unit_id=unit_id).values("grievance_id")
    states = list(Grievance.objects.filter(Q(handling_unit_id=unit_id) | Q(pk__in=co)).values_list("state", flat=True))
    return {"total": len(states), "todo": states.count(State.DISPATCHED), "handling": states.count(State.HANDLING),
            "done": sum(states.count(s) for s in (State.COMPLETED, State.VERIFIED, State.CLOSED))}


def _assert_copies_equal(ids, users):
    clocks = dict(Clock.objects.filter(pk__in=ids).values_list("pk", "due_at"))
    for pk, due in Grievance.objects.filter(pk__in=ids).values_list("pk", "due_at"):
        assert due == clocks.get(pk), (pk, due, clocks.get(pk))
    for state, item_state, unit_id, lead_id in CoHandling.objects.filter(grievance_id__in=ids).values_list(
            "state", "grievance__state", "unit_id", "grievance__handling_unit_id"):
        assert state == item_state
        assert unit_id != lead_id  # what the inbox count relies on
    for user in users:
        counts = selectors.inbox_counts(user)
        assert {k: counts[k] for k in ("total", "todo", "handling", "done")} == _recount(user.unit_id)


@pytest.mark.parametrize("seed", [18, 2026])
def test_item_due_and_co_handling_state_follow_every_change(
        seed, world, citizen, east_centre_staff, east_handler, east_handler2, east_dept_leader):
    rng = random.Random(seed)
    staff, leader = east_centre_staff, east_dept_leader
    handlers = {world.east_dept.pk: east_handler, world.east_dept2.pk: east_handler2}
    items = [helpers.submit(citizen, world.east_village) for _ in range(4)]
    ids = [g.pk for g in items]
    users = [east_handler, east_handler2]

    def handler(g):
        return handlers.get(g.handling_unit_id, east_handler)

    def dispatch(g):
        lead, other = rng.sample([world.east_dept, world.east_dept2], 2)
        loop.dispatch_grievance(actor=staff, grievance=g, unit=lead, co_units=[other] if rng.random() < 0.7 else [])

    def approve_return(g):
        rr = loop.request_return(actor=handler(g), grievance=g, reason="不属于本单位职责，请重新分派。")
        loop.approve_return(actor=leader, return_request=ReturnRequest.objects.get(pk=rr.pk), note="同意")

    def extension(g):
        ext = services.request_extension(actor=handler(g), grievance=g, days=rng.randint(1, 30), reason="双方同意延长",
                                         parties_agreed=True)
        ext = ExtensionRequest.objects.get(pk=ext.pk)
        if rng.random() < 0.7:
            services.approve_extension(actor=leader, extension=ext, note="同意")
        else:
            services.refuse_extension(actor=leader, extension=ext, note="理由不充分")

    def later():
        return timezone.now() + timedelta(days=rng.choice([0, 1, 2, 5, 12, 40]), hours=rng.randint(0, 23))

    steps = {
        "accept": lambda g: loop.accept_grievance(
            actor=staff, grievance=g, kind=GrievanceKind.DISPUTE,
            severity=rng.choice([Severity.ORDINARY, Severity.MAJOR]), category=category()),
        "reject": lambda g: loop.reject_grievance(actor=staff, grievance=g, reason="不属于受理范围。",
                                                  guidance="请通过诉讼解决。"),
        "dispatch": dispatch,
        "sign": lambda g: loop.sign_grievance(actor=handler(g), grievance=g),
        "interim": lambda g: loop.interim_reply(actor=handler(g), grievance=g, note="正在协调物业维修。"),
        "complete": lambda g: loop.complete_grievance(actor=handler(g), grievance=g, result="电梯已修复。"),
        "verify": lambda g: loop.verify_grievance(actor=staff, grievance=g),
        "send_back": lambda g: loop.send_back_grievance(actor=staff, grievance=g, reason="群众反映仍未修好。"),
        "rate": lambda g: loop.rate_grievance(actor=citizen, grievance=g,
                                              satisfaction=rng.choice(["satisfied", "unsatisfied"])),
        "supervise": lambda g: loop.supervise_grievance(actor=staff, grievance=g, note="请加快办理。"),
        "reopen": lambda g: loop.reopen_grievance(actor=staff, grievance=g, reason="协议未履行，重新办理。"),
        "return": approve_return,
        "pause": lambda g: services.pause_clock(actor=handler(g), grievance=g, reason="appraisal", note="伤情鉴定"),
        "resume": lambda g: services.resume_clock(actor=handler(g), grievance=g),
        "extension": extension,
        "scan one": lambda g: services.process_clock(g.pk, now=later()),
        "scan batch": lambda g: services.process_clocks(ids, now=later()),
    }
    # What may happen next in each state (a refused step is skipped; scans can come any time).
    likely = {
        State.SUBMITTED: ["accept"] * 5 + ["reject"],
        State.ACCEPTED: ["dispatch"],
        State.DISPATCHED: ["sign", "sign", "return", "supervise", "pause"],
        State.HANDLING: ["interim", "complete", "complete", "pause", "resume", "extension", "extension",
                         "supervise", "return"],
        State.COMPLETED: ["verify", "verify", "send_back"],
        State.VERIFIED: ["rate"],
        State.CLOSED: ["reopen"],
        State.REJECTED: [],
    }
    done: dict[str, int] = {}
    dues = set()
    _assert_copies_equal(ids, users)
    for _ in range(80):
        g = Grievance.objects.get(pk=rng.choice(ids))
        moves = likely[g.state]
        name = rng.choice(moves) if moves and rng.random() < 0.75 else rng.choice(["scan one", "scan batch"])
        try:
            steps[name](g)
        except REFUSALS:
            continue
        done[name] = done.get(name, 0) + 1
        _assert_copies_equal(ids, users)
        dues.update(Grievance.objects.filter(pk__in=ids).values_list("due_at", flat=True))
    # The walk really went through the kinds of change (and the due times really moved).
    assert {"accept", "dispatch", "sign", "scan one", "scan batch"} <= set(done), done
    assert len(done) >= 10, done
    assert len(dues - {None}) >= 4
    assert CoHandling.objects.filter(grievance_id__in=ids).exists()


def test_an_item_object_loaded_before_its_deadline_moved_does_not_put_the_old_time_back(
        world, citizen, east_centre_staff, east_handler):
    g = helpers.sign(helpers.dispatch(helpers.accept(helpers.submit(citizen, world.east_village), east_centre_staff),
                                      east_centre_staff, world.east_dept), east_handler)
    stale = Grievance.objects.get(pk=g.pk)
    assert stale.due_at is not None
    services.pause_clock(actor=east_handler, grievance=g, reason="expert", note="请专家论证")  # no state change
    moved = Clock.objects.get(pk=g.pk).due_at
    assert moved != stale.due_at
    stale.address = "柳岸花园3栋"
    stale.save()
    fresh = Grievance.objects.get(pk=g.pk)
    assert (fresh.address, fresh.due_at) == ("柳岸花园3栋", moved)
