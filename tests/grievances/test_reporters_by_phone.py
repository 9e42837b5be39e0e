"""Citizens without an account when their appeal was registered (12345 hotline, walk-in
desk, a grid worker's patrol), return visits as ratings, and what the citizen is told
after 不满意 (issue 14 items 5-7)."""

import re

import pytest
from django.urls import reverse

from grid.notifications.models import Message
from grievances import services
from grievances.deadlines.models import Clock
from grievances.models import (
    Channel,
    GrievanceKind,
    Rating,
    RatingMethod,
    Satisfaction,
    State,
    SupervisionKind,
)
from tests.factories import CitizenFactory
from tests.grievances.factories import category

PHONE = "13812345678"


def _hotline(staff, world, phone=PHONE, channel=Channel.HOTLINE, **kw):
    fields = dict(actor=staff, channel=channel, kind=GrievanceKind.LIVELIHOOD, region=world.east_village,
                  title="楼道灯坏了", description="3栋2单元楼道灯一个月没亮。", contact_name="王大爷",
                  contact_phone=phone, category=category())
    fields.update(kw)
    return services.submit_grievance(**fields)


def _to_verified(g, staff, handler, world):
    services.accept_grievance(actor=staff, grievance=g, kind=GrievanceKind.LIVELIHOOD, category=category())
    services.dispatch_grievance(actor=staff, grievance=g, unit=world.east_dept)
    services.sign_grievance(actor=handler, grievance=g)
    services.complete_grievance(actor=handler, grievance=g, result="已更换楼道灯。")
    services.verify_grievance(actor=staff, grievance=g)
    g.refresh_from_db()
    return g


def _sms_code(capsys) -> str:
    return re.search(r"验证码是(\d{6})", capsys.readouterr().out).group(1)


def _sms_login(client, capsys, phone, next_url=""):
    url = reverse("grid:sms_login")
    client.post(url, {"step": "send", "phone": phone})
    return client.post(url, {"step": "login", "phone": phone, "code": _sms_code(capsys), "next": next_url})


# ---- item 5: an appeal registered for a phone number belongs to that number ----


@pytest.mark.parametrize("channel", [Channel.HOTLINE, Channel.WALK_IN])
def test_hotline_item_appears_in_my_list_after_sms_login(client, capsys, world, east_centre_staff, channel):
    g = _hotline(east_centre_staff, world, channel=channel)
    _sms_login(client, capsys, PHONE)
    page = client.get(reverse("grievances:mine")).content.decode()
    assert g.title in page
    assert client.get(reverse("grievances:detail", args=[g.pk])).status_code == 200


def test_patrol_report_for_a_citizen_belongs_to_that_citizen(client, world, grid_worker):
    resident = CitizenFactory(phone=PHONE)
    g = services.submit_grievance(
        actor=grid_worker, channel=Channel.PATROL, grid=world.grid, region=world.east_village,
        kind=GrievanceKind.LIVELIHOOD, title="井盖松动", description="路口井盖松动。", contact_name="王大爷",
        contact_phone=PHONE)
    client.force_login(resident)
    assert g.title in client.get(reverse("grievances:mine")).content.decode()


def test_web_item_with_someone_elses_number_stays_private(client, world, citizen):
    neighbour = CitizenFactory(phone=PHONE)
    g = services.submit_grievance(actor=citizen, kind=GrievanceKind.LIVELIHOOD, region=world.east_village,
                                  title="邻居家漏水", description="楼上漏水。", contact_phone=PHONE)
    client.force_login(neighbour)
    assert g.title not in client.get(reverse("grievances:mine")).content.decode()
    assert client.get(reverse("grievances:detail", args=[g.pk])).status_code == 404


def test_other_numbers_do_not_see_a_hotline_item(client, world, east_centre_staff, other_citizen):
    g = _hotline(east_centre_staff, world)
    client.force_login(other_citizen)
    assert g.title not in client.get(reverse("grievances:mine")).content.decode()
    assert client.get(reverse("grievances:detail", args=[g.pk])).status_code == 404


def test_hotline_citizen_can_rate_after_sms_login(client, capsys, world, east_centre_staff, east_handler):
    g = _to_verified(_hotline(east_centre_staff, world), east_centre_staff, east_handler, world)
    _sms_login(client, capsys, PHONE)
    page = client.get(reverse("grievances:detail", args=[g.pk])).content.decode()
    assert "请对办理结果进行评价" in page
    response = client.post(reverse("grievances:rate", args=[g.pk]),
                           {"satisfaction": "satisfied", "version": g.version})
    assert response.status_code == 302
    g.refresh_from_db()
    assert g.state == State.CLOSED and g.satisfaction == Satisfaction.SATISFIED


def test_sms_link_opened_logged_out_asks_for_the_code_then_shows_the_item(client, capsys, world,
                                                                         east_centre_staff):
    g = _hotline(east_centre_staff, world)
    link = reverse("grievances:detail", args=[g.pk])
    response = client.get(link)
    assert response.status_code == 302
    login_page = client.get(response["Location"])
    body = login_page.content.decode()
    assert login_page.status_code == 200 and "验证码" in body and "登记诉求时留下的手机号码" in body
    assert g.title not in body  # nothing about the item before the code
    done = _sms_login(client, capsys, PHONE, next_url=link)
    assert done["Location"] == link
    assert g.title in client.get(link).content.decode()


