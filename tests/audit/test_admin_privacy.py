"""Admin change pages that hold another person's phone or ID number: masked (and not
editable) for staff who do not handle the record, full for those who do, and each full view
recorded in the audit trail like the item pages' views."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry, AuditKind
from grid.masking import mask_id_number
from grid.models import Role
from tests.factories import UserFactory
from tests.uploads_corpus import pdf

pytestmark = pytest.mark.django_db


def _views():
    return list(AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_VIEW).order_by("seq"))


def test_mask_id_number():
    assert mask_id_number("430101199001011234") == "430***********1234"
    assert mask_id_number("") == ""


@pytest.fixture
def dept_user(world):
    return UserFactory(role=Role.DEPT_HANDLER, unit=world.east_dept, phone="13800000001", display_name="住建局孙")


def test_user_change_page_masks_the_number_for_a_viewer_who_does_not_manage_accounts(
        client, dept_user, east_centre_staff, django_capture_on_commit_callbacks):
    client.force_login(east_centre_staff)  # may view accounts of the region, not change them
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.get(reverse("admin:grid_user_change", args=[dept_user.pk]))
    body = resp.content.decode()
    assert resp.status_code == 200 and "住建局孙" in body
    assert "138****0001" in body and "13800000001" not in body
    assert not _views()


def test_user_change_page_shows_the_number_to_the_account_manager_and_records_the_view(
        client, dept_user, east_centre_leader, django_capture_on_commit_callbacks):
    client.force_login(east_centre_leader)  # manages the accounts of the region
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(reverse("admin:grid_user_change", args=[dept_user.pk]),
                          REMOTE_ADDR="198.51.100.9").content.decode()
    assert 'name="phone"' in body and 'value="13800000001"' in body
    (row,) = _views()
    assert row.actor_id == east_centre_leader.pk and row.ip == "198.51.100.9"
    assert row.object_type == "grid.user" and row.object_id == str(dept_user.pk)
    assert row.data["fields"] == ["phone"]


def test_citizen_user_name_is_masked_with_the_number(client, admin_user, east_centre_staff, world):
    from tests.factories import CitizenFactory

    c = CitizenFactory(phone="13912340001", display_name="钱七")
    # A viewer who cannot change accounts (an administrator always can): use view-only staff
    # scoped to everything by making the citizen belong to the staff's unit.
    c.unit = world.east_centre
    c.save(update_fields=["unit"])
    client.force_login(east_centre_staff)
    body = client.get(reverse("admin:grid_user_change", args=[c.pk])).content.decode()
    assert "13912340001" not in body and "139****0001" in body


def _legal_aid(world, citizen, staff, centre):
    from grievances import services as gsvc
    from mediation import services

    app = services.apply_for_legal_aid(
        actor=citizen, region=world.east_village, applicant_name="张三", id_number="430101199001011234",
        address="柳岸社区3栋", phone=citizen.phone, case_type="labour", opponent="某建筑公司",
        hardship="家庭人均月收入低于当地最低生活保障标准。", description="被拖欠工资3万元，申请法律援助。",
        documents=[("身份证复印件", SimpleUploadedFile("id.pdf", pdf()))],
    )
    gsvc.accept_grievance(actor=staff, grievance=app.grievance, kind="legal_aid")
    gsvc.dispatch_grievance(actor=staff, grievance=app.grievance, unit=centre)
    return app


def test_legal_aid_change_page_masks_the_id_number_and_it_cannot_be_edited_there(
        client, world, citizen, east_centre_staff, django_capture_on_commit_callbacks):
    from tests.factories import UnitFactory

    centre = UnitFactory(kind="department", name="东湖区法律援助中心", region=world.east, is_legal_aid=True)
    app = _legal_aid(world, citizen, east_centre_staff, centre)
    client.force_login(east_centre_staff)  # the centre routes it; the legal aid centre handles it
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(reverse("admin:mediation_legalaidapplication_change", args=[app.pk])).content.decode()
    assert "430***********1234" in body and "430101199001011234" not in body
    assert 'name="id_number"' not in body
    assert not _views()


def test_case_change_page_shows_party_numbers_to_the_overseeing_centre_and_records_the_view(
        client, world, citizen, east_centre_staff, mediator, django_capture_on_commit_callbacks):
    from tests.mediation.factories import taken_case

    case = taken_case(world, citizen, east_centre_staff, mediator)
    before = len(_views())
    client.force_login(east_centre_staff)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(reverse("admin:mediation_mediationcase_change", args=[case.pk])).content.decode()
    assert "13700000005" in body
    rows = _views()[before:]
    assert len(rows) == 1 and rows[0].object_type == "mediation.mediationcase"
    assert rows[0].actor_id == east_centre_staff.pk and rows[0].object_id == str(case.pk)


def test_case_change_page_masks_party_numbers_for_staff_who_do_not_oversee_it(
        client, world, citizen, east_centre_staff, mediator, city_centre_staff, monkeypatch):
    from mediation import services
    from tests.mediation.factories import taken_case

    case = taken_case(world, citizen, east_centre_staff, mediator)
    monkeypatch.setattr(services, "can_oversee_case", lambda user, case: False)
    client.force_login(east_centre_staff)
    body = client.get(reverse("admin:mediation_mediationcase_change", args=[case.pk])).content.decode()
    assert "137****0005" in body and "13700000005" not in body
