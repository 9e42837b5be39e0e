"""Demo appeals in every state of the loop, made through the services so every step has its
event (and its clock). Deterministic and idempotent: each scenario is keyed by its title and
skipped when it exists. Runs after grid.demo (users, units, regions)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from grid.models import Grid, Region, Unit, User
from grievances import services
from grievances.categories import seed_categories
from grievances.models import Category, Channel, Grievance, RoutingRule

VILLAGE = "439001001001"  # 柳岸社区, 湖滨街道, 东湖区

# (category code, region code, unit code): 属地+属事 routing rules for the demo city
ROUTING = [
    ("property_mgmt", "439001000000", "D-439001-01"),
    ("house_homestead", "439001000000", "D-439001-01"),
    ("labour", "439001000000", "D-439001-02"),
    ("consumer", "439001000000", "D-439001-03"),
    ("environment", "439001000000", "D-439001-04"),
    ("traffic", "439001000000", "D-439001-05"),
    ("forest_land", "439001000000", "D-439001-06"),
    ("land_acquisition", "439001000000", "D-439001-06"),
    ("medical", "439001000000", "D-439001-08"),
    ("neighbour", "439001001000", "M-01"),
    ("marriage_family", "439001001000", "M-01"),
    ("property_mgmt", "439002000000", "D-439002-01"),
    ("labour", "439002000000", "D-439002-02"),
    ("property_mgmt", "439003000000", "D-439003-01"),
    ("labour", "439003000000", "D-439003-02"),
]


class Cast:
    def __init__(self):
        users = {u.username: u for u in User.objects.filter(username__in=[
            "13800000001", "13800000002", "wangge", "zhongxin", "zhongxin_lingdao", "bumen", "bumen_lingdao",
            "bumen2", "bumen2_lingdao", "shi_zhongxin"])}
        self.zhang = users["13800000001"]
        self.li = users["13800000002"]
        self.wangge = users["wangge"]
        self.centre = users["zhongxin"]
        self.centre_leader = users["zhongxin_lingdao"]
        self.city = users["shi_zhongxin"]
        self.handler = users["bumen"]
        self.dept_leader = users["bumen_lingdao"]
        self.handler2 = users["bumen2"]
        self.dept2_leader = users["bumen2_lingdao"]
        self.housing = Unit.objects.get(code="D-439001-01")
        self.labour = Unit.objects.get(code="D-439001-02")
        self.village = Region.objects.get(code=VILLAGE)


def cat(code):
    return Category.objects.get(code=code)


def _fresh(g):
    return Grievance.objects.get(pk=g.pk)


def _submit(c: Cast, who, title, description, kind, category=None, **kw):
    return services.submit_grievance(
        actor=who, kind=kind, region=kw.pop("region", c.village), title=title, description=description,
        category=cat(category) if category else None, address=kw.pop("address", "柳岸花园"),
        contact_name=who.display_name.split("（")[0] if who else kw.pop("contact_name", ""), **kw,
    )


def _accept(c, g, kind, severity="", category=None, **kw):
    services.accept_grievance(actor=c.centre, grievance=_fresh(g), kind=kind, severity=severity,
                              category=cat(category) if category else None, **kw)


def _dispatch(c, g, unit, co=()):
    services.dispatch_grievance(actor=c.centre, grievance=_fresh(g), unit=unit, co_units=list(co))


def _sign(user, g):
    services.sign_grievance(actor=user, grievance=_fresh(g))


def _complete(user, g, result):
    services.complete_grievance(actor=user, grievance=_fresh(g), result=result)


def _verify(c, g, note=""):
    services.verify_grievance(actor=c.centre, grievance=_fresh(g), note=note)


def _rate(who, g, satisfaction, comment=""):
    services.rate_grievance(actor=who, grievance=_fresh(g), satisfaction=satisfaction, comment=comment,
                            professionalism=5 if satisfaction == "satisfied" else 3)


# Each scenario: (title, builder). The builder takes the cast and the title.
def s_submitted(c, t):
    _submit(c, c.zhang, t, "3栋一单元楼道堆满纸箱和旧家具，消防通道被堵，多次跟物业反映没人管。", "complaint",
            "property_mgmt", address="柳岸花园3栋一单元")


def s_accepted(c, t):
    g = _submit(c, c.li, t, "我是灵活就业人员，想了解在哪里、怎样缴纳职工养老保险，每月交多少。", "inquiry")
    _accept(c, g, "inquiry", category="labour")


def s_rejected(c, t):
    g = _submit(c, c.li, t, "我的离婚案判决不公，要求综治中心让法院改判。", "dispute", "marriage_family")
    services.reject_grievance(actor=c.centre, grievance=_fresh(g), reason="已经人民法院判决的案件，综治中心无权改变判决。",
                              guidance="如不服判决，可在法定期限内向上一级人民法院申请再审，或到东湖区公共法律服务中心咨询法律援助。")


def s_dispatched(c, t):
    g = _submit(c, c.zhang, t, "小区2号楼电梯一周坏三次，老人被困过一次，物业说没钱修。", "dispute", "property_mgmt",
                address="柳岸花园2号楼")
    _accept(c, g, "dispute", "ordinary", "property_mgmt")
    _dispatch(c, g, c.housing)


def s_handling_supervised(c, t):
    g = _submit(c, c.zhang, t, "给锦绣装饰公司干了三个月装修活，老板拖欠我们8个人共6万多元工资。", "dispute", "labour",
                address="湖滨路18号")
    _accept(c, g, "dispute", "major", "labour", tags=[cat("tag_wages")], risk_level="medium")
    _dispatch(c, g, c.labour)
    _sign(c.handler2, g)
    services.interim_reply(actor=c.handler2, grievance=_fresh(g), note="已约谈装饰公司负责人，要求5日内提交工资支付方案。")
    services.supervise_grievance(actor=c.centre, grievance=_fresh(g), note="涉及8名农民工，请加快办理，春节前务必结清。")
    services.leader_instruction(actor=c.centre_leader, grievance=_fresh(g), note="欠薪问题要一抓到底，每周报告进展。")


def s_completed(c, t):
    g = _submit(c, c.zhang, t, "楼下烧烤店每晚营业到凌晨两点，油烟和噪声严重扰民。", "complaint", "environment",
                address="柳岸花园临街商铺")
    _accept(c, g, "complaint", category="environment")
    _dispatch(c, g, c.housing)
    _sign(c.handler, g)
    _complete(c.handler, g, "已会同城管、生态环境部门现场检查，烧烤店已安装油烟净化器，承诺晚上11点前停止营业。")


def s_verified(c, t):
    g = _submit(c, c.zhang, t, "小区东门路灯坏了一个多月，晚上出行不安全。", "livelihood", "property_mgmt",
                address="柳岸花园东门")
    _accept(c, g, "livelihood", category="property_mgmt")
    _dispatch(c, g, c.housing)
    _sign(c.handler, g)
    _complete(c.handler, g, "已督促物业更换东门路灯4盏，目前照明正常。")
    _verify(c, g, "已现场核实路灯恢复照明。")


def s_closed(c, t):
    g = _submit(c, c.li, t, "物业每月多收50元停车管理费，没有任何收费依据。", "dispute", "property_mgmt",
                address="荷塘小区")
    _accept(c, g, "dispute", "simple", "property_mgmt")
    _dispatch(c, g, c.housing)
    _sign(c.handler, g)
    _complete(c.handler, g, "经核查收费无备案依据，已责令物业停止收取并退还多收费用，业主已收到退款。")
    _verify(c, g)
    _rate(c.li, g, "satisfied", "处理及时，钱已经退了，谢谢！")


def s_unsatisfied(c, t):
    g = _submit(c, c.zhang, t, "楼上卫生间漏水到我家天花板，楼上住户不配合维修。", "dispute", "neighbour",
                address="柳岸花园5栋")
    _accept(c, g, "dispute", "simple", "property_mgmt")
    _dispatch(c, g, c.housing)
    _sign(c.handler, g)
    _complete(c.handler, g, "已联系楼上住户，对方同意一周内请师傅维修。")
    _verify(c, g)
    _rate(c.zhang, g, "unsatisfied", "两周过去了还在漏水，楼上根本没修。")


def s_returned(c, t):
    g = _submit(c, c.li, t, "邻居建房占了我家宅基地半米，协商不成。", "dispute", "house_homestead",
                address="丹桂村二组")
    _accept(c, g, "dispute", "ordinary", "house_homestead")
    _dispatch(c, g, c.housing)
    rr = services.request_return(actor=c.handler, grievance=_fresh(g),
                                 reason="农村宅基地权属纠纷属自然资源部门和乡镇人民政府职责，不属本局职责范围。")
    services.approve_return(actor=c.dept_leader, return_request=rr, note="同意退回，建议交自然资源局或湖滨街道调委会。")


def s_joint(c, t):
    g = _submit(c, c.li, t, "村里征地补偿款分配方案不公开，30多户村民有意见，准备集体上访。", "dispute", "land_acquisition",
                address="丹桂村村委会")
    _accept(c, g, "dispute", "grave", "land_acquisition", is_mass=True, risk_level="high",
            tags=[cat("tag_public_order")])
    services.open_joint_handling(actor=c.centre, grievance=_fresh(g), lead_unit=c.housing, co_units=[c.labour],
                                 reason="涉众事项（30余户），组织住建、人社等部门联合调处。")
    services.record_joint_session(
        actor=c.centre, grievance=_fresh(g), held_at=timezone.make_aware(datetime(2026, 11, 20, 9, 30)),
        place="东湖区综治中心会商室", participants="区综治中心、区住建局、区人社局、湖滨街道、丹桂村两委、村民代表5人",
        minutes="会议明确：补偿款分配方案3日内张榜公示；住建局牵头核算，人社局负责失地农民社保衔接。")
    _sign(c.handler, g)
    services.interim_reply(actor=c.handler, grievance=_fresh(g), note="分配方案已在村务公开栏公示，正在逐户核对。")


def s_patrol(c, t):
    grid = Grid.objects.filter(workers=c.wangge).order_by("code").first()
    services.submit_grievance(
        actor=c.wangge, kind="complaint", region=grid.village, grid=grid, title=t, channel=Channel.PATROL,
        description="巡查发现柳岸河段岸边堆积生活垃圾约10立方米，散发异味。", category=cat("environment"),
        address="柳岸河东岸", contact_name=c.wangge.display_name, contact_phone=c.wangge.phone or "",
    )


def s_hotline(c, t):
    services.submit_grievance(
        actor=c.centre, kind="livelihood", region=c.village, title=t, channel=Channel.HOTLINE,
        description="12345转来：柳岸社区部分楼栋连续两天停水，没有提前通知。", contact_name="王女士",
        contact_phone="13700000009", category=cat("other"),
    )


def s_closed_more(c, t, category, description, result, who_attr="li"):
    who = getattr(c, who_attr)
    g = _submit(c, who, t, description, "dispute", category)
    _accept(c, g, "dispute", "simple", category)
    _dispatch(c, g, c.labour if category == "labour" else c.housing)
    handler = c.handler2 if category == "labour" else c.handler
    _sign(handler, g)
    _complete(handler, g, result)
    _verify(c, g)
    _rate(who, g, "basic")


SCENARIOS = [
    ("小区楼道堆放杂物堵塞消防通道", s_submitted),
    ("咨询灵活就业人员如何缴纳养老保险", s_accepted),
    ("要求法院改判离婚案件", s_rejected),
    ("小区电梯频繁故障无人维修", s_dispatched),
    ("装修公司拖欠8名农民工工资", s_handling_supervised),
    ("烧烤店油烟噪声扰民", s_completed),
    ("小区东门路灯损坏", s_verified),
    ("物业多收停车管理费", s_closed),
    ("楼上漏水邻居不配合维修", s_unsatisfied),
    ("邻居建房占用宅基地", s_returned),
    ("征地补偿款分配不公开（涉众）", s_joint),
    ("网格巡查：河道垃圾堆积", s_patrol),
    ("12345转办：社区连续停水", s_hotline),
    ("小区停车位被长期占用", lambda c, t: s_closed_more(
        c, t, "property_mgmt", "业主的固定车位长期被外来车辆占用，物业不管。",
        "物业已在车位安装地锁并张贴告示，占用问题已解决。")),
    ("超市员工被拖欠两个月工资", lambda c, t: s_closed_more(
        c, t, "labour", "在华联超市工作的5名员工被拖欠两个月工资。",
        "经劳动保障监察，超市已足额支付拖欠工资共4.2万元。", who_attr="zhang")),
]


def seed(stdout) -> None:
    seed_categories(Category)
    for cat_code, region_code, unit_code in ROUTING:
        unit = Unit.objects.filter(code=unit_code).first()
        region = Region.objects.filter(code=region_code).first()
        if unit and region:
            RoutingRule.objects.update_or_create(category=cat(cat_code), region=region, defaults={"unit": unit})
    cast = Cast()
    made = 0
    for title, build in SCENARIOS:
        if Grievance.objects.filter(title=title).exists():
            continue
        build(cast, title)
        made += 1
    stdout.write(f"grievances: {made} new demo appeals ({Grievance.objects.count()} in all), "
                 f"{RoutingRule.objects.count()} routing rules")
