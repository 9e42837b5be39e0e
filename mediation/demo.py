"""Mediation demo data, written through the services (deterministic and idempotent).

- mediator profiles, including a Yi-language mediator of 彝语调解队 (一村一品);
- a neighbours' leak dispute of 张三 against 李四, mediated by 陈调解员 over two sessions
  (on site, then by video), ending in an agreement PDF and a court confirmation, and fed
  back to 张三 for rating;
- a second dispute dispatched to the same committee and waiting to be taken, to try the
  pages live;
- a few screened risks (一案一策) with plans, one resolved;
- a legal-aid application waiting for the 东湖区司法局 legal aid centre's review.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from grid.demo import DEMO_PASSWORD
from grid.models import Region, Role, Unit, User
from mediation import services
from mediation.models import CaseState, MediationCase, Risk, RiskStatus, SessionMode

DISPUTE_TITLE = "【演示】楼上卫生间漏水纠纷"
OPEN_TITLE = "【演示】广场舞噪音扰民纠纷"
LEGAL_AID_TITLE_MARK = "【演示】"

EXTRA_USERS = [
    # username, phone, display name, role, unit code
    ("yiyu_tiaojie", "13900000031", "阿支（彝语调解队）", Role.MEDIATOR, "M-07"),
    ("tiaojie2", "13900000032", "林调解员（湖滨街道调委会）", Role.MEDIATOR, "M-01"),
    ("fayuan", "13900000033", "何援助（东湖区司法局法律援助中心）", Role.DEPT_HANDLER, "D-439001-09"),
]

PROFILES = {
    "tiaojie": dict(title="退休干部", expertise="邻里关系、婚姻家庭、房屋宅基地", languages="普通话",
                    years=15, bio="曾任街道司法所所长，擅长“板凳会”式面对面调解，也常用视频调解联系在外务工的当事人。"),
    "tiaojie2": dict(title="法律工作者", expertise="合同、民间借贷、物业", languages="普通话、英语", years=6,
                     bio="基层法律服务工作者，熟悉合同和借贷纠纷。"),
    "yiyu_tiaojie": dict(title="乡贤", expertise="山林土地、婚姻家庭、邻里关系", languages="彝语、普通话", years=20,
                         bio="彝语调解队队长，用群众听得懂的话讲法说理，小事不出村、矛盾不上交。"),
}

RISKS = [
    # title, region code, category, level, people, responsible unit, plan?, resolve?
    ("柳岸社区3栋外墙脱落引发邻里争执", "439001001001", "neighbour", "medium", 4, "C-439001001000", True, True),
    ("新港镇港口村土地流转租金拖欠", "439001003001", "forest_land", "high", 23, "C-439001000000", True, False),
    ("石门村山林界址争议", "439002001001", "forest_land", "high", 8, "C-439002000000", False, False),
]


def _user(username, phone, name, role, unit_code):
    user = User.objects.filter(username=username).first() or User(username=username)
    user.phone, user.display_name, user.role = phone, name, role
    user.unit = Unit.objects.get(code=unit_code)
    user.is_staff = False
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _grievance_services():
    from grievances import services as gsvc

    return gsvc


def _dispute(citizen, staff, org, *, title, description, category_code, severity):
    from grievances.models import Category, Grievance, State

    gsvc = _grievance_services()
    g = Grievance.objects.filter(title=title, reporter=citizen).first()
    if g is None:
        g = gsvc.submit_grievance(
            actor=citizen, kind="dispute", region=Region.objects.get(code="439001001001"), title=title,
            description=description, address="柳岸社区", category=Category.objects.get(code=category_code),
        )
    if g.state == State.SUBMITTED:
        gsvc.accept_grievance(actor=staff, grievance=g, kind="dispute", severity=severity,
                              category=Category.objects.get(code=category_code))
    if g.state == State.ACCEPTED:
        gsvc.dispatch_grievance(actor=staff, grievance=g, unit=org)
    g.refresh_from_db()
    return g


def _mediated_dispute(stdout, users, org):
    from grievances.models import State

    zhangsan, lisi = users["13800000001"], users["13800000002"]
    staff, mediator = users["zhongxin"], users["tiaojie"]
    g = _dispute(zhangsan, staff, org, title=DISPUTE_TITLE, category_code="neighbour", severity="ordinary",
                 description="楼上李四家卫生间长期漏水，我家卫生间和客厅天花板发霉脱落，多次上门协商未果，希望调解。")
    case = MediationCase.objects.filter(grievance=g).first()
    if case is None or not case.mediators.filter(pk=mediator.pk).exists():
        case = services.take_case(actor=mediator, grievance=g)
    if not case.parties.filter(side="respondent").exists():
        services.add_party(actor=mediator, case=case, side="respondent", name=lisi.display_name.split("（")[0],
                           phone=lisi.phone, address="柳岸社区3栋502", user=lisi)
    now = timezone.now()
    if not case.sessions.exists():
        first = services.schedule_session(actor=mediator, case=case, mode=SessionMode.IN_PERSON,
                                          scheduled_at=now - timedelta(days=3), place="柳岸社区人民调解室")
        services.record_session(
            actor=mediator, session=first, participants="申请人张三、被申请人李四、调解员陈调解员、社区网格员",
            minutes="双方到场陈述。李四承认卫生间防水层老化，但认为张三要求的赔偿过高。调解员现场查看了漏水位置，"
                    "释明《民法典》第二百九十六条相邻关系的规定，建议先请物业确认漏水原因。",
            next_steps="物业出具漏水原因说明；李四在外地出差，下次以视频方式调解。",
            present_parties=list(case.parties.all()),
        )
    if case.sessions.count() == 1:
        second = services.schedule_session(actor=mediator, case=case, mode=SessionMode.VIDEO,
                                           scheduled_at=now - timedelta(days=1))
        services.record_session(
            actor=mediator, session=second, participants="申请人张三（社区调解室）、被申请人李四（视频）、调解员陈调解员",
            minutes="物业说明漏水系李四家卫生间防水层破损所致。经调解员说服，双方就维修和赔偿达成一致。",
            next_steps="制作调解协议书，双方签字后申请司法确认。", present_parties=list(case.parties.all()),
        )
    case.refresh_from_db()
    if case.is_open:
        services.conclude_with_agreement(
            actor=mediator, case=case,
            facts="李四家卫生间防水层破损，导致楼下张三家卫生间和客厅天花板渗水发霉。",
            terms="一、李四于履行期限前请有资质的单位重做卫生间防水，费用由李四承担；\n"
                  "二、李四赔偿张三天花板修复费用人民币贰仟元整（2000元）；\n"
                  "三、双方今后友好相处，本纠纷就此了结，双方不再就此事主张其他权利。",
            performance_deadline=timezone.localdate() + timedelta(days=14), performance_method="银行转账或现金当面交付",
        )
        case.refresh_from_db()
    if case.state == CaseState.SUCCEEDED and not case.confirmations.exists():
        jc = services.apply_judicial_confirmation(actor=mediator, case=case, court="东湖区人民法院",
                                                  documents="司法确认申请书、人民调解协议书、双方身份证明")
        services.decide_judicial_confirmation(actor=mediator, confirmation=jc, confirmed=True,
                                              ruling_no="（2026）清0901民特8号", note="调解协议合法有效，予以确认。")
    g.refresh_from_db()
    if g.state == State.COMPLETED:
        _grievance_services().verify_grievance(actor=staff, grievance=g, note="经核查，调解协议已签订并经法院司法确认。")
        g.refresh_from_db()
    stdout.write(f"  mediated dispute {g.tracking_no}: case {case.pk} {case.get_state_display()}, "
                 f"grievance {g.get_state_display()}")


def _open_dispute(stdout, users, org):
    g = _dispute(users["13800000002"], users["zhongxin"], org, title=OPEN_TITLE, category_code="neighbour",
                 severity="simple",
                 description="小区广场每晚八点到十点跳广场舞，音响声音很大，影响老人和孩子休息，希望调解。")
    stdout.write(f"  dispute waiting for a mediator: {g.tracking_no}")


def _risks(stdout, users):
    from grievances.models import Category

    for title, code, cat, level, people, unit_code, with_plan, resolve in RISKS:
        risk = Risk.objects.filter(title=title).first()
        actor = users["zhongxin"] if code.startswith("439001") else users["admin"]
        if risk is None:
            risk = services.register_risk(
                actor=actor, title=title, description=f"网格排查发现：{title}，存在矛盾激化风险。",
                region=Region.objects.get(code=code), category=Category.objects.get(code=cat), level=level,
                people_involved=people, responsible_unit=Unit.objects.get(code=unit_code),
            )
        if with_plan and risk.status == RiskStatus.IDENTIFIED:
            services.set_risk_plan(actor=actor, risk=risk, measures="包案领导牵头，网格员每周走访，司法所提供法律咨询。",
                                   responsible_person="包案责任人", target_date=timezone.localdate() + timedelta(days=15))
        if resolve and risk.status == RiskStatus.CONTROLLING:
            services.record_risk_progress(actor=actor, risk=risk, note="物业已修复外墙，双方当面沟通。")
            services.resolve_risk(actor=actor, risk=risk, note="纠纷已化解，跟踪回访无反复。")
    stdout.write(f"  risks: {Risk.objects.count()}")


def _legal_aid(stdout, users):
    from grievances.models import State
    from mediation.models import LegalAidApplication

    citizen = users["13800000001"]
    app = LegalAidApplication.objects.filter(grievance__reporter=citizen, applicant_name="张三").first()
    if app is None:
        app = services.apply_for_legal_aid(
            actor=citizen, region=Region.objects.get(code="439001001001"), applicant_name="张三",
            id_number="430901199001011234", address="东湖区湖滨街道柳岸社区", phone=citizen.phone,
            case_type="labour", opponent="清源市某建筑劳务公司", monthly_income="860.00",
            hardship="家庭四口人，本人为农民工，妻子无业，两个孩子上学，家庭人均月收入约860元。",
            description="在工地务工8个月，被拖欠工资26000元，多次讨要未果，申请法律援助代理劳动仲裁。",
        )
    g = app.grievance
    gsvc = _grievance_services()
    if g.state == State.SUBMITTED:
        gsvc.accept_grievance(actor=users["zhongxin"], grievance=g, kind="legal_aid")
    if g.state == State.ACCEPTED:
        gsvc.dispatch_grievance(actor=users["zhongxin"], grievance=g, unit=Unit.objects.get(code="D-439001-09"))
    stdout.write(f"  legal aid application {g.tracking_no} waiting for review by 东湖区司法局")


def seed(stdout) -> None:
    users = {u.username: u for u in User.objects.filter(
        username__in=["13800000001", "13800000002", "zhongxin", "tiaojie", "admin"])}
    for row in EXTRA_USERS:
        users[row[0]] = _user(*row)
    for username, fields in PROFILES.items():
        services.save_mediator_profile(actor=users["admin"], user=users[username], **fields)
    org = Unit.objects.get(code="M-01")
    # The committee's head approves extensions (seed 004: 经本单位领导审核同意).
    Unit.objects.filter(pk=org.pk, leader__isnull=True).update(leader=users["tiaojie"])
    org.refresh_from_db()
    _mediated_dispute(stdout, users, org)
    _open_dispute(stdout, users, org)
    _risks(stdout, users)
    _legal_aid(stdout, users)
    stdout.write("  mediation logins: tiaojie / tiaojie2 / yiyu_tiaojie (mediators), "
                 f"fayuan (legal aid centre), password {DEMO_PASSWORD}")
