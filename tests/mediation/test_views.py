from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from grid.notifications.models import Message
from grievances.models import Category
from mediation import services
from mediation.models import RoomPass, Session
from tests.factories import PASSWORD
from tests.mediation.factories import dispatched_dispute, taken_case

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_public_directory_lists_mediators_by_language(client, world, mediator, mediator2,
                                                      django_assert_max_num_queries):
    services.save_mediator_profile(actor=mediator, user=mediator, title="乡贤", expertise="婚姻家庭、邻里关系",
                                   languages="彝语、普通话", bio="村里的老支书。", years=12)
    services.save_mediator_profile(actor=mediator2, user=mediator2, languages="普通话", is_public=True)
    with django_assert_max_num_queries(3):
        resp = client.get(reverse("mediation:mediators"), {"language": "彝语"})
    body = resp.content.decode()
    assert "调解员陈" in body and "邻里关系" in body and "调解员林" not in body
    assert "共 1 名调解员" in body


def test_home_tile_links_to_the_directory(client, world):
    resp = client.get(reverse("home"))
    assert reverse("mediation:mediators") in resp.content.decode()


def test_mediator_inbox_shows_own_cases_and_dispatched_items_to_take(
        client, world, citizen, east_centre_staff, mediator, mediator2, django_assert_max_num_queries):
    case = taken_case(world, citizen, east_centre_staff, mediator, title="甲案")
    taken_case(world, citizen, east_centre_staff, mediator2, title="乙案")
    dispatched_dispute(world, citizen, east_centre_staff, title="丙案待接收")
    _login(client, mediator)
    with django_assert_max_num_queries(12):
        resp = client.get(reverse("mediation:inbox"))
    body = resp.content.decode()
    assert "甲案" in body and "乙案" not in body and "丙案待接收" in body
    assert f'data-case="{case.pk}"' in body


def test_mediator_takes_a_dispatched_item(client, world, citizen, east_centre_staff, mediator):
    g = dispatched_dispute(world, citizen, east_centre_staff)
    _login(client, mediator)
    resp = client.post(reverse("mediation:take", args=[g.pk]))
    case = g.mediation_case
    assert resp.status_code == 302 and resp.url == reverse("mediation:case", args=[case.pk])
    assert list(case.mediators.all()) == [mediator]


def test_other_mediator_cannot_open_the_case_page(client, world, citizen, east_centre_staff, mediator, mediator2):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    _login(client, mediator2)
    assert client.get(reverse("mediation:case", args=[case.pk])).status_code == 404


def test_video_session_form_invites_parties_and_party_page_shows_the_link(
        client, world, citizen, other_citizen, east_centre_staff, mediator, django_capture_on_commit_callbacks):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    _login(client, mediator)
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("mediation:new_session", args=[case.pk]), {"mode": "video", "scheduled_at": when})
    assert resp.status_code == 302
    session = Session.objects.get(case=case)
    assert Message.objects.filter(template_code=services.VIDEO_INVITE_TEMPLATE).count() == 2
    client.logout()
    _login(client, citizen)
    body = client.get(reverse("mediation:my_case", args=[case.pk])).content.decode()
    own = RoomPass.objects.get(session=session, party__user=citizen)
    assert reverse("mediation:room", args=[own.token]) in body
    other = RoomPass.objects.exclude(pk=own.pk).get(session=session)
    assert other.token not in body
    client.logout()
    _login(client, other_citizen)
    assert client.get(reverse("mediation:my_case", args=[case.pk])).status_code == 404


