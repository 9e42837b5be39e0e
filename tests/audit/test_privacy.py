"""Personal data shown only where needed: numbers masked in lists and to departments the
citizen hid their identity from; full on the item page for those who handle it, and each
such view of another person's number recorded in the audit trail."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry, AuditKind
from grid.privacy import mask_phone
from tests.factories import CitizenFactory


def _views():
    return list(AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_VIEW).order_by("seq"))


@pytest.mark.parametrize("phone, shown", [
    ("13800000001", "138****0001"),
    ("+8613800000001", "+86****0001"),
    ("07315551234", "073****1234"),
    ("5551234", "***1234"),
    ("123", "****"),
    ("", ""),
    (None, ""),
])
def test_mask_phone(phone, shown):
    assert mask_phone(phone) == shown


@pytest.mark.django_db
def test_department_item_page_shows_the_full_number_and_records_the_view(
        client, loop, east_handler, django_capture_on_commit_callbacks):
    g = loop.dispatched(contact_name="王五")
    client.force_login(east_handler)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(reverse("grievances:work_item", args=[g.pk]), REMOTE_ADDR="198.51.100.7").content.decode()
    assert "王五" in body and g.contact_phone in body
    (row,) = _views()
    assert row.actor_id == east_handler.pk and row.ip == "198.51.100.7"
    assert row.object_type == "grievances.grievance" and row.object_id == str(g.pk)
    assert row.data["owner_id"] == g.reporter_id and row.data["fields"] == ["phone"]
    assert g.tracking_no in row.summary


@pytest.mark.django_db
def test_hidden_identity_gives_departments_a_masked_number_and_no_name(
        client, loop, east_handler, django_capture_on_commit_callbacks):
    g = loop.dispatched(hide_identity=True, contact_name="张秘密")
    client.force_login(east_handler)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(reverse("grievances:work_item", args=[g.pk])).content.decode()
    assert "张秘密" not in body and g.contact_phone not in body
    assert mask_phone(g.contact_phone) in body
    assert not _views()


@pytest.mark.django_db
def test_centre_item_page_shows_the_full_number_and_records_the_view(
        client, loop, east_centre_staff, django_capture_on_commit_callbacks):
    g = loop.accepted(hide_identity=True)
    client.force_login(east_centre_staff)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(reverse("admin:grievances_grievance_change", args=[g.pk])).content.decode()
    assert g.contact_phone in body
    (row,) = _views()
    assert row.actor_id == east_centre_staff.pk and row.object_id == str(g.pk)


@pytest.mark.django_db
def test_centre_list_shows_no_full_number(client, loop, east_centre_staff):
    g = loop.accepted()
    client.force_login(east_centre_staff)
    body = client.get(reverse("admin:grievances_grievance_changelist")).content.decode()
    assert g.tracking_no in body.replace(" ", "") or g.title in body
    assert g.contact_phone not in body


@pytest.mark.django_db
def test_user_list_masks_phone_numbers_and_citizen_user_names(client, admin_user):
    CitizenFactory(phone="13912345678", display_name="赵六")
    client.force_login(admin_user)
    body = client.get(reverse("admin:grid_user_changelist")).content.decode()
    assert "赵六" in body
    assert "13912345678" not in body and "139****5678" in body


@pytest.mark.django_db
def test_outbox_list_masks_numbers(client, admin_user):
    from grid.notifications.models import Message

    Message.objects.create(channel="sms", phone="13712345678", text="测试", idempotency_key="k1")
    client.force_login(admin_user)
    body = client.get(reverse("admin:notifications_message_changelist")).content.decode()
    assert "13712345678" not in body and "137****5678" in body


@pytest.mark.django_db
def test_mediator_sees_party_numbers_on_the_case_page_and_the_view_is_recorded(
        client, world, citizen, east_centre_staff, mediator, django_capture_on_commit_callbacks):
    from tests.mediation.factories import taken_case

    case = taken_case(world, citizen, east_centre_staff, mediator)
    client.force_login(mediator)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(reverse("mediation:case", args=[case.pk])).content.decode()
    assert citizen.phone in body
    (row,) = _views()
    assert row.actor_id == mediator.pk and row.object_type == "mediation.mediationcase"


@pytest.mark.django_db
def test_citizen_sees_own_number_without_a_record(client, loop, citizen, django_capture_on_commit_callbacks):
    from grid import privacy

    g = loop.submit()

    class Req:
        user = citizen
        META = {"REMOTE_ADDR": "127.0.0.1"}

    with django_capture_on_commit_callbacks(execute=True):
        shown = privacy.reveal_phone(Req(), g.contact_phone, subject=privacy.Subject(
            "grievances.grievance", g.pk, g.tracking_no, citizen.pk), handles=False)
    assert shown.full and shown.text == g.contact_phone
    assert not _views()


@pytest.mark.django_db
def test_staff_who_do_not_handle_an_item_see_a_masked_number(loop, east_handler):
    from grid import privacy

    g = loop.submit()
    shown = privacy.phone_for(east_handler, g.contact_phone, owner_id=g.reporter_id, handles=False)
    assert not shown.full and shown.text == mask_phone(g.contact_phone)


@pytest.mark.django_db
def test_downloads_of_another_persons_file_are_recorded_and_own_downloads_are_not(
        client, citizen, world, east_centre_staff):
    from grievances.models import Attachment
    from tests.grievances import media

    client.force_login(citizen)
    form = {"kind": "livelihood", "region_code": world.east_village.code, "title": "路灯不亮",
            "description": "小区门口路灯坏了。", "files": [media.pdf()]}
    assert client.post(reverse("grievances:submit"), form).status_code == 302
    doc = Attachment.objects.get()
    assert client.get(doc.file.url).status_code == 200
    assert not AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_DOWNLOAD).exists()
    client.force_login(east_centre_staff)
    assert client.get(doc.file.url, REMOTE_ADDR="203.0.113.9").status_code == 200
    (row,) = AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_DOWNLOAD)
    assert row.actor_id == east_centre_staff.pk and row.ip == "203.0.113.9"
    assert row.object_type == "grievances.attachment" and row.object_id == str(doc.pk)
    assert row.data["owner_id"] == citizen.pk
