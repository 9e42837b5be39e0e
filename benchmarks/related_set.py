"""Writes the labelled set for duplicate detection (issue 16, part 2):
benchmarks/data/related_labelled.jsonl, one appeal per line with the fields of
``find_related`` plus ``cluster`` (the same problem told by different people share it;
look-alikes have their own cluster).

- 45 clusters: one concrete problem (a type, a place, a landmark) reported by 4–6 people in
  their own words within three weeks; texts are written per problem type with several
  ways of telling it (short and long, with and without the landmark), so the words differ.
- look-alikes: the same kind of problem told the same way in another village (a different
  cluster), and in the same village at another landmark (a different problem nearby).
Deterministic (seed 16).

    PYTHONPATH=. python benchmarks/related_set.py
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

OUT = Path(__file__).parent / "data" / "related_labelled.jsonl"

# type -> (title templates, description templates); {L} landmark, {V} village
TYPES = {
    "bbq": (["{L}烧烤摊太吵", "{L}夜宵摊扰民", "晚上烧烤油烟大", "{L}烧烤到半夜"],
            ["{L}那个烧烤摊每天开到凌晨两三点，油烟直往楼上窜，吵得孩子睡不着。",
             "我家就在{L}楼上，楼下烧烤夜宵摊天天喝酒划拳到半夜，窗户都不敢开。",
             "{V}{L}门口烧烤摊占道经营，烟熏火燎，晚上噪音特别大，投诉好几次了。",
             "{L}烧烤的油烟和吵闹声，晚上根本没法休息。"]),
    "sewage": (["{L}下水道堵了", "{L}污水冒出来了", "{L}化粪池满溢", "污水横流臭得很"],
               ["{L}的下水道堵住好几天了，污水漫到路上，臭气熏天。",
                "{V}{L}那里的化粪池满了往外冒，路过都要捂鼻子。",
                "{L}旁边污水井反水，黑水流了一地，小孩上学都要踩过去。",
                "下雨后{L}排水不通，脏水倒灌进一楼住户家里。"]),
    "streetlight": (["{L}路灯不亮", "{L}路灯坏了", "晚上{L}一片漆黑", "{L}没有路灯照明"],
                    ["{L}那几盏路灯坏了一个多月，晚上黑漆漆的，老人走路摔了好几次。",
                     "{V}{L}路段路灯全灭，晚上出门很不安全。",
                     "{L}的路灯不亮了，反映过一次还没修。",
                     "晚上经过{L}什么都看不见，路灯坏了没人修。"]),
    "wages": (["{L}工地拖欠工资", "{L}老板欠薪不给", "讨要{L}工程款工资", "{L}项目欠农民工工资"],
              ["我们在{L}工地干了三个月，包工头一直拖着不发工资，二十多个工人都没拿到钱。",
               "{L}项目的老板欠我们农民工工资，年底了还不给，人也找不到。",
               "{V}{L}工地欠薪，工友们去要钱被保安赶出来。",
               "在{L}做工的工钱到现在没结，家里等着用钱。"]),
    "dog": (["{L}流浪狗咬人", "{L}野狗太多", "{L}有恶狗伤人", "流浪狗成群吓人"],
            ["{L}附近一群流浪狗，昨天把一个小孩咬伤了，大家都不敢出门。",
             "{V}{L}那边野狗越来越多，晚上成群乱叫，还追人。",
             "{L}有条大狗不拴绳，已经咬了两个人了。",
             "小区{L}流浪狗到处拉屎还咬人，希望捕捉。"]),
    "trees": (["{L}有人乱砍树", "{L}林子被砍", "{L}盗伐林木", "{L}山林被毁"],
              ["{L}的集体山林这几天有人偷偷砍树，已经砍了几十棵，木头都拉走了。",
               "{V}{L}那片林地有人乱砍滥伐，晚上能听到电锯声。",
               "{L}的树被人砍光了，是谁批准的？",
               "有人在{L}盗伐林木卖钱，村里没人管。"]),
    "dust": (["{L}工地扬尘大", "{L}灰尘满天飞", "{L}渣土车撒漏", "{L}扬尘污染"],
             ["{L}工地不洒水不覆盖，灰尘满天飞，家里窗台一天就一层灰。",
              "{V}{L}的渣土车一路撒漏，路上全是泥，晴天就是扬尘。",
              "{L}施工扬尘太严重了，老人孩子都咳嗽。",
              "{L}那个工地晚上偷偷施工，尘土飞扬还很吵。"]),
    "parking": (["{L}乱停车堵路", "{L}消防通道被占", "{L}车辆乱停", "{L}停车堵死了"],
                ["{L}的消防通道天天被私家车堵死，万一着火救护车都进不来。",
                 "{V}{L}门口车辆乱停乱放，早上出门车都开不出去。",
                 "{L}路边停满了车，只剩一条缝，经常堵车吵架。",
                 "{L}有几辆僵尸车停了半年没人挪。"]),
    "water": (["{L}停水好几天", "{L}没有自来水", "{L}水压太低", "{L}自来水发黄"],
              ["{L}已经停水三天了，也没有通知，做饭洗澡都成问题。",
               "{V}{L}的自来水水压低，三楼以上根本上不去水。",
               "{L}的自来水放出来是黄的，有股怪味，不敢喝。",
               "{L}一到用水高峰就没水，反映很久了。"]),
    "noise": (["{L}装修噪音扰民", "{L}半夜施工太吵", "{L}广场舞音响太大", "{L}噪音吵得睡不着"],
              ["{L}每天晚上广场舞音响开得特别大，一直跳到十点多，吵得没法休息。",
               "{V}{L}那家装修从早上七点打钻打到晚上，周末也不停。",
               "{L}半夜还在施工，机器轰隆隆响，严重影响休息。",
               "{L}的噪音太大了，孩子要高考，根本没法学习。"]),
    "garbage": (["{L}垃圾没人清运", "{L}垃圾堆成山", "{L}垃圾桶满了", "{L}乱倒垃圾"],
                ["{L}的垃圾好几天没人拉走，堆成小山，苍蝇老鼠到处都是。",
                 "{V}{L}旁边有人乱倒建筑垃圾，越堆越多。",
                 "{L}那几个垃圾桶天天满溢，臭气熏天。",
                 "{L}垃圾清运不及时，夏天味道太大了。"]),
    "road": (["{L}路面坑洼", "{L}路烂了", "{L}路塌了个大坑", "{L}道路破损"],
             ["{L}那段路坑坑洼洼，下雨就积水，电动车摔倒好几次。",
              "{V}{L}路面塌了一个大坑，晚上看不见很危险。",
              "{L}的路烂了两年了，一直说要修就是不修。",
              "{L}道路破损严重，校车过去都颠得厉害。"]),
}
VILLAGES = [
    ("439001001001", "柳岸社区", 27.90, 112.90), ("439001001002", "荷塘社区", 27.92, 112.93),
    ("439001002001", "丹桂村", 27.95, 112.98), ("439001003001", "渔业村", 28.01, 113.02),
    ("439002001001", "石门村", 27.70, 112.70), ("439002002001", "云岭村", 27.66, 112.75),
    ("439003001001", "溪口村", 27.60, 113.20), ("439003002001", "竹林村", 27.58, 113.25),
]
# What people who report the same problem tend to name: the stall, the site, the firm.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
NAMED = {"bbq": "烧烤", "sewage": "家门口", "streetlight": "路段", "wages": "建筑公司", "dog": "家的狗",
         "trees": "家承包的林地", "dust": "置业项目", "parking": "超市门口", "water": "水厂片区", "noise": "装修队",
         "garbage": "垃圾站", "road": "养殖场路段"}
LANDMARKS = ["3栋楼下", "菜市场旁", "村委会后面", "小学门口", "东门路口", "老街口", "桥头", "后山", "文化广场",
             "幸福小区", "河堤边", "加油站对面", "新建的安置房", "卫生院旁边", "农贸市场", "五组"]


def main():
    rng = random.Random(16)
    base = datetime(2026, 9, 1, 9, 0)
    rows, n = [], 0

    def emit(cluster, ctype, village, landmark, start, count):
        nonlocal n
        titles, descs = TYPES[ctype]
        name = rng.choice(SURNAMES) + ("老板" if ctype == "bbq" else "") + NAMED[ctype]
        code, vname, lat, lng = village
        clat, clng = lat + rng.uniform(-0.02, 0.02), lng + rng.uniform(-0.02, 0.02)
        for _k in range(count):
            n += 1
            # Some name the place, some the stall or firm, some both.
            told = rng.choice([landmark, f"{landmark}{name}", name if ctype not in ("sewage", "streetlight") else landmark])
            has_geo = rng.random() < 0.5
            rows.append({
                "id": f"A{n:04d}", "cluster": cluster,
                "title": rng.choice(titles).format(L=told, V=vname),
                "description": rng.choice(descs).format(L=told if rng.random() < 0.5 else f"{landmark}{name}",
                                                       V=vname if rng.random() < 0.5 else ""),
                "region_code": code,
                "lat": round(clat + rng.uniform(-0.002, 0.002), 6) if has_geo else None,
                "lng": round(clng + rng.uniform(-0.002, 0.002), 6) if has_geo else None,
                "created": (start + timedelta(hours=rng.uniform(0, 24 * 21))).isoformat(timespec="minutes"),
            })

    types = list(TYPES)
    used = set()
    for c in range(45):
        ctype = types[c % len(types)]
        village = VILLAGES[(c * 3 + c // len(types)) % len(VILLAGES)]
        landmark = LANDMARKS[(c * 5) % len(LANDMARKS)]
        while (ctype, village[0], landmark) in used:
            landmark = rng.choice(LANDMARKS)
        used.add((ctype, village[0], landmark))
        start = base + timedelta(days=rng.randint(0, 60))
        emit(f"C{c:02d}", ctype, village, landmark, start, rng.randint(4, 6))
        if c % 2 == 0:  # look-alike: same kind, told the same way, in another village
            other = rng.choice([v for v in VILLAGES if v[0][:9] != village[0][:9]])
            emit(f"L{c:02d}a", ctype, other, landmark, start, 1)
        if c % 3 == 0:  # a different problem of the same kind in the same village
            other_landmark = rng.choice([m for m in LANDMARKS if m != landmark])
            emit(f"L{c:02d}b", ctype, village, other_landmark, start, 1)
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    clusters = {r["cluster"] for r in rows if r["cluster"].startswith("C")}
    print(f"{len(rows)} appeals, {len(clusters)} clusters, {len(rows) - sum(1 for r in rows if r['cluster'].startswith('C'))} look-alikes -> {OUT}")


if __name__ == "__main__":
    main()