def test_list_of_a_citizen_with_phone_items_keeps_a_fixed_query_count(client, world, east_centre_staff,
                                                                     django_assert_max_num_queries):
    resident = CitizenFactory(phone=PHONE)
    for _ in range(3):
        _hotline(east_centre_staff, world)
    client.force_login(resident)
    with django_assert_max_num_queries(7):
        small = client.get(reverse("grievances:mine"))
    for _ in range(20):
        _hotline(east_centre_staff, world)
    with django_assert_max_num_queries(7):
        big = client.get(reverse("grievances:mine"))
    assert small.content.decode().count("list-group-item-action") == 3
    assert big.content.decode().count("list-group-item-action") == 20
    assert big.context["page"].has_next


# ---- item 6: a return visit records the rating ----


def test_return_visit_satisfied_is_the_rating_and_closes(world, east_centre_staff, east_handler):
    g = _to_verified(_hotline(east_centre_staff, world), east_centre_staff, east_handler, world)
    rating = services.record_return_visit(actor=east_centre_staff, grievance=g, satisfaction=Satisfaction.BASIC,
                                          note="电话回访王大爷，灯已亮。")
    g.refresh_from_db()
    assert g.state == State.CLOSED and g.satisfaction == Satisfaction.BASIC
    assert rating.method == RatingMethod.RETURN_VISIT and rating.rated_by == east_centre_staff
    assert g.events.filter(action="closed", note__contains="基本满意").exists()


def test_return_visit_unsatisfied_starts_second_supervision(world, east_centre_staff, east_handler):
    g = _to_verified(_hotline(east_centre_staff, world), east_centre_staff, east_handler, world)
    services.record_return_visit(actor=east_centre_staff, grievance=g, satisfaction=Satisfaction.UNSATISFIED,
                                 note="上门回访：灯又坏了。")
    g.refresh_from_db()
    assert g.state == State.HANDLING and g.satisfaction == Satisfaction.UNSATISFIED
    assert g.supervisions.filter(kind=SupervisionKind.SECOND).exists()
    assert Clock.objects.get(pk=g.pk).reopened_at is not None


def test_return_visit_needs_a_satisfaction_and_the_centre(world, east_centre_staff, west_centre_staff,
                                                          east_handler):
    g = _to_verified(_hotline(east_centre_staff, world), east_centre_staff, east_handler, world)
    with pytest.raises(services.TransitionRefused, match="请选择满意度"):
        services.record_return_visit(actor=east_centre_staff, grievance=g, satisfaction="", note="回访")
    with pytest.raises(services.GrievancePermissionError):
        services.record_return_visit(actor=west_centre_staff, grievance=g, satisfaction="satisfied", note="回访")
    assert not Rating.objects.exists()


def test_admin_return_visit_form_records_satisfaction(client, world, east_centre_staff, east_handler):
    g = _to_verified(_hotline(east_centre_staff, world), east_centre_staff, east_handler, world)
    client.force_login(east_centre_staff)
    page = client.get(reverse("admin:grievances_grievance_change", args=[g.pk])).content.decode()
    assert "回访满意度" in page and "基本满意" in page
    response = client.post(reverse("admin:grievances_grievance_act", args=[g.pk, "close"]),
                           {"satisfaction": "unsatisfied", "note": "电话回访，群众说灯还是不亮。",
                            "version": g.version})
    assert response.status_code == 302
    g.refresh_from_db()
    assert g.state == State.HANDLING
    assert Rating.objects.get(grievance=g).method == RatingMethod.RETURN_VISIT


# ---- item 7: after 不满意, and SMS with the tracking number ----


def test_after_unsatisfied_the_citizen_sees_second_supervision_new_deadline_unit_and_old_result(
        client, loop, citizen):
    g = loop.verified()
    client.force_login(citizen)
    response = client.post(reverse("grievances:rate", args=[g.pk]),
                           {"satisfaction": "unsatisfied", "comment": "电梯还是坏的", "version": g.version},
                           follow=True)
    body = response.content.decode()
    assert "感谢您的评价" not in body
    assert "已启动二次督办" in body
    assert g.handling_unit.name in body
    clock = Clock.objects.get(pk=g.pk)
    new_due = clock.completion_due
    assert new_due is not None
    from grievances.deadlines.services import _fmt
    assert f"重新办理中，预计{_fmt(new_due)[:10]}前办结" in body
    assert "已督促物业更换电梯主板" in body  # the earlier result stays visible
    assert "电梯还是坏的" in body


def test_after_unsatisfied_the_citizen_gets_an_sms(loop, citizen):
    g = loop.verified()
    services.rate_grievance(actor=citizen, grievance=g, satisfaction="unsatisfied", comment="没修好")
    sms = Message.objects.get(template_code="grievance_second_supervision_citizen", channel="sms")
    assert sms.phone == g.contact_phone
    assert "二次督办" in sms.text and g.handling_unit.name in sms.text and g.tracking_no in sms.text


def test_filing_sends_the_tracking_number_by_sms(world, east_centre_staff):
    g = _hotline(east_centre_staff, world)
    sms = Message.objects.get(template_code="grievance_submitted_citizen", channel="sms")
    assert sms.phone == PHONE and g.tracking_no in sms.text
    assert sms.text.endswith(reverse("grievances:detail", args=[g.pk]))


def test_interim_reply_sends_an_sms_with_the_tracking_number(loop, east_handler):
    g = loop.handling()
    services.interim_reply(actor=east_handler, grievance=g, note="已联系电梯厂家，\n配件下周到货。")
    sms = Message.objects.get(template_code="grievance_interim_reply_citizen", channel="sms")
    assert g.tracking_no in sms.text and "配件下周到货" in sms.text
    assert "\n" not in sms.text
