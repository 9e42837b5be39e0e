"""Every mediation notification's link opens for the person it was sent to (issue 14 item 3):
the video-mediation SMS invitation (each party's own room link, no account needed), the
judicial-confirmation ruling (the reporter's item page) and the legal-aid assignment (the
assigned lawyer's application page); someone else gets a Chinese 404 page."""

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from grid.models import Role
from grid.notifications.models import Message
from grievances import services as gsvc
from mediation import services
from tests.factories import UnitFactory, UserFactory
from tests.mediation.factories import taken_case
from tests.uploads_corpus import pdf

pytestmark = pytest.mark.django_db


def _path(link):
    return urlsplit(link).path


def test_video_invitation_links_open_the_room_for_each_party_without_an_account(
        client, world, citizen, east_centre_staff, mediator, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://zz.qingyuan.example"
    case = taken_case(world, citizen, east_centre_staff, mediator)
    with django_capture_on_commit_callbacks(execute=True):
        session = services.schedule_session(actor=mediator, case=case, mode="video",
                                            scheduled_at=timezone.now() + timedelta(days=1))
    services.send_video_invitations(actor=mediator, session=session)
    msgs = list(Message.objects.filter(template_code=services.VIDEO_INVITE_TEMPLATE))
    assert len(msgs) == 2
    for m in msgs:
        assert m.link and m.link in m.text
        client.logout()
        response = client.get(_path(m.link))
        assert response.status_code == 200, (m.phone, m.link)
        assert case.grievance.title in response.content.decode() or "调解" in response.content.decode()
    broken = _path(msgs[0].link).rstrip("/")[:-4] + "xxxx/"
    response = client.get(broken)
    assert response.status_code == 404


def test_the_ruling_notice_opens_the_reporters_item_and_no_one_elses(
        client, world, citizen, other_citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元", performance_deadline=date.today())
    jc = services.apply_judicial_confirmation(actor=mediator, case=case, court="东湖区人民法院")
    services.decide_judicial_confirmation(actor=mediator, confirmation=jc, confirmed=True,
                                          ruling_no="（2026）湘0901民特12号")
    msgs = list(Message.objects.filter(template_code=services.RULING_TEMPLATE))
    assert msgs
    linked = [m for m in msgs if m.link]
    assert {m.user_id for m in linked} == {citizen.pk}
    assert {m.channel for m in linked} == {"site", "sms"}
    for m in linked:
        assert m.link in m.text
        client.force_login(citizen)
        response = client.get(_path(m.link), follow=True)
        assert response.status_code == 200 and case.grievance.title in response.content.decode()
        client.force_login(other_citizen)
        response = client.get(_path(m.link))
        assert response.status_code == 404 and "回到首页" in response.content.decode()
    # a party without an account gets the result in the SMS itself, with no link to a page it cannot open
    for m in msgs:
        if not m.link:
            assert m.user_id is None and "已确认" in m.text or "确认" in m.text


def test_the_legal_aid_assignment_opens_the_application_for_the_assigned_lawyer_only(
        client, world, citizen, east_centre_staff, lawyer):
    centre = UnitFactory(kind="department", name="东湖区法律援助中心", region=world.east, is_legal_aid=True)
    staff = UserFactory(role=Role.DEPT_HANDLER, unit=centre, display_name="援助中心何")
    app = services.apply_for_legal_aid(
        actor=citizen, region=world.east_village, applicant_name="张三", id_number="430101199001011234",
        address="柳岸社区3栋", phone=citizen.phone, case_type="labour", opponent="某建筑公司",
        hardship="家庭人均月收入低于当地最低生活保障标准。", description="被拖欠工资3万元，申请法律援助。",
        documents=[("身份证复印件", SimpleUploadedFile("id.pdf", pdf()))],
    )
    gsvc.accept_grievance(actor=east_centre_staff, grievance=app.grievance, kind="legal_aid")
    gsvc.dispatch_grievance(actor=east_centre_staff, grievance=app.grievance, unit=centre)
    lawyer.phone = "13700000099"
    lawyer.save(update_fields=["phone"])
    services.approve_legal_aid(actor=staff, application=app, lawyer=lawyer)
    msgs = list(Message.objects.filter(template_code=services.LEGAL_AID_LAWYER_TEMPLATE))
    assert {(m.user_id, m.channel) for m in msgs} == {(lawyer.pk, "site"), (lawyer.pk, "sms")}
    other_lawyer = UserFactory(role=Role.LAWYER, display_name="别的律师")
    for m in msgs:
        assert m.link and m.link in m.text
        assert _path(m.link) == reverse("mediation:legal_aid_detail", args=[app.pk])
        client.force_login(lawyer)
        response = client.get(_path(m.link))
        assert response.status_code == 200 and "张三" in response.content.decode()
        client.force_login(other_lawyer)
        response = client.get(_path(m.link))
        assert response.status_code == 404 and "回到首页" in response.content.decode()
