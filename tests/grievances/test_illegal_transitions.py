"""Every action the state machine does not allow from a state is refused with a message
naming the state and the action, and nothing is written."""

import pytest

from grievances import services
from grievances.models import GrievanceEvent, State


def _actions(w, staff, handler, leader, citizen):
    return {
        "accept": lambda g: services.accept_grievance(actor=staff, grievance=g, kind="inquiry"),
        "reject": lambda g: services.reject_grievance(actor=staff, grievance=g, reason="r", guidance="g"),
        "escalate": lambda g: services.escalate_grievance(actor=staff, grievance=g, note="n"),
        "dispatch": lambda g: services.dispatch_grievance(actor=staff, grievance=g, unit=w.east_dept),
        "open_joint": lambda g: services.open_joint_handling(actor=staff, grievance=g, lead_unit=w.east_dept,
                                                             co_units=[w.east_dept2], reason="r"),
        "sign": lambda g: services.sign_grievance(actor=handler, grievance=g),
        "reply": lambda g: services.interim_reply(actor=handler, grievance=g, note="n"),
        "complete": lambda g: services.complete_grievance(actor=handler, grievance=g, result="r"),
        "request_return": lambda g: services.request_return(actor=handler, grievance=g, reason="r"),
        "verify": lambda g: services.verify_grievance(actor=staff, grievance=g),
        "send_back": lambda g: services.send_back_grievance(actor=staff, grievance=g, reason="r"),
        "close": lambda g: services.record_return_visit(actor=staff, grievance=g, satisfaction="satisfied", note="n"),
        "rate": lambda g: services.rate_grievance(actor=citizen, grievance=g, satisfaction="satisfied"),
    }


# which actions the FSM allows in each state (everything else must be refused)
ALLOWED = {
    State.SUBMITTED: {"accept", "reject", "escalate"},
    State.ACCEPTED: {"reject", "escalate", "dispatch", "open_joint"},
    State.DISPATCHED: {"sign", "request_return"},
    State.HANDLING: {"reply", "complete", "request_return"},
    State.COMPLETED: {"verify", "send_back"},
    State.VERIFIED: {"close", "rate"},
    State.CLOSED: set(),
    State.REJECTED: set(),
}
ALL = sorted(set().union(*ALLOWED.values()))


def _build(loop, state, staff):
    if state == State.REJECTED:
        g = loop.submit()
        services.reject_grievance(actor=staff, grievance=g, reason="不属受理范围", guidance="请向法院起诉")
        return g
    return {
        State.SUBMITTED: loop.submit, State.ACCEPTED: loop.accepted, State.DISPATCHED: loop.dispatched,
        State.HANDLING: loop.handling, State.COMPLETED: loop.completed, State.VERIFIED: loop.verified,
        State.CLOSED: loop.closed,
    }[state]()


@pytest.mark.parametrize("state", list(ALLOWED))
def test_every_illegal_transition_is_refused_with_its_message(
    loop, world, state, east_centre_staff, east_handler, east_dept_leader, citizen
):
    g = _build(loop, state, east_centre_staff)
    g.refresh_from_db()
    assert g.state == state
    actions = _actions(world, east_centre_staff, east_handler, east_dept_leader, citizen)
    before = GrievanceEvent.objects.filter(grievance=g).count()
    for name in ALL:
        if name in ALLOWED[state]:
            continue
        g.refresh_from_db()
        with pytest.raises(services.GrievanceError) as info:
            actions[name](g)
        message = info.value.message
        assert message, name
        if isinstance(info.value, services.TransitionRefused):
            assert str(State(state).label) in message, (name, message)
        g.refresh_from_db()
        assert g.state == state
    assert GrievanceEvent.objects.filter(grievance=g).count() == before
