"""What people type into the department directory → the words unit names and duties use.

People search 部门职能查询 with abbreviations (住建, 人社), everyday words (欠薪, 油烟, 噪音)
and complaints (楼上漏水), while departments describe their duties in administrative words
(住房和城乡建设, 拖欠农民工工资处置, 环境污染投诉). This list bridges the two the way the
law search's word list (legalqa/search/synonyms.py) bridges colloquial and statute words,
in the same one-line format: a word people type, then the words to look for. It lives in
grid because the directory belongs to the registry, below every other app.
"""

from __future__ import annotations

import re

# typed word -> words in unit names and duties (space separated)
DIRECTORY_TERMS_TEXT = """
# abbreviations of department names
住建 住房和城乡建设 住房 建设 物业 房屋
房管 住房 房屋 物业
人社 人力资源和社会保障 劳动保障 社保
劳动局 人力资源和社会保障 劳动保障
市监 市场监督管理 消费
工商 市场监督管理
环保 生态环境 环境污染
城管 城市管理 市容 违章搭建 占道经营
卫健 卫生健康 医疗
交通局 交通运输
农业局 农业农村
国土 自然资源 土地
民政 民政 社会救助 养老
司法所 司法 人民调解 法律援助
# everyday words for duties
欠薪 拖欠 工资 劳动保障监察 劳动争议
工资 工资 劳动保障 劳动报酬
工钱 工资 劳动保障
讨薪 拖欠 工资 劳动保障监察
欠工资 拖欠 工资
社保 社保 社会保险
油烟 环境污染 大气 餐饮 市容
噪音 噪声 环境污染
噪声 噪声 环境污染
扰民 噪声 扰民 治安
污水 排污 环境污染 水污染
排污 排污 环境污染
垃圾 市容 环境卫生 城市管理
违建 违章搭建
乱搭乱建 违章搭建
占道 占道经营
摆摊 占道经营 市容
物业 物业 物业服务
电梯 物业 特种设备 房屋安全
漏水 房屋安全 物业
房子 房屋 住房
宅基地 宅基地 土地
山林 山林 林地
土地 土地 承包
买到假货 消费投诉 市场监督管理
假货 消费投诉 市场监督管理 质量
退款 消费投诉
食品 食品 食品药品安全
看病 医疗
医院 医疗 卫生健康
打架 治安
小偷 治安 公安
户口 户籍
上学 招生入学 教育
学校 学校 教育
离婚 婚姻
结婚 婚姻登记
低保 社会救助
养老 养老服务
打官司 法律援助 司法
律师 法律援助 律师
公交 公交 交通运输
出租车 出租 交通运输
"""


def _parse() -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for line in DIRECTORY_TERMS_TEXT.strip().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, *terms = line.split()
        out.append((word, tuple(terms)))
    out.sort(key=lambda item: -len(item[0]))  # longest typed words first
    return out


DIRECTORY_TERMS = _parse()
_SPLIT = re.compile(r"[\s,，、;；。/]+")


def search_terms(keyword: str) -> list[str]:
    """The words to look for: what was typed (each space-separated part) plus the duty
    words of every listed word found in it, each once, the typed words first."""
    keyword = (keyword or "").strip()
    if not keyword:
        return []
    out = [part for part in _SPLIT.split(keyword) if part]
    for word, terms in DIRECTORY_TERMS:
        if word in keyword:
            out.extend(terms)
    return list(dict.fromkeys(out))
