"""The loop's rules, checked at the service layer."""

import pytest

from grievances import services
from grievances.models import (
    EventAction,
    GrievanceEvent,
    GrievanceKind,
    ReturnStatus,
    Satisfaction,
    Severity,
    State,
)
from grievances.tracking import is_valid
from tests.grievances.factories import category


def test_submission_gets_a_valid_tracking_number_and_the_nearest_centre(loop, world):
    g = loop.submit()
    assert g.state == State.SUBMITTED
    assert is_valid(g.tracking_no) and len(g.tracking_no) == 14
    assert g.centre == world.east_town_centre
    assert list(g.events.values_list("action", flat=True)) == [EventAction.SUBMITTED]


def test_tracking_numbers_are_sequential_per_day(loop):
    a, b = loop.submit(), loop.submit()
    assert int(b.tracking_no[8:13]) == int(a.tracking_no[8:13]) + 1


def test_whole_loop_with_unsatisfied_rating_then_closed(loop, citizen, east_centre_staff, east_handler):
    g = loop.verified()
    services.rate_grievance(actor=citizen, grievance=g, satisfaction=Satisfaction.UNSATISFIED, comment="电梯又坏了")
    g.refresh_from_db()
    assert g.state == State.HANDLING
    assert g.supervision_count == 1
    services.complete_grievance(actor=east_handler, grievance=g, result="更换了曳引机，已验收。")
    services.verify_grievance(actor=east_centre_staff, grievance=g)
    services.rate_grievance(actor=citizen, grievance=g, satisfaction=Satisfaction.BASIC)
    g.refresh_from_db()
    assert g.state == State.CLOSED
    actions = list(g.events.values_list("action", flat=True))
    assert actions == [
        "submitted", "accepted", "dispatched", "signed", "completed", "verified", "rated_unsatisfied",
        "supervised", "completed", "verified", "rated_satisfied",
    ]


def test_dispute_cannot_be_accepted_without_a_grade(loop, east_centre_staff):
    g = loop.submit()
    with pytest.raises(services.TransitionRefused, match="纠纷等级"):
        services.accept_grievance(actor=east_centre_staff, grievance=g, kind=GrievanceKind.DISPUTE, severity="")


def test_department_cannot_accept(loop, east_handler):
    g = loop.submit()
    with pytest.raises(services.GrievancePermissionError, match="综治中心"):
        services.accept_grievance(actor=east_handler, grievance=g, kind=GrievanceKind.INQUIRY)


def test_other_county_centre_cannot_accept(loop, west_centre_staff):
    g = loop.submit()
    with pytest.raises(services.GrievancePermissionError):
        services.accept_grievance(actor=west_centre_staff, grievance=g, kind=GrievanceKind.INQUIRY)


def test_cannot_sign_before_dispatch(loop, east_handler):
    g = loop.accepted()
    with pytest.raises(services.GrievancePermissionError):
        services.sign_grievance(actor=east_handler, grievance=g)


def test_cannot_complete_twice(loop, east_handler):
    g = loop.completed()
    with pytest.raises(services.TransitionRefused, match="已办结待核查"):
        services.complete_grievance(actor=east_handler, grievance=g, result="再次办结")


def test_reject_needs_reason_and_guidance(loop, east_centre_staff):
    g = loop.submit()
    with pytest.raises(services.TransitionRefused, match="指引"):
        services.reject_grievance(actor=east_centre_staff, grievance=g, reason="属于诉讼事项", guidance="")
    services.reject_grievance(actor=east_centre_staff, grievance=g, reason="属于诉讼事项", guidance="请向东湖区人民法院起诉")
    g.refresh_from_db()
    assert g.state == State.REJECTED
    assert "东湖区人民法院" in g.events.get(action="rejected").note


def test_return_needs_leader_and_two_returns_force_joint_handling(
    loop, world, east_handler, east_dept_leader, east_centre_staff, east_handler2
):
    g = loop.handling()
    rr = services.request_return(actor=east_handler, grievance=g, reason="电梯属特种设备，归市场监管局")
    with pytest.raises(services.GrievancePermissionError, match="领导"):
        services.approve_return(actor=east_handler, return_request=rr)
    services.approve_return(actor=east_dept_leader, return_request=rr, note="同意")
    g.refresh_from_db()
    assert g.state == State.ACCEPTED and g.return_count == 1 and g.handling_unit is None
    assert g.centre == world.east_centre  # the same-level centre of the department
    rr.refresh_from_db()
    assert rr.status == ReturnStatus.APPROVED
    # second time round
    services.dispatch_grievance(actor=east_centre_staff, grievance=g, unit=world.east_dept)
    rr2 = services.request_return(actor=east_handler, grievance=g, reason="仍不属本单位职责")
    services.approve_return(actor=east_dept_leader, return_request=rr2)
    g.refresh_from_db()
    assert g.return_count == 2
    with pytest.raises(services.TransitionRefused, match="联调联处"):
        services.dispatch_grievance(actor=east_centre_staff, grievance=g, unit=world.east_dept)
    services.open_joint_handling(actor=east_centre_staff, grievance=g, lead_unit=world.east_dept2,
                                 co_units=[world.east_dept], reason="两次退回，组织联合调处")
    g.refresh_from_db()
    assert g.state == State.DISPATCHED and g.is_joint and g.handling_unit == world.east_dept2
    assert g.first_unit == world.east_dept
    # the co-handling unit still sees it and may reply
    services.sign_grievance(actor=east_handler2, grievance=g)
    services.interim_reply(actor=east_handler, grievance=g, note="住建局已派员现场核查")


