"""Commissions, the urgent channel, templates, guides, applications and the ledger export."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from grid.notifications.models import Message
from legalqa.lawyers import docs, services
from legalqa.lawyers.models import (
    AwardEntry,
    CommissionOffer,
    DocumentTemplate,
    LawyerProfile,
    LitigationGuide,
    ServiceApplication,
)
from legalqa.lawyers.services import QAError
from tests.factories import PASSWORD
from tests.lawyers.factories import NEVER, field, make_lawyer

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_commission_push_order_top_rated_first_then_all(world, citizen, lawyers):
    from legalqa.lawyers.models import QAConfig

    cfg = QAConfig.get()
    cfg.commission_top_n = 2
    cfg.save()
    LawyerProfile.objects.filter(pk=lawyers.c.pk).update(rating_avg=Decimal("4.9"))
    LawyerProfile.objects.filter(pk=lawyers.a.pk).update(rating_avg=Decimal("4.5"))
    LawyerProfile.objects.filter(pk=lawyers.b.pk).update(rating_avg=Decimal("3.0"))
    c = services.create_commission(citizen=citizen, field=field("labour"), matter="代理劳动仲裁",
                                   phone="13800000001", region=world.east)
    first = set(CommissionOffer.objects.filter(commission=c, stage="top").values_list("lawyer_id", flat=True))
    assert first == {lawyers.c.user_id, lawyers.a.user_id}
    assert services.widen_commissions(timezone.now()) == 0  # window still open
    assert services.widen_commissions(timezone.now() + datetime.timedelta(hours=2)) == 1
    assert services.widen_commissions(timezone.now() + datetime.timedelta(hours=3)) == 0
    second = set(CommissionOffer.objects.filter(commission=c, stage="all").values_list("lawyer_id", flat=True))
    assert second == {lawyers.b.user_id}  # the rest of the field; never the unverified or other fields
    c.refresh_from_db()
    assert c.state == "pushing_all"
    services.accept_commission(lawyer=lawyers.b.user, commission=c)
    with pytest.raises(QAError, match="已由其他律师接受"):
        services.accept_commission(lawyer=lawyers.a.user, commission=c)
    c.refresh_from_db()
    assert c.state == "accepted" and c.lawyer == lawyers.b.user
    assert Message.objects.filter(template_code="qa_commission_accepted", user=citizen).exists()


def test_direct_commission_decline_and_rating(world, citizen, lawyers, client):
    c = services.create_commission(citizen=citizen, field=field("labour"), matter="写起诉状",
                                   phone="13800000001", region=world.east, lawyer=lawyers.a.user)
    assert c.state == "direct"
    assert list(c.offers.values_list("lawyer_id", flat=True)) == [lawyers.a.user_id]
    services.decline_commission(lawyer=lawyers.a.user, commission=c)
    c.refresh_from_db()
    assert c.state == "declined"
    c2 = services.create_commission(citizen=citizen, field=field("labour"), matter="写起诉状",
                                    phone="13800000001", region=world.east, lawyer=lawyers.b.user)
    services.accept_commission(lawyer=lawyers.b.user, commission=c2)
    with pytest.raises(QAError, match="办结后"):
        services.rate_commission(citizen=citizen, commission=c2, rating=5)
    services.complete_commission(actor=lawyers.b.user, commission=c2)
    services.rate_commission(citizen=citizen, commission=c2, rating=4, comment="认真")
    assert float(LawyerProfile.objects.get(pk=lawyers.b.pk).rating_avg) == 4.0
    text = login(client, citizen).get(reverse("lawyers:commission", args=[c2.pk])).content.decode()
    assert "已完成" in text


def test_callback_must_be_acknowledged_and_is_logged(world, citizen, lawyers):
    cb = services.request_callback(citizen=citizen, field=field("labour"), lawyer=lawyers.a.user,
                                   phone="13800000001", note="被打了")
    assert Message.objects.filter(template_code="qa_callback", user=lawyers.a.user, channel="site").exists()
    with pytest.raises(QAError):
        services.acknowledge_callback(lawyer=lawyers.b.user, callback=cb)
    services.acknowledge_callback(lawyer=lawyers.a.user, callback=cb)
    services.acknowledge_callback(lawyer=lawyers.a.user, callback=cb, called=True)
    cb.refresh_from_db()
    assert cb.acknowledged_at and cb.called_at
    assert Message.objects.filter(template_code="qa_callback_ack", user=citizen, channel="site").count() == 1


def test_callback_to_an_off_duty_lawyer_is_refused(world, citizen):
    p = make_lawyer(world, ("labour",), **NEVER)
    with pytest.raises(QAError, match="不在值班时间"):
        services.request_callback(citizen=citizen, field=field("labour"), lawyer=p.user, phone="13800000001")


def _template(staff):
    data = docs.build_docx("劳动仲裁申请书", ["申请人：{{ 申请人姓名 }}", "被申请人：{{ 用人单位 }}",
                                        "请求事项：支付拖欠工资{{ 金额 }}元。"])
    upload = SimpleUploadedFile("申请书.docx", data)
    tpl = DocumentTemplate(title="劳动仲裁申请书", field=field("labour"), doc_type="application",
                           description="用于申请劳动仲裁。")
    return services.save_template(actor=staff, template=tpl, upload=upload)


def test_filled_template_downloads_as_docx_with_the_values(world, east_centre_staff, client):
    from docx import Document

    tpl = _template(east_centre_staff)
    assert tpl.placeholders == ["申请人姓名", "用人单位", "金额"]
    page = client.get(reverse("lawyers:template", args=[tpl.pk])).content.decode()
    assert "申请人：{{ 申请人姓名 }}" in page
    resp = client.post(reverse("lawyers:template", args=[tpl.pk]),
                       {"申请人姓名": "张三", "用人单位": "清源某某公司", "金额": "15000"})
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    text = "\n".join(p.text for p in Document(io.BytesIO(resp.content)).paragraphs)
    assert "申请人：张三" in text and "被申请人：清源某某公司" in text and "15000元" in text
    assert "{{" not in text
    tpl.refresh_from_db()
    assert tpl.downloads == 1


def test_template_upload_must_be_docx_with_marks(east_centre_staff, world):
    tpl = DocumentTemplate(title="x", field=field("labour"), doc_type="other")
    with pytest.raises(QAError, match="docx"):
        services.save_template(actor=east_centre_staff, template=tpl,
                               upload=SimpleUploadedFile("x.docx", b"not a zip"))
    with pytest.raises(QAError, match="没有待填写的标记"):
        services.save_template(actor=east_centre_staff, template=tpl,
                               upload=SimpleUploadedFile("x.docx", docs.build_docx("x", ["无标记"])))


def test_guides_are_sanitised(east_centre_staff, client):
    g = LitigationGuide(case_type="labour", title="劳动争议诉讼指引",
                        body='<p onclick="x()">先仲裁后诉讼</p><script>alert(1)</script>',
                        evidence_notes='<a href="javascript:alert(1)">证据</a>')
    services.save_guide(actor=east_centre_staff, guide=g)
    g.refresh_from_db()
    assert "<script" not in g.body and "onclick" not in g.body and "javascript:" not in g.evidence_notes
    text = client.get(reverse("lawyers:guide", args=[g.pk])).content.decode()
    assert "先仲裁后诉讼" in text and "alert(1)" not in text


def test_peoples_mediation_application_becomes_a_grievance_in_the_loop(world, citizen, east_centre_staff):
    from grievances.models import Grievance, GrievanceEvent

    app = services.submit_application(applicant=citizen, kind="mediation", region=world.east_village,
                                      contact_name="张三", contact_phone="13800000001",
                                      other_party="邻居李某", matter="邻居装修漏水到我家，协商不成。")
    g = Grievance.objects.get(pk=app.grievance_id)
    assert g.kind == "dispute" and g.reporter == citizen and g.region_code == world.east_village.code
    assert g.state == "submitted"
    assert GrievanceEvent.objects.filter(grievance=g, action="submitted").exists()
    assert app.state == "transferred"


def test_staff_review_of_a_notarisation_appointment(world, citizen, other_citizen, east_centre_staff,
                                                    west_centre_staff, client):
    app = services.submit_application(applicant=citizen, kind="notarisation", region=world.east_village,
                                      contact_name="张三", contact_phone="13800000001", office="东湖公证处",
                                      matter="继承公证", preferred_slot="工作日上午")
    with pytest.raises(QAError, match="辖区"):
        services.ask_missing_documents(actor=west_centre_staff, application=app, missing="户口簿")
    services.ask_missing_documents(actor=east_centre_staff, application=app, missing="户口簿\n死亡证明")
    app.refresh_from_db()
    assert app.state == "missing"
    services.resubmit_application(applicant=citizen, application=app, note="已补齐")
    when = timezone.now() + datetime.timedelta(days=2)
    services.approve_application(actor=east_centre_staff, application=ServiceApplication.objects.get(pk=app.pk),
                                 appointment_at=when)
    app.refresh_from_db()
    assert app.state == "approved" and app.appointment_at == when
    msgs = Message.objects.filter(template_code="qa_service_review", user=citizen, channel="site")
    assert msgs.count() == 2
    text = login(client, citizen).get(reverse("lawyers:my_services")).content.decode()
    assert "公证预约" in text and "已受理并预约" in text
    client.logout()
    assert login(client, other_citizen).get(reverse("lawyers:service", args=[app.pk])).status_code == 404


def test_refusal_needs_a_reason(world, citizen, east_centre_staff):
    app = services.submit_application(applicant=citizen, kind="reconsideration", region=world.east_village,
                                      contact_name="张三", contact_phone="13800000001",
                                      respondent_agency="东湖区某局", contested_decision="罚款决定",
                                      request="撤销罚款")
    with pytest.raises(QAError, match="理由"):
        services.refuse_application(actor=east_centre_staff, application=app, reason=" ")
    services.refuse_application(actor=east_centre_staff, application=app, reason="已超过复议申请期限")
    app.refresh_from_db()
    assert app.state == "refused"


def test_monthly_statement_exports_to_excel(world, citizen, lawyers, east_centre_staff, client):
    from openpyxl import load_workbook

    q = services.ask_question(asker=citizen, field=field("labour"), title="欠薪", body="欠薪",
                              region=world.east_village)
    a = services.answer_question(lawyer=lawyers.a.user, question=q, body="申请仲裁。")
    services.mark_best_answer(citizen=citizen, answer=a)
    period = AwardEntry.objects.get().period
    resp = login(client, east_centre_staff).get(reverse("lawyers:statement"), {"period": period, "format": "xlsx"})
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][0] == "劳动甲" and rows[1][3] == 1 and rows[1][4] == 50.0


def test_template_file_storage_round_trip(world, east_centre_staff):
    tpl = _template(east_centre_staff)
    tpl.file.save("again.docx", ContentFile(docs.build_docx("t", ["{{ 甲方 }}"])), save=True)
    services.save_template(actor=east_centre_staff, template=tpl)
    assert tpl.placeholders == ["甲方"]


def test_unanswered_application_is_brought_to_staff_once(world, citizen, east_centre_staff):
    services.submit_application(applicant=citizen, kind="notarisation", region=world.east_village,
                                contact_name="张三", contact_phone="13800000001", office="东湖公证处",
                                matter="学历公证", preferred_slot="周一上午")
    now = timezone.now()
    assert services.remind_overdue_applications(now + datetime.timedelta(days=2)) == 0
    assert services.remind_overdue_applications(now + datetime.timedelta(days=4)) == 1
    assert services.remind_overdue_applications(now + datetime.timedelta(days=5)) == 0
    msgs = Message.objects.filter(template_code="qa_service_overdue", channel="site")
    assert list(msgs.values_list("user_id", flat=True)) == [east_centre_staff.pk]


def test_lawyer_sees_commissions_offered_to_them_only(world, citizen, lawyers, client):
    c = services.create_commission(citizen=citizen, field=field("labour"), matter="代理", phone="13800000001",
                                   region=world.east, lawyer=lawyers.a.user)
    assert login(client, lawyers.a.user).get(reverse("lawyers:commission", args=[c.pk])).status_code == 200
    client.logout()
    assert login(client, lawyers.b.user).get(reverse("lawyers:commission", args=[c.pk])).status_code == 404


def test_lawyer_desk_lists_waiting_questions_offers_and_callbacks(world, citizen, lawyers, client):
    services.ask_question(asker=citizen, field=field("labour"), title="加班费怎么算", body="周末加班",
                          region=world.east_village)
    services.create_commission(citizen=citizen, field=field("labour"), matter="代写仲裁申请",
                               phone="13800000001", region=world.east, lawyer=lawyers.a.user)
    services.request_callback(citizen=citizen, field=field("labour"), lawyer=lawyers.a.user, phone="13800000001")
    text = login(client, lawyers.a.user).get(reverse("lawyers:lawyer_desk")).content.decode()
    assert "加班费怎么算" in text and "代写仲裁申请" in text and "确认收到" in text


def test_unacknowledged_callback_goes_to_staff_once(world, citizen, lawyers, east_centre_staff):
    cb = services.request_callback(citizen=citizen, field=field("labour"), lawyer=lawyers.a.user,
                                   phone="13800000001")
    now = timezone.now()
    assert services.remind_unacknowledged_callbacks(now + datetime.timedelta(minutes=5)) == 0
    assert services.remind_unacknowledged_callbacks(now + datetime.timedelta(minutes=11)) == 1
    assert services.remind_unacknowledged_callbacks(now + datetime.timedelta(minutes=30)) == 0
    msgs = Message.objects.filter(template_code="qa_callback_overdue", channel="site")
    assert list(msgs.values_list("user_id", flat=True)) == [east_centre_staff.pk]
    services.acknowledge_callback(lawyer=lawyers.a.user, callback=cb)


def test_acknowledged_callback_is_not_escalated(world, citizen, lawyers, east_centre_staff):
    cb = services.request_callback(citizen=citizen, field=field("labour"), lawyer=lawyers.a.user,
                                   phone="13800000001")
    services.acknowledge_callback(lawyer=lawyers.a.user, callback=cb)
    assert services.remind_unacknowledged_callbacks(timezone.now() + datetime.timedelta(hours=1)) == 0
