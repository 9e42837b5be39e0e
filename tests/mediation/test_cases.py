from datetime import date, timedelta

import pytest
from django.utils import timezone

from grid.notifications.models import Message
from grievances import services as gsvc
from grievances.models import State
from mediation import services
from mediation.models import CaseState, MediationCase, ReturnVisit, RoomPass
from tests.mediation.factories import dispatched_dispute, taken_case
from tests.mediation.pdftext import pdf_text

pytestmark = pytest.mark.django_db


def _finish_loop(case, staff, citizen):
    g = case.grievance
    g.refresh_from_db()
    assert g.state == State.COMPLETED
    gsvc.verify_grievance(actor=staff, grievance=g)
    gsvc.rate_grievance(actor=citizen, grievance=g, satisfaction="satisfied")
    g.refresh_from_db()
    return g


def test_dispatch_to_mediation_org_opens_one_case_with_the_reporter_as_applicant(
        world, citizen, east_centre_staff):
    g = dispatched_dispute(world, citizen, east_centre_staff)
    case = services.open_case_for_grievance(grievance=g, organisation=world.east_mediation, actor=east_centre_staff)
    again = services.open_case_for_grievance(grievance=g, organisation=world.east_mediation, actor=east_centre_staff)
    assert case.pk == again.pk
    assert MediationCase.objects.filter(grievance=g).count() == 1
    applicant = case.parties.get()
    assert (applicant.side, applicant.name, applicant.user) == ("applicant", citizen.display_name, citizen)
    assert case.region_code == g.region_code and case.state == CaseState.OPEN


