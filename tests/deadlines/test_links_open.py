"""Every notification about an item opens for the person it was sent to (issue 14 item 3):
重大事项预警 SMS/voice alerts, 超期督办 notices and extension notices reach centre staff,
centre leaders, unit leaders and handlers alike, and each lands on a page they may open."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from grid.notifications.models import Message
from grievances.deadlines import services
from grievances.deadlines.models import Clock
from grievances.models import Severity
from tests.deadlines import helpers

pytestmark = pytest.mark.django_db


def _open_as(client, user, link):
    client.force_login(user)
    response = client.get(urlsplit(link).path, follow=True)
    return response


def _every_link_opens_for_its_recipient(client):
    messages = list(Message.objects.filter(user__isnull=False).exclude(link="").select_related("user"))
    assert messages
    for m in messages:
        response = _open_as(client, m.user, m.link)
        assert response.status_code == 200, (m.template_code, m.user.role, m.link, response.redirect_chain)
        assert not any("/accounts/login/" in url for url, _ in response.redirect_chain), m.template_code
    return messages


def test_major_alert_overdue_supervision_and_extension_notices_all_open(
        client, world, citizen, east_centre_staff, east_centre_leader, east_handler, east_dept_leader):
    g = helpers.submit(citizen, world.east_village)
    helpers.accept(g, east_centre_staff, severity=Severity.MAJOR)           # 重大事项预警 to centre leaders
    helpers.dispatch(g, east_centre_staff, world.east_dept)
    helpers.sign(g, east_handler)
    ext = services.request_extension(actor=east_handler, grievance=g, days=5, reason="等待鉴定结论",
                                     parties_agreed=True)                    # to the unit leader
    services.refuse_extension(actor=east_dept_leader, extension=ext, note="请按期办结")  # filed with the centre
    clock = Clock.objects.get(pk=g.pk)
    services.process_clock(clock.pk, now=clock.completion_due + timedelta(minutes=1))  # 超期督办

    messages = _every_link_opens_for_its_recipient(client)
    codes = {(m.template_code, m.user.role) for m in messages}
    assert ("major_alert", "centre_leader") in codes
    assert ("deadline_overdue", "centre_staff") in codes
    assert ("extension_decided", "centre_staff") in codes
    assert ("extension_requested", "dept_leader") in codes


def test_the_link_lands_each_role_on_its_own_page(client, world, citizen, east_centre_leader, east_handler,
                                                   east_centre_staff):
    g = helpers.dispatch(helpers.accept(helpers.submit(citizen, world.east_village), east_centre_staff),
                         east_centre_staff, world.east_dept)
    link = services.staff_link(g)
    assert _open_as(client, east_centre_leader, link).redirect_chain[-1][0] == reverse(
        "admin:grievances_grievance_change", args=[g.pk])
    assert _open_as(client, east_handler, link).redirect_chain[-1][0] == reverse("grievances:work_item", args=[g.pk])
    assert _open_as(client, citizen, link).redirect_chain[-1][0] == reverse("grievances:detail", args=[g.pk])


def test_an_old_work_page_link_sends_centre_leaders_to_their_workbench(client, world, citizen, east_centre_staff,
                                                                        east_centre_leader):
    g = helpers.accept(helpers.submit(citizen, world.east_village), east_centre_staff)
    response = _open_as(client, east_centre_leader, reverse("grievances:work_item", args=[g.pk]))
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:grievances_grievance_change", args=[g.pk])


def test_someone_the_item_is_not_for_gets_a_chinese_page_with_a_way_back(client, world, citizen, other_citizen,
                                                                          west_centre_staff):
    g = helpers.submit(citizen, world.east_village)
    for user in (other_citizen, west_centre_staff):
        response = _open_as(client, user, services.staff_link(g))
        assert response.status_code == 404
        body = response.content.decode()
        assert "页面不存在" in body and "回到首页" in body


def test_signed_out_the_link_asks_to_sign_in_first(client, world, citizen):
    g = helpers.submit(citizen, world.east_village)
    response = client.get(services.staff_link(g))
    assert response.status_code == 302 and response["Location"].startswith(reverse("grid:login"))


def test_a_refused_page_is_chinese_with_a_way_back(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("grievances:inbox"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "没有权限打开这个页面" in body and "回到首页" in body and "返回上一页" in body


def test_a_server_error_page_is_chinese_and_needs_no_database(rf, settings):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500 and "系统暂时出了点问题" in body and 'href="/"' in body


def test_an_expired_form_is_explained_in_chinese(client, citizen):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    response = strict.post(reverse("grid:logout"))
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
