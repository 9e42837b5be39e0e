import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grid.notifications.models import Message
from grievances import services as gsvc
from grievances.models import State
from mediation import services
from mediation.models import LegalAidApplication
from tests.uploads_corpus import pdf

pytestmark = pytest.mark.django_db


def _application(world, citizen, staff, centre):
    app = services.apply_for_legal_aid(
        actor=citizen, region=world.east_village, applicant_name="张三", id_number="430101199001011234",
        address="柳岸社区3栋", phone=citizen.phone, case_type="labour", opponent="某建筑公司",
        hardship="家庭人均月收入低于当地最低生活保障标准。", description="被拖欠工资3万元，申请法律援助。",
        documents=[("身份证复印件", SimpleUploadedFile("id.pdf", pdf()))],
    )
    gsvc.accept_grievance(actor=staff, grievance=app.grievance, kind="legal_aid")
    gsvc.dispatch_grievance(actor=staff, grievance=app.grievance, unit=centre)
    return LegalAidApplication.objects.get(pk=app.pk)


def test_application_is_a_legal_aid_grievance_with_documents(world, citizen, east_centre_staff, legal_aid_centre):
    app = _application(world, citizen, east_centre_staff, legal_aid_centre)
    assert app.grievance.kind == "legal_aid" and app.grievance.reporter == citizen
    assert app.documents.get().name == "身份证复印件"


def test_centre_approves_and_assigns_a_lawyer(world, citizen, east_centre_staff, legal_aid_centre,
                                              legal_aid_staff, lawyer):
    app = _application(world, citizen, east_centre_staff, legal_aid_centre)
    services.approve_legal_aid(actor=legal_aid_staff, application=app, lawyer=lawyer)
    app.refresh_from_db()
    assert app.status == "approved" and app.lawyer == lawyer
    assert app.grievance.state == State.COMPLETED
    assert lawyer.display_name in app.grievance.result
    assert Message.objects.filter(user=lawyer, channel="site", template_code="legal_aid_assigned_lawyer").exists()


def test_refusal_needs_a_reason_and_only_the_receiving_centre_reviews(
        world, citizen, east_centre_staff, legal_aid_centre, legal_aid_staff, east_handler):
    app = _application(world, citizen, east_centre_staff, legal_aid_centre)
    with pytest.raises(services.MediationPermissionError):
        services.refuse_legal_aid(actor=east_handler, application=app, reason="x")
    with pytest.raises(services.MediationError, match="说明理由"):
        services.refuse_legal_aid(actor=legal_aid_staff, application=app, reason=" ")
    services.refuse_legal_aid(actor=legal_aid_staff, application=app, reason="家庭收入高于援助标准")
    app.refresh_from_db()
    assert app.status == "refused"
    assert "家庭收入高于援助标准" in app.grievance.result