def test_refused_return_keeps_item_at_unit(loop, east_handler, east_dept_leader):
    g = loop.handling()
    rr = services.request_return(actor=east_handler, grievance=g, reason="不属于本单位")
    services.refuse_return(actor=east_dept_leader, return_request=rr, note="属本单位职责，继续办理")
    g.refresh_from_db()
    assert g.state == State.HANDLING and g.return_count == 0
    assert g.events.filter(action=EventAction.RETURN_REFUSED).exists()


def test_stale_copy_loses_with_a_clear_message(loop, east_centre_staff):
    g = loop.submit()
    from grievances.models import Grievance

    other = Grievance.objects.get(pk=g.pk)
    services.accept_grievance(actor=east_centre_staff, grievance=g, kind=GrievanceKind.INQUIRY)
    with pytest.raises(services.ConcurrentChange, match="已被他人处理"):
        services.reject_grievance(actor=east_centre_staff, grievance=other, reason="重复", guidance="无")
    assert GrievanceEvent.objects.filter(grievance=g, action="rejected").count() == 0


def test_stale_copy_loses_even_when_state_is_unchanged(loop, east_centre_staff):
    g = loop.handling()
    from grievances.models import Grievance

    other = Grievance.objects.get(pk=g.pk)
    services.supervise_grievance(actor=east_centre_staff, grievance=g, note="请加快办理")
    with pytest.raises(services.ConcurrentChange):
        services.supervise_grievance(actor=east_centre_staff, grievance=other, note="请加快办理")


def test_automatic_supervision_and_auto_close(loop):
    g = loop.handling()
    services.supervise_grievance(actor=None, grievance=g, note="超时未办结", automatic=True)
    g.refresh_from_db()
    assert g.supervision_count == 1
    v = loop.verified()
    assert services.auto_close_grievance(grievance=v) is not None
    v.refresh_from_db()
    assert v.state == State.CLOSED
    assert services.auto_close_grievance(grievance=v) is None


def test_escalate_to_upper_centre(loop, world, east_centre_staff):
    g = loop.submit()
    services.escalate_grievance(actor=east_centre_staff, grievance=g, note="本级无法处理")
    g.refresh_from_db()
    assert g.centre == world.east_centre


def test_allowed_actions_follow_state_and_role(loop, east_centre_staff, east_handler, citizen):
    g = loop.dispatched()
    assert "sign" in services.allowed_actions(east_handler, g)
    assert "accept" not in services.allowed_actions(east_centre_staff, g)
    assert "supervise" in services.allowed_actions(east_centre_staff, g)
    assert services.allowed_actions(citizen, g) == ["supplement"]


def test_routing_suggestion_falls_back_up_the_tree(loop, world):
    from grievances.models import RoutingRule
    from grievances.selectors import routing_suggestion

    RoutingRule.objects.create(category=category(), region=world.east, unit=world.east_dept)
    g = loop.accepted()
    assert routing_suggestion(g) == world.east_dept
    RoutingRule.objects.create(category=category(), region=world.east_town, unit=world.east_mediation)
    assert routing_suggestion(g) == world.east_mediation


def test_severity_labels():
    assert Severity.GRAVE.label == "重大"


def test_raw_uploaded_files_are_checked_by_the_service(loop):
    from tests.grievances import media

    g = loop.submit(files=[media.jpeg_with_gps()])
    assert g.attachments.get().content_type == "image/jpeg"
    with pytest.raises(services.TransitionRefused, match="类型不支持"):
        loop.submit(files=[media.text_as_jpeg()])


def test_record_event_is_the_public_event_writer(loop):
    g = loop.handling()
    event = services.record_event(g, actor=None, action=EventAction.PAUSED, from_state=g.state, note="专家鉴定",
                                  public=True, unit=g.handling_unit)
    assert event.to_state == State.HANDLING and event.action == "paused"


def test_routing_suggestion_skips_a_unit_that_returned_the_item(loop, world, east_handler, east_dept_leader):
    from grievances.models import RoutingRule
    from grievances.selectors import routing_suggestion

    RoutingRule.objects.create(category=category(), region=world.east, unit=world.east_dept)
    RoutingRule.objects.create(category=category(), region=world.city, unit=world.east_dept2)
    g = loop.dispatched()
    rr = services.request_return(actor=east_handler, grievance=g, reason="不属本单位")
    services.approve_return(actor=east_dept_leader, return_request=rr)
    g.refresh_from_db()
    assert routing_suggestion(g) == world.east_dept2