def test_successful_mediation_completes_the_grievance_and_returns_it_for_rating(
        world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    assert case.grievance.state == State.HANDLING
    session = services.schedule_session(actor=mediator, case=case, mode="in_person",
                                        scheduled_at=timezone.now(), place="柳岸社区调解室")
    services.record_session(actor=mediator, session=session, participants="张三、王五、调解员陈",
                            minutes="双方陈述", next_steps="王五请人维修", present_parties=list(case.parties.all()))
    agreement = services.conclude_with_agreement(
        actor=mediator, case=case, terms="王五于12月1日前修复漏水并赔偿张三1500元。",
        performance_deadline=date.today() + timedelta(days=7),
    )
    case.refresh_from_db()
    assert case.state == CaseState.SUCCEEDED
    assert agreement.pdf.name.endswith(".pdf")
    assert ReturnVisit.objects.filter(case=case, visited_at__isnull=True).count() == 1
    g = _finish_loop(case, east_centre_staff, citizen)
    assert g.state == State.CLOSED
    assert "调解成功" in g.result
    assert g.events.filter(action="interim_reply", note__contains="第1次调解").exists()


def test_failed_mediation_completes_with_guidance(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    with pytest.raises(services.MediationError, match="仲裁、诉讼"):
        services.conclude_failed(actor=mediator, case=case, reason="双方分歧过大", guidance="")
    services.conclude_failed(actor=mediator, case=case, reason="双方分歧过大", guidance="可向东湖区人民法院起诉。")
    case.refresh_from_db()
    assert case.state == CaseState.FAILED and case.guidance
    g = _finish_loop(case, east_centre_staff, citizen)
    assert "调解不成" in g.result and "人民法院" in g.result


def test_terminated_mediation_completes_with_reason(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.terminate_case(actor=mediator, case=case, reason="申请人撤回调解申请")
    case.refresh_from_db()
    assert case.state == CaseState.TERMINATED
    g = _finish_loop(case, east_centre_staff, citizen)
    assert "终止调解：申请人撤回调解申请" in g.result
    with pytest.raises(services.MediationError, match="不能终止调解"):
        services.terminate_case(actor=mediator, case=case, reason="再次终止")


def test_agreement_pdf_contains_parties_names_and_terms(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.add_party(actor=mediator, case=case, side="respondent", name="赵六", phone="13700000006")
    agreement = services.conclude_with_agreement(
        actor=mediator, case=case, terms="一、王五赔偿张三人民币1500元；二、赵六负责维修管道。",
        performance_deadline=date(2026, 12, 31),
    )
    with agreement.pdf.open("rb") as fh:
        text = pdf_text(fh.read())
    assert "人民调解协议书" in text
    for name in (citizen.display_name, "王五", "赵六", "调解员陈"):
        assert name in text
    assert "王五赔偿张三人民币1500元" in text and "赵六负责维修管道" in text
    assert "2026年12月31日" in text


def test_agreement_needs_a_respondent(world, citizen, east_centre_staff, mediator):
    g = dispatched_dispute(world, citizen, east_centre_staff)
    case = services.take_case(actor=mediator, grievance=g)
    with pytest.raises(services.MediationError, match="被申请人"):
        services.conclude_with_agreement(actor=mediator, case=case, terms="x", performance_deadline=date.today())


def test_video_session_invites_every_party_once_through_the_outbox(
        world, citizen, east_centre_staff, mediator, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://zz.qingyuan.example"
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.add_party(actor=mediator, case=case, side="respondent", name="赵六", phone="13700000006")
    with django_capture_on_commit_callbacks(execute=True):
        session = services.schedule_session(actor=mediator, case=case, mode="video",
                                            scheduled_at=timezone.now() + timedelta(days=1))
    services.send_video_invitations(actor=mediator, session=session)
    msgs = Message.objects.filter(channel="sms", template_code=services.VIDEO_INVITE_TEMPLATE)
    assert sorted(msgs.values_list("phone", flat=True)) == sorted([citizen.phone, "13700000005", "13700000006"])
    # each party's SMS carries that party's own link to the platform's room
    for m in msgs:
        p = RoomPass.objects.get(session=session, party__phone=m.phone)
        assert f"https://zz.qingyuan.example/mediation/room/{p.token}/" in m.text
    assert len({p.token for p in RoomPass.objects.filter(session=session)}) == 3
    assert set(msgs.values_list("status", flat=True)) == {"sent"}


def test_only_the_cases_mediators_and_scoped_centre_staff_see_a_case(
        world, citizen, other_citizen, east_centre_staff, west_centre_staff, city_centre_staff, mediator,
        mediator2, east_handler):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    visible = lambda user: MediationCase.objects.visible_to(user).filter(pk=case.pk).exists()  # noqa: E731
    assert visible(mediator) and visible(east_centre_staff) and visible(city_centre_staff)
    assert not visible(mediator2)
    assert not visible(west_centre_staff)
    assert not visible(east_handler)
    assert not visible(citizen) and not visible(other_citizen)
    assert MediationCase.objects.for_party(citizen).filter(pk=case.pk).exists()
    assert not MediationCase.objects.for_party(other_citizen).exists()
    with pytest.raises(services.MediationPermissionError):
        services.schedule_session(actor=mediator2, case=case, mode="in_person", scheduled_at=timezone.now(),
                                  place="调解室")


def test_unassigned_case_is_visible_to_the_organisations_mediators_until_taken(
        world, citizen, east_centre_staff, mediator, mediator2):
    g = dispatched_dispute(world, citizen, east_centre_staff)
    case = services.open_case_for_grievance(grievance=g, organisation=world.east_mediation, actor=east_centre_staff)
    assert MediationCase.objects.visible_to(mediator2).filter(pk=case.pk).exists()
    services.take_case(actor=mediator, grievance=g)
    assert not MediationCase.objects.visible_to(mediator2).filter(pk=case.pk).exists()


def test_judicial_confirmation_is_applied_then_confirmed(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    with pytest.raises(services.MediationError, match="达成调解协议"):
        services.apply_judicial_confirmation(actor=mediator, case=case, court="东湖区人民法院")
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元",
                                     performance_deadline=date.today())
    jc = services.apply_judicial_confirmation(actor=mediator, case=case, court="东湖区人民法院",
                                              documents="调解协议书、身份证明")
    with pytest.raises(services.MediationError, match="等待法院裁定"):
        services.apply_judicial_confirmation(actor=mediator, case=case, court="东湖区人民法院")
    services.decide_judicial_confirmation(actor=mediator, confirmation=jc, confirmed=True,
                                          ruling_no="（2026）湘0901民特12号")
    jc.refresh_from_db()
    assert jc.status == "confirmed"


def test_unperformed_agreement_reopens_supervision(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元",
                                     performance_deadline=date.today())
    visit = case.return_visits.get()
    services.record_return_visit(actor=east_centre_staff, visit=visit, performed=False, note="王五未付款")
    g = case.grievance
    g.refresh_from_db()
    assert g.supervision_count == 1
    assert g.supervisions.get().note.startswith("回访发现调解协议未履行")
    case.refresh_from_db()
    assert case.performance_supervised
    assert case.return_visits.filter(visited_at__isnull=True).count() == 1


def test_unperformed_agreement_after_archiving_sends_the_case_back_to_mediation(
        world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元",
                                     performance_deadline=date.today())
    g = _finish_loop(case, east_centre_staff, citizen)
    assert g.state == State.CLOSED
    services.record_return_visit(actor=mediator, visit=case.return_visits.get(), performed=False, note="未付款")
    case.refresh_from_db()
    assert case.state == CaseState.MEDIATING and case.performance_supervised
    # The archived grievance is back at the organisation under a supervision order, its
    # clocks running again, and the citizen sees why.
    g.refresh_from_db()
    assert g.state == State.HANDLING and g.supervision_count == 1
    assert g.supervisions.get().issued_by is None
    assert g.events.get(action="reopened", public=True).note == "回访发现调解协议未履行：未付款"
    assert g.clock.is_open and g.clock.completion_due is not None
    # The mediators follow up and the new outcome completes the grievance again.
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元，分两期支付",
                                     performance_deadline=date.today())
    g.refresh_from_db()
    assert g.state == State.COMPLETED


def test_unperformed_agreement_after_archiving_reopened_by_centre_staff(
        world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元",
                                     performance_deadline=date.today())
    g = _finish_loop(case, east_centre_staff, citizen)
    services.record_return_visit(actor=east_centre_staff, visit=case.return_visits.get(), performed=False)
    g.refresh_from_db()
    assert g.state == State.HANDLING
    assert g.supervisions.get().issued_by == east_centre_staff


def test_dispatch_through_the_loop_opens_the_case(world, citizen, east_centre_staff):
    g = dispatched_dispute(world, citizen, east_centre_staff)
    assert MediationCase.objects.get(grievance=g).organisation == world.east_mediation


def test_mediator_pauses_the_clock_for_an_appraisal(world, citizen, east_centre_staff, mediator):
    from grievances.deadlines import services as clocks

    case = taken_case(world, citizen, east_centre_staff, mediator)
    clocks.pause_clock(actor=mediator, grievance=case.grievance, reason="appraisal", note="房屋漏水原因鉴定")
    assert case.grievance.events.filter(action="paused").exists()


def test_case_sent_back_by_the_centre_is_mediated_again_and_completes_again(
        world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1000元", performance_deadline=date.today())
    g = case.grievance
    g.refresh_from_db()
    gsvc.send_back_grievance(actor=east_centre_staff, grievance=g, reason="赔偿金额未写明支付方式")
    case.refresh_from_db()
    assert services.needs_reopening(case)
    services.reopen_case(actor=mediator, case=case)
    agreement = services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1000元，微信转账支付",
                                                 performance_deadline=date.today())
    g.refresh_from_db()
    assert g.state == State.COMPLETED and "微信转账" in g.result
    assert agreement.case.agreement.terms == "赔偿1000元，微信转账支付"
    with agreement.pdf.open("rb") as fh:
        assert "微信转账支付" in pdf_text(fh.read())


def test_case_cannot_reopen_while_its_grievance_is_with_the_centre(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.terminate_case(actor=mediator, case=case, reason="撤回")
    with pytest.raises(services.MediationError, match="退回重办"):
        services.reopen_case(actor=mediator, case=case)


def test_judicial_confirmation_must_be_applied_for_within_thirty_days(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿", performance_deadline=date.today(),
                                     signed_on=date.today() - timedelta(days=31))
    with pytest.raises(services.MediationError, match="三十日内"):
        services.apply_judicial_confirmation(actor=mediator, case=case, court="东湖区人民法院")


def test_parties_are_told_the_courts_ruling(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿", performance_deadline=date.today())
    jc = services.apply_judicial_confirmation(actor=mediator, case=case, court="东湖区人民法院")
    services.decide_judicial_confirmation(actor=mediator, confirmation=jc, confirmed=False, note="协议内容违反法律规定")
    msgs = Message.objects.filter(template_code=services.RULING_TEMPLATE)
    assert set(msgs.filter(channel="sms").values_list("phone", flat=True)) == {citizen.phone, "13700000005"}
    assert msgs.filter(channel="site", user=citizen).exists()
    assert all("不予确认" in m.text for m in msgs)


def test_a_party_with_a_citizen_account_is_linked_by_phone(world, citizen, other_citizen, east_centre_staff,
                                                           mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.add_party(actor=mediator, case=case, side="respondent", name="李四", phone=other_citizen.phone)
    assert MediationCase.objects.for_party(other_citizen).filter(pk=case.pk).exists()
