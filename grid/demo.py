"""The fictional demo city 清源市 (code 4390): 3 counties, 9 townships, 30 villages and
communities, 100 grids, about 40 departments, 10 mediation organisations, and one user per
role. Deterministic and idempotent: every row is keyed by its code or username."""

from __future__ import annotations

from grid.models import (
    Grid,
    GridKind,
    GridTaskItem,
    MediationOrgType,
    Region,
    RegionLevel,
    Role,
    Unit,
    UnitKind,
    User,
)

DEMO_PASSWORD = "Demo-2026!"

CITY = ("439000000000", "清源市")
COUNTIES = [
    ("439001000000", "东湖区", ["湖滨街道", "桂花街道", "新港镇"]),
    ("439002000000", "西山县", ["石门镇", "云岭乡", "白沙镇"]),
    ("439003000000", "南溪县", ["溪口镇", "竹林乡", "城关街道"]),
]
VILLAGE_NAMES = [
    "柳岸社区", "荷塘社区", "望江社区", "金桂社区", "丹桂村", "港口村", "新港社区", "渔业村", "石门村", "红星村",
    "云岭村", "茶园村", "白沙村", "沙洲村", "溪口村", "古渡村", "竹林村", "翠竹村", "城关社区", "文昌社区",
    "东风村", "向阳村", "和平社区", "幸福村", "团结村", "光明社区", "永丰村", "长青村", "双河村", "彝家村",
]
DEPARTMENTS = [
    ("住房和城乡建设局", "物业管理、房屋安全、城市建设投诉处理"),
    ("人力资源和社会保障局", "劳动保障监察、拖欠农民工工资处置、社保咨询"),
    ("市场监督管理局", "消费投诉、食品药品安全、价格监管"),
    ("生态环境局", "环境污染投诉、噪声扰民、排污监管"),
    ("公安分局", "治安案件、户籍、交通安全"),
    ("自然资源局", "土地、山林权属、宅基地"),
    ("民政局", "社会救助、婚姻登记、养老服务"),
    ("卫生健康局", "医疗纠纷、医疗服务投诉"),
    ("司法局", "人民调解、法律援助、社区矫正"),
    ("城市管理局", "市容环境、违章搭建、占道经营"),
    ("交通运输局", "道路运输、公交出租、交通设施"),
    ("农业农村局", "土地承包、农村集体经济、农资"),
    ("教育局", "学校管理、招生入学、校园安全"),
]
MEDIATION_ORGS = [
    ("湖滨街道人民调解委员会", "439001001000", MediationOrgType.PEOPLES, "普通话", "邻里纠纷、婚姻家庭纠纷调解"),
    ("东湖区物业纠纷人民调解委员会", "439001000000", MediationOrgType.INDUSTRY, "普通话", "物业服务、停车、维修资金纠纷"),
    ("东湖区医疗纠纷人民调解委员会", "439001000000", MediationOrgType.INDUSTRY, "普通话", "医患纠纷调解"),
    ("老刘调解工作室", "439001002000", MediationOrgType.BRAND, "普通话、客家话", "一村一品：乡贤调解，邻里和睦"),
    ("石门镇人民调解委员会", "439002001000", MediationOrgType.PEOPLES, "普通话", "土地、山林、婚姻家庭纠纷"),
    ("西山县劳动争议调解中心", "439002000000", MediationOrgType.INDUSTRY, "普通话", "劳动争议、欠薪纠纷"),
    ("彝语调解队", "439002002000", MediationOrgType.BRAND, "彝语、普通话", "少数民族群众纠纷双语调解"),
    ("南溪县律师调解工作室", "439003000000", MediationOrgType.LAWYER, "普通话", "合同、借贷、损害赔偿纠纷"),
    ("溪口镇人民调解委员会", "439003001000", MediationOrgType.PEOPLES, "普通话", "邻里、宅基地纠纷"),
    ("清源市专家调解库", "439000000000", MediationOrgType.EXPERT, "普通话、英语", "重大疑难纠纷专家会商"),
]

USERS = [
    # username, phone, display name, role, unit code
    ("13800000001", "13800000001", "张三（群众）", Role.CITIZEN, None),
    ("13800000002", "13800000002", "李四（群众）", Role.CITIZEN, None),
    ("wangge", "13900000011", "褚网格员", Role.GRID_WORKER, None),
    ("zhongxin", "13900000012", "王中心（东湖区综治中心）", Role.CENTRE_STAFF, "C-439001000000"),
    ("zhongxin_lingdao", "13900000013", "赵主任（东湖区综治中心）", Role.CENTRE_LEADER, "C-439001000000"),
    ("shi_zhongxin", "13900000014", "孙科长（清源市综治中心）", Role.CENTRE_STAFF, "C-439000000000"),
    ("bumen", "13900000015", "周办理（东湖区住建局）", Role.DEPT_HANDLER, "D-439001-01"),
    ("bumen_lingdao", "13900000016", "吴局长（东湖区住建局）", Role.DEPT_LEADER, "D-439001-01"),
    ("bumen2", "13900000017", "郑办理（东湖区人社局）", Role.DEPT_HANDLER, "D-439001-02"),
    ("bumen2_lingdao", "13900000018", "冯局长（东湖区人社局）", Role.DEPT_LEADER, "D-439001-02"),
    ("tiaojie", "13900000019", "陈调解员（湖滨街道调委会）", Role.MEDIATOR, "M-01"),
    ("lvshi", "13900000020", "卫律师", Role.LAWYER, None),
    ("lvshi2", "13900000021", "蒋律师", Role.LAWYER, None),
    ("admin", "13900000022", "系统管理员", Role.ADMIN, None),
]


