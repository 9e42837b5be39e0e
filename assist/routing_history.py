"""A generator of realistic appeal histories for learned routing (demo and benchmark).

Several departments share a category, so the text decides: 环境污染 goes to 生态环境局 for
a factory, to 城市管理局 for a street stall's smoke, to 公安分局 for a night-time brawl's
noise; 劳动争议 to 人社局, but wages on a building site to 住建局 … Places are the demo
city's villages; each item names its place and is handled by its county's department
(unit code ``D-<county>-<nn>``, as in grid/demo.py). ``category_only`` makes a history
where the category alone decides (the first department listed for it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

# category code -> [(department number, [title templates], [description templates])]; {P} place
ROUTES: dict[str, list[tuple[int, list[str], list[str]]]] = {
    "environment": [
        (4, ["{P}化工厂排污", "{P}工厂偷排废水", "{P}厂子冒黑烟"],
         ["{P}那家化工厂晚上偷偷往河里排污水，河水发黑发臭，鱼都死了。",
          "{P}的工厂烟囱天天冒黑烟，刺鼻的气味熏得人头疼，怀疑超标排放。"]),
        (10, ["{P}路边摊油烟", "{P}夜市烧烤油烟大", "{P}占道摊点污染"],
         ["{P}路边的烧烤摊占道经营，油烟直冲住户窗户，垃圾乱扔。",
          "{P}夜市摊贩把污水直接倒在人行道上，油烟大，影响市容。"]),
        (5, ["{P}半夜有人喝酒吵闹", "{P}深夜噪音打架"],
         ["{P}每天半夜有一伙人喝酒划拳、摔瓶子，还打过架，吓得不敢出门。",
          "{P}深夜有人聚众吵闹滋事，报警后过一会儿又来了。"]),
    ],
    "labour": [
        (2, ["{P}公司拖欠工资", "{P}厂里不签劳动合同", "{P}被辞退不给补偿"],
         ["我在{P}的电子厂上班，公司两个月没发工资，也没签劳动合同，社保也没交。",
          "{P}的公司无故把我辞退，经济补偿一分不给，要求劳动仲裁。"]),
        (1, ["{P}工地欠农民工工资", "{P}包工头欠薪跑路"],
         ["{P}建筑工地的包工头欠我们农民工工资跑了，项目开发商说不归他管。",
          "在{P}工地干了半年，工程款拖着不结，二十多个工人的工资没着落。"]),
    ],
    "consumer": [
        (3, ["{P}超市卖过期食品", "{P}商家预付卡跑路", "{P}买到假货"],
         ["在{P}超市买的牛奶过期了，商家不肯退换，还态度恶劣。",
          "{P}的健身房办了预付卡，老板突然关门跑路了，几百人的钱退不回来。"]),
    ],
    "forest_land": [
        (6, ["{P}山林权属争议", "{P}有人乱砍集体林", "{P}林地界线纠纷"],
         ["{P}的山林和邻村有权属争议，对方来砍我们组的树，林权证上写得清清楚楚。",
          "{P}集体山林被人盗伐，请自然资源部门查处。"]),
        (12, ["{P}土地承包纠纷", "{P}承包地流转租金不给", "{P}耕地被占种"],
         ["{P}村里把我家的承包地流转给合作社，说好的租金两年没给。",
          "{P}的承包地被别人强占种了，承包合同还在我手里。"]),
    ],
    "house_homestead": [
        (6, ["{P}宅基地被占", "{P}宅基地审批", "{P}建房越界"],
         ["{P}邻居建房占了我家宅基地半米，宅基地证上界线很清楚。",
          "在{P}申请宅基地建房一年了还没批下来，想问问进度。"]),
        (1, ["{P}危房无人管", "{P}楼房裂缝", "{P}房屋漏水开裂"],
         ["{P}的老楼墙体开裂，楼板都有裂缝了，怕塌，要求房屋安全鉴定。",
          "{P}新买的房子到处漏水开裂，开发商不给维修。"]),
    ],
    "traffic": [
        (5, ["{P}交通事故赔偿", "{P}被车撞了", "{P}肇事逃逸"],
         ["在{P}路口被一辆小车撞伤，司机跑了，交警说还在找。",
          "{P}发生交通事故，对方保险公司赔偿一直谈不拢。"]),
        (11, ["{P}公交车不停站", "{P}班车取消", "{P}出租车拒载"],
         ["{P}的公交车经常不停站，司机还态度差，老人上下车很难。",
          "{P}到县城的班车突然取消了，村民出行很不方便。"]),
    ],
    "neighbour": [
        (9, ["{P}邻居漏水纠纷", "{P}邻里通道纠纷", "{P}邻居吵架调解"],
         ["{P}楼上邻居家漏水泡坏了我家天花板，协商不成，请调解。",
          "{P}邻居把公共通道堵了，两家为这事吵了好几次，想找人调解。"]),
        (5, ["{P}邻居打人", "{P}邻里纠纷动手"],
         ["{P}邻居因为小事动手打人，把我老伴推倒受伤了。",
          "{P}和邻居发生口角，对方拿刀威胁，很害怕。"]),
    ],
    "property_mgmt": [
        (1, ["{P}物业不作为", "{P}电梯坏了物业不修", "{P}维修资金使用"],
         ["{P}小区电梯坏了半个月，物业一直拖着不修，老人上下楼很难。",
          "{P}的物业乱收停车费，小区环境脏乱，业主要求更换物业。"]),
    ],
    "medical": [
        (8, ["{P}医疗纠纷", "{P}卫生院收费不合理", "{P}诊所误诊"],
         ["在{P}卫生院看病被误诊，耽误了治疗，要求医院给说法。",
          "{P}的诊所乱收费，一个感冒花了几百块。"]),
    ],
    "education": [
        (13, ["{P}孩子入学难", "{P}培训机构不退费", "{P}学校乱收费"],
         ["孩子户口在{P}，学校说学位满了不让入学，要求解决入学问题。",
          "{P}的培训机构关门了，交的学费不给退。"]),
    ],
    "village_affairs": [
        (12, ["{P}集体收益分配不公", "{P}村务不公开"],
         ["{P}集体土地征收补偿款怎么分的村里一直不公开，村民有意见。",
          "{P}村里的集体收益分配不公平，外嫁女没有份。"]),
        (7, ["{P}低保评定不公", "{P}困难救助没落实"],
         ["{P}的低保评定不公平，有车有房的都评上了，真正困难的没有。",
          "我家在{P}，因病致贫申请临时救助，一直没有下文。"]),
    ],
}
KINDS = {"environment": "complaint", "labour": "dispute", "consumer": "complaint", "forest_land": "dispute",
         "house_homestead": "dispute", "traffic": "dispute", "neighbour": "dispute", "property_mgmt": "dispute",
         "medical": "dispute", "education": "livelihood", "village_affairs": "livelihood"}


@dataclass
class HistoryItem:
    title: str
    description: str
    kind: str
    category: str
    region_code: str
    unit: str  # unit code D-<county>-<nn>
    created: datetime


def generate(n: int, villages: list[tuple[str, str]], *, seed: int = 16, start: datetime | None = None,
             days: int = 365, category_only: bool = False, noise: float = 0.03) -> list[HistoryItem]:
    """``n`` items over ``days`` days in the given (code, name) villages; a share ``noise``
    ended at another department of the county (as real histories do)."""
    rng = random.Random(seed)
    start = start or datetime(2025, 11, 1, 9, 0)
    out = []
    cats = list(ROUTES)
    for i in range(n):
        cat = rng.choice(cats)
        routes = ROUTES[cat]
        dept, titles, descs = rng.choice(routes)
        if category_only:
            dept = routes[0][0]
        if rng.random() < noise:
            dept = rng.randint(1, 13)
        code, name = rng.choice(villages)
        place = rng.choice([name, f"{name}{rng.choice(['三组', '东头', '街口', '小区', '附近'])}"])
        out.append(HistoryItem(
            title=rng.choice(titles).format(P=place), description=rng.choice(descs).format(P=place),
            kind=KINDS[cat], category=cat, region_code=code, unit=f"D-{code[:6]}-{dept:02d}",
            created=start + timedelta(days=days * i / max(1, n), hours=rng.uniform(0, 8))))
    return out
