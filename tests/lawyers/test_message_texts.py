"""Text messages read well (issue 14 item 14): no line break running into a link, no
"卫律师律师", and no "已完成。" for an action nobody asked for."""

import re

from django.urls import reverse

from grid.notifications.models import Message
from legalqa.lawyers import services
from tests.factories import PASSWORD
from tests.lawyers.factories import field, make_lawyer


def test_missing_documents_sms_is_one_line_with_the_link_apart(world, citizen, east_centre_staff):
    citizen.phone = citizen.phone or "13800000001"
    app = services.submit_application(applicant=citizen, kind="notarisation", region=world.east_village,
                                      contact_name="张三", contact_phone="13800000001", office="东湖公证处",
                                      matter="继承公证", preferred_slot="工作日上午")
    services.ask_missing_documents(actor=east_centre_staff, application=app, missing="户口簿\n死亡证明\n")
    sms = Message.objects.get(template_code="qa_service_review", channel="sms")
    assert "\n" not in sms.text
    assert "户口簿；死亡证明" in sms.text
    assert re.search(r"[\s：:，。；]https?://", sms.text), sms.text


def test_lawyer_called_wei_lawyer_is_not_called_wei_lawyer_lawyer(world, citizen):
    profile = make_lawyer(world, ("labour",), name="卫律师")
    q = services.ask_question(asker=citizen, field=field("labour"), title="老板拖欠工资怎么办",
                              body="干了三个月没发工资。", region=world.east_village)
    services.answer_question(lawyer=profile.user, question=q, body="可以向劳动保障监察部门投诉。")
    sms = Message.objects.get(template_code="qa_answered", channel="sms")
    assert "卫律师已解答" in sms.text and "律师律师" not in sms.text


def test_unknown_commission_action_is_not_reported_as_done(world, citizen, client):
    profile = make_lawyer(world, ("labour",), name="劳动甲")
    c = services.create_commission(citizen=citizen, field=field("labour"), matter="写起诉状",
                                   phone="13800000001", region=world.east, lawyer=profile.user)
    client.login(username=citizen.username, password=PASSWORD)
    page = client.post(reverse("lawyers:commission", args=[c.pk]), {"action": "frobnicate"}, follow=True)
    body = page.content.decode()
    assert "已完成。" not in body
    assert "无法识别的操作" in body
    page = client.post(reverse("lawyers:commission", args=[c.pk]), {"action": "cancel"}, follow=True)
    assert "委托已撤销" in page.content.decode()