def test_agreement_form_produces_a_pdf_and_party_sees_confirmation_status(
        client, world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    _login(client, mediator)
    resp = client.post(reverse("mediation:agreement", args=[case.pk]), {
        "facts": "漏水纠纷", "terms": "王五赔偿1500元", "performance_deadline": (date.today() + timedelta(days=5)).isoformat(),
        "performance_method": "微信转账",
    })
    assert resp.status_code == 302
    pdf = client.get(reverse("mediation:agreement_pdf", args=[case.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    client.post(reverse("mediation:apply_confirmation", args=[case.pk]), {"court": "东湖区人民法院"})
    client.logout()
    _login(client, citizen)
    body = client.get(reverse("mediation:my_case", args=[case.pk])).content.decode()
    assert "东湖区人民法院" in body and 'data-confirmation="applied"' in body
    assert client.get(reverse("mediation:my_agreement_pdf", args=[case.pk]))["Content-Type"] == "application/pdf"


def test_risk_register_page_shows_counts_per_region(client, world, east_centre_staff,
                                                     django_assert_max_num_queries):
    cat = Category.objects.get(code="neighbour")
    for i in range(3):
        services.register_risk(actor=east_centre_staff, title=f"风险{i}", description="d", region=world.east_village,
                               category=cat, level="low", responsible_unit=world.east_town_centre)
    _login(client, east_centre_staff)
    with django_assert_max_num_queries(10):
        resp = client.get(reverse("mediation:risks"))
    body = resp.content.decode()
    assert 'data-region="439001001000"' in body and "风险2" in body


def test_legal_aid_application_form(client, world, citizen):
    _login(client, citizen)
    resp = client.post(reverse("mediation:legal_aid_apply"), {
        "region": world.east_village.pk, "applicant_name": "张三", "id_number": "43010119900101123X",
        "phone": citizen.phone, "address": "柳岸社区", "case_type": "labour", "description": "被拖欠工资",
        "hardship": "低保户",
    })
    assert resp.status_code == 302
    assert citizen.grievances.get().legal_aid.hardship == "低保户"


def test_grid_worker_cannot_open_the_mediator_inbox(client, world, grid_worker):
    _login(client, grid_worker)
    assert client.get(reverse("mediation:inbox")).status_code == 403


def test_legal_aid_reviewer_sees_the_review_form(client, world, citizen, east_centre_staff, legal_aid_centre,
                                                 legal_aid_staff, lawyer):
    from grievances import services as gsvc

    app = services.apply_for_legal_aid(
        actor=citizen, region=world.east_village, applicant_name="张三", id_number="430101199001011234",
        address="柳岸社区", phone=citizen.phone, case_type="family", hardship="困难", description="赡养费")
    gsvc.accept_grievance(actor=east_centre_staff, grievance=app.grievance, kind="legal_aid")
    gsvc.dispatch_grievance(actor=east_centre_staff, grievance=app.grievance, unit=legal_aid_centre)
    _login(client, legal_aid_staff)
    resp = client.post(reverse("mediation:legal_aid_detail", args=[app.pk]),
                       {"decision": "approve", "lawyer": lawyer.pk})
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.status == "approved"




def test_case_list_queries_do_not_grow_with_rows(client, world, citizen, east_centre_staff, mediator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _login(client, east_centre_staff)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("mediation:inbox")).status_code == 200
        return len(ctx.captured_queries)

    taken_case(world, citizen, east_centre_staff, mediator, title="一")
    few = count()
    for i in range(4):
        taken_case(world, citizen, east_centre_staff, mediator, title=f"多{i}")
    assert count() == few


def test_assigned_lawyer_sees_the_legal_aid_case(client, world, citizen, east_centre_staff, legal_aid_centre,
                                                 legal_aid_staff, lawyer):
    from grievances import services as gsvc

    app = services.apply_for_legal_aid(
        actor=citizen, region=world.east_village, applicant_name="张三", id_number="430101199001011234",
        address="柳岸社区", phone=citizen.phone, case_type="family", hardship="困难", description="赡养费")
    gsvc.accept_grievance(actor=east_centre_staff, grievance=app.grievance, kind="legal_aid")
    gsvc.dispatch_grievance(actor=east_centre_staff, grievance=app.grievance, unit=legal_aid_centre)
    services.approve_legal_aid(actor=legal_aid_staff, application=app, lawyer=lawyer)
    _login(client, lawyer)
    body = client.get(reverse("mediation:legal_aid_inbox"), {"show": "all"}).content.decode()
    assert f'data-application="{app.pk}"' in body
    assert client.get(reverse("mediation:legal_aid_detail", args=[app.pk])).status_code == 200
