"""What reaches the trail: staff logins and failed logins, admin actions, grievance events."""

import json

import pytest
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEntry, AuditKind
from grievances.models import Category, GrievanceEvent
from tests.factories import PASSWORD


def _kinds(kind):
    return list(AuditEntry.objects.filter(kind=kind).order_by("seq"))


@pytest.mark.django_db
def test_staff_login_is_recorded_with_who_and_from_where(client, east_centre_staff):
    response = client.post("/accounts/login/", {"username": east_centre_staff.username, "password": PASSWORD},
                           REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    (row,) = _kinds(AuditKind.LOGIN)
    assert row.actor_id == east_centre_staff.pk
    assert row.actor_name == "东湖区中心王"
    assert row.ip == "192.0.2.10"
    assert row.data["door"] == "/accounts/login/"


@pytest.mark.django_db
def test_admin_login_and_logout_are_recorded(client, admin_user):
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    client.post("/admin/logout/")
    assert [r.kind for r in AuditEntry.objects.order_by("seq")] == [AuditKind.LOGIN, AuditKind.LOGOUT]


@pytest.mark.django_db
def test_failed_login_against_a_staff_account_is_recorded(client, east_centre_staff):
    client.post("/accounts/login/", {"username": east_centre_staff.username, "password": "wrong"},
                REMOTE_ADDR="192.0.2.11")
    (row,) = _kinds(AuditKind.LOGIN_FAILED)
    assert row.ip == "192.0.2.11"
    assert row.data["account_id"] == east_centre_staff.pk
    assert row.actor_id is None


@pytest.mark.django_db
def test_failed_login_for_no_account_does_not_keep_what_was_typed(client, db):
    client.post("/accounts/login/", {"username": "my-secret-password", "password": "x"})
    (row,) = _kinds(AuditKind.LOGIN_FAILED)
    assert "my-secret-password" not in row.summary + str(row.data)
    assert row.data["account"] == "unknown"


@pytest.mark.django_db
def test_citizen_logins_are_not_staff_logins_and_failures_show_a_masked_number(client, citizen):
    client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD})
    assert not _kinds(AuditKind.LOGIN)
    client.logout()
    client.post("/accounts/login/", {"username": citizen.phone, "password": "wrong"})
    (row,) = _kinds(AuditKind.LOGIN_FAILED)
    assert citizen.phone not in row.summary + str(row.data)
    assert row.data["account"] == citizen.phone[:3] + "****" + citizen.phone[-4:]


@pytest.mark.django_db
def test_admin_change_is_recorded_with_its_change_message(client, admin_user):
    client.force_login(admin_user)
    cat = Category.objects.create(code="audit_test", name="审计测试", group="dispute")
    response = client.post(f"/admin/grievances/category/{cat.pk}/change/", {
        "group": "dispute", "code": "audit_test", "name": "改名", "description": "", "sort_order": 3,
        "is_active": "on"})
    assert response.status_code == 302, response.content[:500]
    (row,) = _kinds(AuditKind.ADMIN_ACTION)
    assert row.actor_id == admin_user.pk
    assert row.object_type == "grievances.category" and row.object_id == str(cat.pk)
    assert row.data["action"] == "change" and "名称" in json.loads(row.data["change_message"])[0]["changed"]["fields"]


@pytest.mark.django_db
def test_admin_bulk_deletion_records_every_object(client, admin_user):
    client.force_login(admin_user)
    cats = [Category.objects.create(code=f"bulk{i}", name=f"批量{i}", group="dispute") for i in range(3)]
    response = client.post("/admin/grievances/category/", {
        "action": "delete_selected", "_selected_action": [c.pk for c in cats], "post": "yes"})
    assert response.status_code == 302
    assert not Category.objects.filter(pk__in=[c.pk for c in cats]).exists()
    rows = _kinds(AuditKind.ADMIN_ACTION)
    assert sorted(r.object_id for r in rows) == sorted(str(c.pk) for c in cats)
    assert {r.data["action"] for r in rows} == {"deletion"}


@pytest.mark.django_db
def test_grievance_events_refuse_bulk_update_and_delete(loop):
    g = loop.accepted()
    with pytest.raises(ValueError):
        GrievanceEvent.objects.filter(grievance=g).update(note="x")
    with pytest.raises(ValueError):
        GrievanceEvent.objects.filter(grievance=g).delete()
    assert GrievanceEvent.objects.filter(grievance=g).count() == 2


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the trigger exists on PostgreSQL only")
def test_postgresql_trigger_refuses_raw_update_and_delete_of_grievance_events(loop):
    g = loop.accepted()
    for sql in ("UPDATE grievances_grievanceevent SET note = 'x'", "DELETE FROM grievances_grievanceevent"):
        with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql)
    assert GrievanceEvent.objects.filter(grievance=g).count() == 2
