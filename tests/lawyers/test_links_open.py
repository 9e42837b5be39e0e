"""Every lawyer-Q&A notification opens for the person it was sent to (issue 14 item 3), in
the site inbox and in the SMS text alike, and an item's link refuses anyone else with a
Chinese 403/404 page, never a bare one or someone else's data."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from grid.notifications.models import Message
from legalqa.lawyers import services
from legalqa.models import FieldOfLaw
from tests.lawyers.factories import field

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://\S+|/\S+/")

EXPECTED = {
    # template: (who receives it, the page it must land on (a regex on the final path))
    "qa_question_routed": ("lawyer", r"^/qa/q/\d+/$"),
    "qa_unrouted_staff": ("centre_staff", r"^/qa/routing/$"),
    "qa_escalate_lawyers": ("lawyer", r"^/qa/q/\d+/$"),
    "qa_escalate_staff": ("centre_staff", r"^/qa/q/\d+/$"),
    "qa_answered": ("citizen", r"^/qa/q/\d+/$"),
    "qa_follow_up": ("lawyer", r"^/qa/q/\d+/$"),
    "qa_ask_back": ("citizen", r"^/qa/q/\d+/$"),
    "qa_best_answer": ("lawyer", r"^/qa/q/\d+/$"),
    "qa_commission_offer": ("lawyer", r"^/qa/commissions/\d+/$"),
    "qa_commission_accepted": ("citizen", r"^/qa/commissions/\d+/$"),
    "qa_commission_declined": ("citizen", r"^/qa/commissions/\d+/$"),
    "qa_callback": ("lawyer", r"^/qa/desk/$"),
    "qa_callback_ack": ("citizen", None),  # "the lawyer will call you": nothing to open
    "qa_callback_overdue": ("centre_staff", r"^/admin/lawyers/callbackrequest/\d+/change/$"),
    "qa_lawyer_reverify": ("centre_staff", r"^/admin/lawyers/lawyerprofile/\d+/change/$"),
    "qa_service_new": ("centre_staff", r"^/qa/services/\d+/$"),
    "qa_service_overdue": ("centre_staff", r"^/qa/services/\d+/$"),
    "qa_service_review": ("citizen", r"^/qa/"),
}


def _every_kind(world, citizen, lawyers, east_centre_staff):
    now = timezone.now()
    labour = field("labour")
    q = services.ask_question(asker=citizen, field=labour, title="公司拖欠工资三个月", body="怎么维权？",
                              region=world.east_village)
    waiting = services.ask_question(asker=citizen, field=labour, title="加班费怎么算", body="周末加班",
                                    region=world.east_village)
    services.escalate_unanswered(now + datetime.timedelta(hours=1))
    services.escalate_unanswered(now + datetime.timedelta(hours=2))
    nobody = FieldOfLaw.objects.exclude(code__in=["labour", "contract", "marriage"]).first()
    services.ask_question(asker=citizen, field=nobody, title="没有律师的领域", body="请问", region=world.east_village)
    answer = services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")
    services.add_reply(author=citizen, answer=answer, body="需要什么材料？")
    services.add_reply(author=lawyers.a.user, answer=answer, body="请提供劳动合同和工资条。")
    services.mark_best_answer(citizen=citizen, answer=answer)
    open_c = services.create_commission(citizen=citizen, field=labour, matter="代理劳动仲裁", phone="13800000001",
                                        region=world.east)
    services.accept_commission(lawyer=lawyers.b.user, commission=open_c)
    direct = services.create_commission(citizen=citizen, field=labour, matter="写起诉状", phone="13800000001",
                                        region=world.east, lawyer=lawyers.a.user)
    services.decline_commission(lawyer=lawyers.a.user, commission=direct)
    cb = services.request_callback(citizen=citizen, field=labour, lawyer=lawyers.a.user, phone="13800000001")
    services.acknowledge_callback(lawyer=lawyers.a.user, callback=cb)
    services.request_callback(citizen=citizen, field=labour, lawyer=lawyers.c.user, phone="13800000002")
    services.remind_unacknowledged_callbacks(now + datetime.timedelta(minutes=30))
    services.save_lawyer_profile(lawyer=lawyers.c.user, values={"firm": "清源新律师事务所"})
    app = services.submit_application(applicant=citizen, kind="notarisation", region=world.east_village,
                                      contact_name="张三", contact_phone="13800000001", office="东湖公证处",
                                      matter="继承公证", preferred_slot="工作日上午")
    services.remind_overdue_applications(now + datetime.timedelta(days=4))
    services.ask_missing_documents(actor=east_centre_staff, application=app, missing="户口簿")
    return waiting


def _open(client, user, link):
    client.force_login(user)
    return client.get(urlsplit(link).path, follow=True)


def test_every_qa_notification_link_opens_for_its_recipient_on_the_right_page(
        client, world, citizen, lawyers, east_centre_staff):
    _every_kind(world, citizen, lawyers, east_centre_staff)
    messages = list(Message.objects.filter(user__isnull=False).select_related("user").order_by("pk"))
    assert {m.template_code for m in messages} >= set(EXPECTED), set(EXPECTED) - {m.template_code for m in messages}
    for m in messages:
        role, page = EXPECTED[m.template_code]
        assert m.user.role == role, (m.template_code, m.user.role)
        if page is None:
            assert not m.link, m.template_code
            continue
        assert m.link, m.template_code
        if m.channel == "sms":
            # the SMS carries the same link, not glued to the word before it
            assert m.link in m.text, (m.template_code, m.text)
            before = m.text[m.text.index(m.link) - 1]
            assert not re.match(r"\w", before), (m.template_code, m.text)
        response = _open(client, m.user, m.link)
        final = response.redirect_chain[-1][0] if response.redirect_chain else urlsplit(m.link).path
        assert response.status_code == 200, (m.template_code, m.user.role, m.link, response.redirect_chain)
        assert "/accounts/login/" not in final, m.template_code
        assert re.search(page, urlsplit(final).path), (m.template_code, final)


def test_an_items_link_refuses_anyone_else_with_a_chinese_page(
        client, world, citizen, other_citizen, lawyers, east_centre_staff, west_centre_staff):
    _every_kind(world, citizen, lawyers, east_centre_staff)
    strangers = {"citizen": other_citizen, "lawyer": lawyers.marriage.user, "centre_staff": west_centre_staff}
    checked = 0
    for m in Message.objects.filter(user__isnull=False, channel="site").select_related("user"):
        if not re.search(r"/\d+/", m.link):
            continue  # a list of the recipient's own (desk, routing page, my services)
        stranger = strangers[m.user.role]
        response = _open(client, stranger, m.link)
        body = response.content.decode()
        if urlsplit(m.link).path.startswith("/admin/"):
            # the admin sends someone outside the record's region to its index, saying so
            assert response.redirect_chain[-1][0] == "/admin/", (m.template_code, response.redirect_chain)
            assert "不存在" in body, m.template_code
        else:
            assert response.status_code in (403, 404), (m.template_code, stranger.role, response.status_code)
            assert ("页面不存在" in body or "没有权限" in body) and "回到首页" in body, m.template_code
        checked += 1
    assert checked >= 10


def test_signed_out_an_sms_link_asks_to_sign_in_and_then_opens(client, world, citizen, lawyers, east_centre_staff):
    _every_kind(world, citizen, lawyers, east_centre_staff)
    for m in Message.objects.filter(channel="sms", user__role="citizen"):
        if not re.search(r"/\d+/", m.link):
            continue  # a public page (the Q&A home, the service list asks for sign-in itself)
        client.logout()
        response = client.get(urlsplit(m.link).path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], m.template_code
