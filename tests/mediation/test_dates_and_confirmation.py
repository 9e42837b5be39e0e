"""Mediation dates are checked and judicial confirmation follows the ruling (issue 14 item 13)."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from mediation import services
from mediation.models import CaseState
from tests.factories import PASSWORD
from tests.mediation.factories import taken_case
from tests.uploads_corpus import pdf

pytestmark = pytest.mark.django_db


def _held_session(case, mediator, when):
    session = services.schedule_session(actor=mediator, case=case, mode="in_person", scheduled_at=when,
                                        place="柳岸社区调解室")
    return services.record_session(actor=mediator, session=session, participants="张三、王五", minutes="双方陈述")


def test_a_session_in_the_future_cannot_be_recorded_as_held(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    session = services.schedule_session(actor=mediator, case=case, mode="in_person",
                                        scheduled_at=timezone.now() + timedelta(days=2), place="调解室")
    with pytest.raises(services.MediationError, match="尚未到时间"):
        services.record_session(actor=mediator, session=session, participants="张三", minutes="双方陈述")
    session.refresh_from_db()
    assert not session.held


def test_an_agreement_cannot_be_signed_before_its_session(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    _held_session(case, mediator, timezone.now() - timedelta(hours=1))
    with pytest.raises(services.MediationError, match="早于最近一次调解"):
        services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元",
                                         performance_deadline=date.today() + timedelta(days=7),
                                         signed_on=date.today() - timedelta(days=3))
    with pytest.raises(services.MediationError, match="不能晚于今天"):
        services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元",
                                         performance_deadline=date.today() + timedelta(days=7),
                                         signed_on=date.today() + timedelta(days=1))
    case.refresh_from_db()
    assert case.state != CaseState.SUCCEEDED
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元",
                                     performance_deadline=date.today() + timedelta(days=7))
    case.refresh_from_db()
    assert case.state == CaseState.SUCCEEDED


def _confirmed(world, citizen, east_centre_staff, mediator, **apply_kw):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_with_agreement(actor=mediator, case=case, terms="赔偿1500元", performance_deadline=date.today())
    jc = services.apply_judicial_confirmation(actor=mediator, case=case, court="东湖区人民法院", **apply_kw)
    services.decide_judicial_confirmation(actor=mediator, confirmation=jc, confirmed=True,
                                          ruling_no="（2026）湘0901民特12号")
    return case, jc


def test_no_second_application_after_a_confirmed_ruling(client, world, citizen, east_centre_staff, mediator):
    case, _jc = _confirmed(world, citizen, east_centre_staff, mediator)
    with pytest.raises(services.MediationError, match="不能再次申请"):
        services.apply_judicial_confirmation(actor=mediator, case=case, court="东湖区人民法院")
    client.login(username=mediator.username, password=PASSWORD)
    page = client.get(reverse("mediation:case", args=[case.pk])).content.decode()
    assert reverse("mediation:apply_confirmation", args=[case.pk]) not in page


def test_confirmation_material_is_open_to_the_cases_mediator_outside_the_admin(
        client, world, citizen, east_centre_staff, mediator, other_citizen):
    material = SimpleUploadedFile("申请书.pdf", pdf(), content_type="application/pdf")
    case, jc = _confirmed(world, citizen, east_centre_staff, mediator, document_file=material)
    client.login(username=mediator.username, password=PASSWORD)
    page = client.get(reverse("mediation:case", args=[case.pk])).content.decode()
    link = jc.document_file.url
    assert link in page and "下载申请材料" in page
    response = client.get(link)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.logout()
    client.force_login(other_citizen)
    assert client.get(link).status_code in (403, 404)
