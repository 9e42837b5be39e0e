"""What reaches the trail: staff logins and failed logins, admin actions, grievance events."""

import json

import pytest
from django.core.management import CommandError, call_command
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
def test_every_grievance_event_is_recorded_with_a_witness_hash(loop):
    g = loop.handling()
    events = list(GrievanceEvent.objects.filter(grievance=g).order_by("id"))
    rows = _kinds(AuditKind.GRIEVANCE_EVENT)
    assert [r.object_id for r in rows] == [str(e.pk) for e in events]
    assert rows[0].data["tracking_no"] == g.tracking_no
    assert all(len(r.object_hash) == 64 for r in rows)
    call_command("verify_audit")


@pytest.mark.django_db
def test_verify_audit_catches_an_edited_grievance_event(loop, tamper):
    g = loop.handling()
    event = GrievanceEvent.objects.filter(grievance=g, action="dispatched").get()
    tamper("UPDATE grievances_grievanceevent SET note = %s WHERE id = %s", ["改写的交办意见", event.pk])
    row = AuditEntry.objects.get(object_type="grievances.grievanceevent", object_id=str(event.pk))
    with pytest.raises(CommandError, match=f"row {row.seq}: grievance event {event.pk} it records was edited"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_verify_audit_catches_a_deleted_grievance_event(loop, tamper):
    g = loop.dispatched()
    event = GrievanceEvent.objects.filter(grievance=g, action="accepted").get()
    tamper("DELETE FROM grievances_grievanceevent WHERE id = %s", [event.pk])
    with pytest.raises(CommandError, match=f"grievance event {event.pk} it records was deleted"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_verify_audit_catches_an_event_inserted_around_the_services(loop, tamper):
    g = loop.accepted()
    first = GrievanceEvent.objects.filter(grievance=g).order_by("id").first()
    tamper("INSERT INTO grievances_grievanceevent (grievance_id, action, from_state, to_state, note, public, "
           "created_at) VALUES (%s, 'closed', 'accepted', 'closed', '伪造', %s, %s)",
           [g.pk, True, first.created_at])
    with pytest.raises(CommandError, match="has no audit row"):
        call_command("verify_audit")


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


@pytest.mark.django_db
def test_mediation_outcome_is_recorded(world, citizen, east_centre_staff, mediator):
    from mediation import services as msvc
    from tests.mediation.factories import taken_case

    case = taken_case(world, citizen, east_centre_staff, mediator)
    msvc.terminate_case(actor=mediator, case=case, reason="申请人撤回调解申请")
    (row,) = _kinds(AuditKind.MEDIATION_DECISION)
    assert row.actor_id == mediator.pk and row.object_type == "mediation.mediationcase"
    assert row.data["decision"] == "terminated" and row.data["reason"] == "申请人撤回调解申请"
    assert row.data["reference"] == case.grievance.tracking_no
    call_command("verify_audit")


@pytest.mark.django_db
def test_best_answer_and_closing_review_are_recorded(world, citizen):
    from legalqa.lawyers import services as qsvc
    from tests.lawyers.factories import field, make_lawyer

    lawyer = make_lawyer(world, ("labour",), name="劳动甲")
    q = qsvc.ask_question(asker=citizen, field=field("labour"), title="欠薪怎么办", body="欠薪三个月",
                          region=world.east_village)
    a = qsvc.answer_question(lawyer=lawyer.user, question=q, body="申请劳动仲裁。")
    qsvc.mark_best_answer(citizen=citizen, answer=a)
    qsvc.close_question(citizen=citizen, question=q, professional=5, speed=4, useful=5, suggestion="很好")
    rows = _kinds(AuditKind.QA_DECISION)
    assert [r.data["decision"] for r in rows] == ["best_answer", "question_closed"]
    assert rows[0].actor_id == citizen.pk and rows[0].data["lawyer_id"] == lawyer.user_id
    assert rows[1].data["speed"] == 4
