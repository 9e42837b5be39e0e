"""Demo data for the lawyer Q&A (deterministic, idempotent): two verified lawyers, a question
by citizen 13800000001 answered by both (one with a law reference), a follow-up, the best
answer with its ledger entry, the rating; a few more questions for the figures; about 20
document templates generated with python-docx; litigation guides; a notarisation appointment."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grid.models import Region, User
from legalqa.lawyers import docs, services
from legalqa.lawyers.demo_content import GUIDES, TEMPLATES
from legalqa.lawyers.models import (
    AwardRate,
    DocumentTemplate,
    LawyerProfile,
    LitigationGuide,
    QAConfig,
    Question,
    ServiceApplication,
)
from legalqa.models import FieldOfLaw

DEMO_QUESTION = "公司拖欠三个月工资，老板说没钱，我该怎么办？"

LAWYERS = [
    # username, name, licence (17 digits), firm, fields, years, region, duty (days, start, end)
    ("lvshi", "卫律师", "14390201510012345", "清源东湖律师事务所", ["labour", "contract", "property-mgmt", "consumer"], 12,
     "439001000000", ("1234567", datetime.time(0, 0), datetime.time(23, 59, 59))),
    ("lvshi2", "蒋律师", "14390201810067890", "清源明法律师事务所",
     ["labour", "marriage", "loan", "housing", "inheritance", "traffic"], 7,
     "439001000000", ("1234567", datetime.time(0, 0), datetime.time(23, 59, 59))),
]

ANSWER_WITH_LAW = (
    "您好。根据《中华人民共和国劳动合同法》第三十条，用人单位应当按照劳动合同约定和国家规定，"
    "向劳动者及时足额支付劳动报酬。建议您：\n"
    "1. 先保存工资条、银行流水、考勤记录、与老板的聊天记录；\n"
    "2. 向当地劳动保障监察机构投诉，或向劳动人事争议仲裁委员会申请仲裁；\n"
    "3. 您入职一年未签书面劳动合同，依照《中华人民共和国劳动合同法》第八十二条，"
    "还可以主张未签合同期间每月二倍的工资。"
)
ANSWER_PLAIN = (
    "可以先和单位书面协商，协商不成就到东湖区人社局劳动保障监察大队投诉，也可以直接申请劳动仲裁，"
    "仲裁不收费。没有书面合同也不影响，工资转账记录、工牌、同事证言都能证明劳动关系。"
)


def _user(username):
    return User.objects.get(username=username)


def _lawyers(staff) -> dict[str, LawyerProfile]:
    out = {}
    for username, name, licence, firm, fields, years, region_code, duty in LAWYERS:
        user = _user(username)
        profile = LawyerProfile.objects.filter(user=user).first() or LawyerProfile(user=user)
        profile.name, profile.licence_no, profile.firm, profile.years = name, licence, firm, years
        profile.phone = user.phone or "13900000020"
        profile.region = Region.objects.get(code=region_code)
        profile.duty_days, profile.duty_start, profile.duty_end = duty
        profile.languages = "普通话"
        profile.bio = f"{firm}专职律师，执业{years}年，长期参与公共法律服务值班。"
        profile.save()
        profile.fields.set(FieldOfLaw.objects.filter(code__in=fields))
        if not profile.is_verified:
            services.verify_lawyer(actor=staff, profile=profile)
        out[username] = profile
    return out


def _templates(staff) -> int:
    made = 0
    for code, doc_type, title, description, lines in TEMPLATES:
        if DocumentTemplate.objects.filter(title=title).exists():
            continue
        upload = SimpleUploadedFile(f"template-{made + 1:02d}.docx", docs.build_docx(title, lines))
        tpl = DocumentTemplate(title=title, field=FieldOfLaw.objects.get(code=code), doc_type=doc_type,
                               description=description)
        services.save_template(actor=staff, template=tpl, upload=upload)
        made += 1
    return made


def _guides(staff) -> None:
    for case_type, title, body, application, evidence in GUIDES:
        if LitigationGuide.objects.filter(title=title).exists():
            continue
        services.save_guide(actor=staff, guide=LitigationGuide(
            case_type=case_type, title=title, body=body, application_notes=application, evidence_notes=evidence))


def _main_story(lawyers) -> Question:
    citizen = _user("13800000001")
    q = Question.objects.filter(asker=citizen, title=DEMO_QUESTION).first()
    if q is not None:
        return q
    q = services.ask_question(
        asker=citizen, field=FieldOfLaw.objects.get(code="labour"), title=DEMO_QUESTION,
        body="我在东湖区一家装修公司做了一年，最近三个月工资一分没发，老板说公司没钱，让我再等等。"
             "没签劳动合同，我该怎么要回工资？", region=Region.objects.get(code="439001001001"))
    best = services.answer_question(lawyer=lawyers["lvshi"].user, question=q, body=ANSWER_WITH_LAW)
    services.answer_question(lawyer=lawyers["lvshi2"].user, question=q, body=ANSWER_PLAIN)
    services.add_reply(author=citizen, answer=best, body="没签劳动合同也可以申请仲裁吗？要多久？")
    services.add_reply(author=lawyers["lvshi"].user, answer=best,
                       body="可以。劳动关系可以用工资转账记录、工作群聊天记录等证明。仲裁委一般在受理后45日内结案。"
                            "请问您还保留着哪些材料？")
    services.mark_best_answer(citizen=citizen, answer=best)
    services.close_question(citizen=citizen, question=q, professional=5, speed=5, useful=4,
                            suggestion="律师回复很快，希望能多讲讲仲裁流程。", resolved=True)
    return q


def _more_questions(lawyers) -> None:
    li = _user("13800000002")
    rows = [
        ("marriage", "离婚时婚前买的房子怎么分？", "婚前我父母出首付买的房，婚后一起还贷，离婚时怎么分？", "439001001002"),
        ("property-mgmt", "物业不修电梯还要交物业费吗？", "小区电梯坏了两个月物业不修，我能拒交物业费吗？", "439001001001"),
        ("loan", "朋友借钱不还只有微信记录怎么办？", "朋友借了我两万，只有微信转账和聊天记录，没有借条。", "439002001001"),
    ]
    for code, title, body, region_code in rows:
        if Question.objects.filter(asker=li, title=title).exists():
            continue
        q = services.ask_question(asker=li, field=FieldOfLaw.objects.get(code=code), title=title, body=body,
                                  region=Region.objects.get(code=region_code))
        if code == "loan":
            services.answer_question(
                lawyer=lawyers["lvshi2"].user, question=q,
                body="微信转账记录加上聊天中对方认可借款的内容，可以作为借贷关系的证据。建议先发消息催要并保存回复。")


def _services() -> None:
    citizen = _user("13800000001")
    if ServiceApplication.objects.filter(applicant=citizen, kind="notarisation").exists():
        return
    services.submit_application(
        applicant=citizen, kind="notarisation", region=Region.objects.get(code="439001001001"),
        contact_name="张三", contact_phone=citizen.phone or "13800000001", office="清源市东湖公证处",
        matter="父亲去世后房产继承公证", preferred_slot="下周工作日上午")


def _commission_and_callback(lawyers) -> None:
    """A pending 点单式 commission and an unacknowledged call-back, so lvshi2's desk has work."""
    from legalqa.lawyers.models import CallbackRequest, Commission

    citizen = _user("13800000001")
    if not Commission.objects.filter(citizen=citizen).exists():
        services.create_commission(
            citizen=citizen, field=FieldOfLaw.objects.get(code="labour"), phone=citizen.phone or "13800000001",
            matter="请律师代理追讨三个月工资的劳动仲裁", region=Region.objects.get(code="439001001001"),
            question=Question.objects.filter(asker=citizen, title=DEMO_QUESTION).first(),
            lawyer=lawyers["lvshi2"].user)
    li = _user("13800000002")
    if not CallbackRequest.objects.filter(citizen=li).exists():
        services.request_callback(citizen=li, field=FieldOfLaw.objects.get(code="traffic"), lawyer=lawyers["lvshi2"].user,
                                  phone=li.phone or "13800000002", note="刚发生交通事故，对方要私了")


def seed(stdout) -> None:
    cfg = QAConfig.get()
    staff = _user("zhongxin")
    year = timezone.localdate().year
    AwardRate.objects.get_or_create(start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31),
                                    defaults={"amount": Decimal("60.00"), "note": "年度政府购买服务标准"})
    lawyers = _lawyers(staff)
    made = _templates(staff)
    _guides(staff)
    q = _main_story(lawyers)
    _more_questions(lawyers)
    _commission_and_callback(lawyers)
    _services()
    stdout.write(
        f"lawyers: {LawyerProfile.objects.verified().count()} verified, questions: {Question.objects.count()} "
        f"(demo question #{q.pk}, answers limit {cfg.answer_limit}), templates: "
        f"{DocumentTemplate.objects.count()} (+{made}), guides: {LitigationGuide.objects.count()}"
    )
