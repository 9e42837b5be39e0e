"""Department inbox pages: 我的办理事项 / 我们的工作任务, the item page and return approvals."""

import pytest
from django.urls import reverse

from grievances import services
from grievances.models import ReturnRequest, ReturnStatus, State
from tests.grievances import media


def test_inbox_lists_unit_items_with_counts_and_flags(client, loop, east_handler, east_centre_staff):
    a = loop.dispatched(title="甲件")
    b = loop.handling(title="乙件")
    services.supervise_grievance(actor=east_centre_staff, grievance=b, note="尽快办理")
    client.force_login(east_handler)
    body = client.get(reverse("grievances:inbox")).content.decode()
    assert "甲件" in body and "乙件" in body
    assert "督办1次" in body
    response = client.get(reverse("grievances:inbox") + "?f=supervised")
    assert "乙件" in response.content.decode() and "甲件" not in response.content.decode()
    assert response.context["counts"]["todo"] == 1
    mine = client.get(reverse("grievances:inbox_mine")).content.decode()
    assert "乙件" in mine and "甲件" in mine  # signed by me, and waiting for my unit to sign
    assert a.pk != b.pk


def test_inbox_query_count_is_fixed(client, loop, east_handler, django_assert_max_num_queries):
    for _ in range(2):
        loop.handling()
    client.force_login(east_handler)
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("grievances:inbox"))
    for _ in range(12):
        loop.handling()
    with django_assert_max_num_queries(14) as big:
        client.get(reverse("grievances:inbox"))
    assert len(big.captured_queries) == len(small.captured_queries)


def test_department_cannot_see_another_departments_item(client, loop, east_handler2, west_handler):
    g = loop.dispatched()
    for user in (east_handler2, west_handler):
        client.force_login(user)
        assert client.get(reverse("grievances:work_item", args=[g.pk])).status_code == 404
        assert client.post(reverse("grievances:work_action", args=[g.pk, "sign"])).status_code == 404
        assert g.title not in client.get(reverse("grievances:inbox")).content.decode()


def test_citizen_cannot_open_inbox(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("grievances:inbox")).status_code == 403


def test_sign_reply_complete_through_the_pages(client, loop, east_handler):
    g = loop.dispatched()
    client.force_login(east_handler)
    page = client.get(reverse("grievances:work_item", args=[g.pk]))
    assert page.context["allowed"] == ["sign", "supervise"] or "sign" in page.context["allowed"]
    assert "action-complete" not in page.content.decode()
    r = client.post(reverse("grievances:work_action", args=[g.pk, "sign"]), {"version": g.version})
    assert r.status_code == 302
    g.refresh_from_db()
    r = client.post(reverse("grievances:work_action", args=[g.pk, "reply"]),
                    {"note": "已联系物业，正在维修", "version": g.version})
    assert r.status_code == 302
    g.refresh_from_db()
    r = client.post(reverse("grievances:work_action", args=[g.pk, "complete"]),
                    {"result": "", "version": g.version})
    assert r.status_code == 400
    r = client.post(reverse("grievances:work_action", args=[g.pk, "complete"]),
                    {"result": "电梯已修好", "files": [media.jpeg_with_gps()], "version": g.version})
    assert r.status_code == 302
    g.refresh_from_db()
    assert g.state == State.COMPLETED and g.attachments.count() == 1


def test_second_person_signing_gets_a_clear_message(client, loop, east_handler, east_dept_leader):
    g = loop.dispatched()
    seen = g.version
    client.force_login(east_dept_leader)
    client.post(reverse("grievances:work_action", args=[g.pk, "sign"]), {"version": seen})
    client.force_login(east_handler)
    r = client.post(reverse("grievances:work_action", args=[g.pk, "sign"]), {"version": seen})
    assert r.status_code == 400
    assert "已被他人处理" in r.content.decode()
    g.refresh_from_db()
    assert g.handler == east_dept_leader


def test_illegal_action_by_url_is_refused_with_message(client, loop, east_handler):
    g = loop.dispatched()
    client.force_login(east_handler)
    r = client.post(reverse("grievances:work_action", args=[g.pk, "complete"]), {"result": "办完了"})
    assert r.status_code == 400
    assert "不能“办结" in r.content.decode()


def test_return_request_and_leader_approval_pages(client, loop, world, east_handler, east_dept_leader):
    g = loop.handling()
    client.force_login(east_handler)
    r = client.post(reverse("grievances:work_action", args=[g.pk, "request_return"]),
                    {"reason": "", "version": g.version})
    assert r.status_code == 400
    g.refresh_from_db()
    client.post(reverse("grievances:work_action", args=[g.pk, "request_return"]),
                {"reason": "属市场监管局职责", "version": g.version})
    rr = ReturnRequest.objects.get()
    # the handler cannot approve their own request
    client.post(reverse("grievances:decide_return", args=[rr.pk]), {"decision": "approve"})
    rr.refresh_from_db()
    assert rr.status == ReturnStatus.PENDING
    client.force_login(east_dept_leader)
    page = client.get(reverse("grievances:returns"))
    assert "属市场监管局职责" in page.content.decode()
    client.post(reverse("grievances:decide_return", args=[rr.pk]), {"decision": "approve", "note": "同意"})
    rr.refresh_from_db()
    g.refresh_from_db()
    assert rr.status == ReturnStatus.APPROVED
    assert g.state == State.ACCEPTED and g.return_count == 1 and g.centre == world.east_centre


def test_hidden_identity_is_not_shown_to_department(client, loop, east_handler, citizen):
    g = loop.dispatched(hide_identity=True, contact_name="张秘密")
    services.supplement_grievance(actor=citizen, grievance=g, note="补充一张照片")
    client.force_login(east_handler)
    body = client.get(reverse("grievances:work_item", args=[g.pk])).content.decode()
    assert "张秘密" not in body and g.contact_phone not in body
    assert citizen.display_name not in body
    assert "补充一张照片" in body


@pytest.mark.parametrize("action", ["reply", "complete"])
def test_bad_upload_on_department_page_refused_without_500(client, loop, east_handler, action):
    g = loop.handling()
    client.force_login(east_handler)
    r = client.post(reverse("grievances:work_action", args=[g.pk, action]),
                    {"note": "x", "result": "x", "files": [media.text_as_jpeg()], "version": g.version})
    assert r.status_code == 400
    assert "类型不支持" in r.content.decode()


def test_mediation_organisation_handles_a_dispatched_dispute(client, loop, world, east_centre_staff, mediator):
    g = loop.accepted()
    services.dispatch_grievance(actor=east_centre_staff, grievance=g, unit=world.east_mediation)
    client.force_login(mediator)
    assert g.title in client.get(reverse("grievances:inbox")).content.decode()
    g.refresh_from_db()
    client.post(reverse("grievances:work_action", args=[g.pk, "sign"]), {"version": g.version})
    g.refresh_from_db()
    r = client.post(reverse("grievances:work_action", args=[g.pk, "complete"]),
                    {"result": "经调解双方达成协议", "version": g.version})
    assert r.status_code == 302
    g.refresh_from_db()
    assert g.state == State.COMPLETED and g.handler == mediator