def _region(code, name, level, parent):
    region, _ = Region.objects.update_or_create(code=code, defaults={"name": name, "level": level, "parent": parent})
    return region


def _unit(code, **fields):
    unit = Unit.objects.filter(code=code).first() or Unit(code=code)
    for key, value in fields.items():
        setattr(unit, key, value)
    unit.save()
    return unit


def seed(stdout) -> None:
    city = _region(*CITY, RegionLevel.CITY, None)
    _unit(f"C-{city.code}", kind=UnitKind.CENTRE, name=f"{city.name}综治中心", region=city, phone="0739-12345")
    villages = iter(VILLAGE_NAMES)
    n_villages = n_grids = 0
    for c_code, c_name, towns in COUNTIES:
        county = _region(c_code, c_name, RegionLevel.COUNTY, city)
        _unit(f"C-{c_code}", kind=UnitKind.CENTRE, name=f"{c_name}综治中心", region=county,
              phone=f"0739-{c_code[4:6]}12345", address=f"{c_name}政务服务中心一楼")
        for i, (d_name, duties) in enumerate(DEPARTMENTS, start=1):
            _unit(f"D-{c_code[:6]}-{i:02d}", kind=UnitKind.DEPARTMENT, name=f"{c_name}{d_name}", region=county,
                  duties=duties, phone=f"0739-{c_code[4:6]}{i:02d}0000", is_legal_aid=(d_name == "司法局"))
        for t, t_name in enumerate(towns, start=1):
            town = _region(f"{c_code[:6]}{t:03d}000", t_name, RegionLevel.TOWNSHIP, county)
            _unit(f"C-{town.code}", kind=UnitKind.CENTRE, name=f"{t_name}综治中心", region=town)
            per_town = 4 if (c_code, t) in {("439001000000", 1), ("439002000000", 1), ("439003000000", 1)} else 3
            for v in range(1, per_town + 1):
                name = next(villages, None)
                if name is None:
                    break
                village = _region(f"{town.code[:9]}{v:03d}", name, RegionLevel.VILLAGE, town)
                n_villages += 1
                for g in range(1, 4 if n_villages % 3 else 5):
                    special = g == 4
                    Grid.objects.update_or_create(
                        code=f"{village.code}{g:03d}",
                        defaults={
                            "name": f"{name}{'学校专属网格' if special else f'第{g}网格'}",
                            "village": village,
                            "kind": GridKind.SPECIAL if special else GridKind.COMPREHENSIVE,
                            "special_type": "school" if special else "",
                        },
                    )
                    n_grids += 1
    for i, (name, region_code, org_type, langs, duties) in enumerate(MEDIATION_ORGS, start=1):
        _unit(f"M-{i:02d}", kind=UnitKind.MEDIATION, name=name, region=Region.objects.get(code=region_code),
              org_type=org_type, languages=langs, duties=duties, phone=f"0739-8800{i:04d}")

    users = {}
    for username, phone, name, role, unit_code in USERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.phone, user.display_name, user.role = phone, name, role
        user.unit = Unit.objects.get(code=unit_code) if unit_code else None
        user.is_staff = role in (Role.CENTRE_STAFF, Role.CENTRE_LEADER, Role.ADMIN)
        user.is_superuser = role == Role.ADMIN
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[username] = user
    for code, leader in (("D-439001-01", "bumen_lingdao"), ("D-439001-02", "bumen2_lingdao"),
                         ("C-439001000000", "zhongxin_lingdao")):
        Unit.objects.filter(code=code).update(leader=users[leader])
    first_grid = Grid.objects.get(code="439001001001001")
    first_grid.workers.add(users["wangge"])

    housing = Unit.objects.get(code="D-439001-01")
    item, _ = GridTaskItem.objects.get_or_create(
        department=housing, title="物业服务问题排查", defaults={"description": "每月排查小区物业服务、消防通道、电梯安全问题。"}
    )
    item.grids.set(Grid.objects.filter(region_code__startswith="439001001"))
    stdout.write(
        f"regions: {Region.objects.count()} (villages {n_villages}), grids: {Grid.objects.count()}, "
        f"units: {Unit.objects.count()}, users: {len(users)}"
    )


def print_logins(stdout) -> None:
    """Every demo account, whichever app's demo made it (they all share DEMO_PASSWORD)."""
    stdout.write("\n演示账号 / demo logins (password for all: " + DEMO_PASSWORD + ")")
    stdout.write(f"{'login':<16} {'role':<14} name")
    order = {role: i for i, role in enumerate(Role.values)}
    users = sorted(User.objects.filter(is_active=True).select_related("unit"),
                   key=lambda u: (order.get(u.role, 99), u.username))
    for user in users:
        login = user.phone if user.role == Role.CITIZEN else user.username
        unit = f"（{user.unit.name}）" if user.unit_id and user.unit.name not in user.display_name else ""
        stdout.write(f"{login:<16} {user.role:<14} {user.display_name}{unit}")
    stdout.write("Site: http://127.0.0.1:8000/   Admin: http://127.0.0.1:8000/admin/")
