"""Word-level colloquial → statute vocabulary, applied to every question before ranking.

The concept table (concepts.py) maps whole situations to legal concepts; this list maps
single everyday words to the words statutes use for the same thing (房东 → 出租人, 老板 →
用人单位, 工钱 → 劳动报酬). It is organised by who/what the word names, not by any evaluation
question, and it works even when no concept matches: its statute words are added to the
question with a lower weight than the question's own words."""

from __future__ import annotations

# colloquial word -> statute words (space separated)
SYNONYMS_TEXT = """
# parties
房东 出租人
二房东 转租 出租人
租客 承租人
租户 承租人
老板 用人单位
公司 用人单位
单位 用人单位
厂里 用人单位
厂子 用人单位
雇主 用人单位 接受劳务
员工 劳动者
工人 劳动者
打工 劳动者 劳动报酬
包工头 个人承包经营 劳动报酬
商家 经营者
店家 经营者
卖家 经营者 销售者
厂家 生产者
物业 物业服务人
开发商 建设单位 出卖人
老公 配偶 丈夫
老婆 配偶 妻子
前夫 离婚 一方
前妻 离婚 一方
孩子 未成年人 子女
儿子 子女
女儿 子女
老人 老年人 父母
爸妈 父母
医生 医务人员
大夫 医务人员
学校 学校 教育机构
老师 教师 教育机构
保姆 提供劳务
派出所 公安机关
警察 公安机关 人民警察
城管 行政机关
政府 行政机关 人民政府
村里 集体经济组织 发包人 村民委员会
村委会 村民委员会 集体经济组织
法院 人民法院
司机 驾驶人
骗子 诈骗
# money
工钱 劳动报酬 工资
工资 劳动报酬
薪水 劳动报酬
加班费 延长工作时间 工资报酬
押金 押金 返还
定金 定金
订金 定金
彩礼 彩礼 返还
房租 租金
租金 租金
欠条 借款 借条
借钱 借款
欠钱 借款 债务
利息 利息
补偿 补偿 经济补偿
赔钱 赔偿 损失
赔偿 赔偿 损失
医药费 医疗费
罚了 罚款 行政处罚
罚款 罚款 行政处罚
社保 社会保险
五险 社会保险
养老金 基本养老金
抚养费 抚养费
生活费 抚养费 赡养费
# acts
打伤 人身损害 伤害
打人 殴打 伤害
撞了 交通事故
撞倒 交通事故
车祸 交通事故
出车祸 交通事故
逃跑 逃逸
跑了 逃逸 下落不明
骗了 诈骗 欺诈
被骗 诈骗 欺诈
造谣 诽谤 捏造事实
骂人 侮辱
偷东西 盗窃
偷了 盗窃
拆房 征收 拆除
拆我 征收 拆除
强拆 征收 拆除
告他 起诉 诉讼
告他们 起诉 诉讼 行政诉讼
想告 起诉 诉讼
起诉 起诉 诉讼
不还 返还 履行
不退 返还 退还
退钱 返还 退款
不修 维修
开除 解除劳动合同
辞退 解除劳动合同
不用来了 解除劳动合同
炒了 解除劳动合同
离婚 离婚
分家产 分割 共同财产
遗嘱 遗嘱
租地 土地经营权 流转
包地 土地承包经营权
承包地 土地承包经营权 承包地
种地 土地承包经营权
漏水 排水 损害
装修 装饰装修
# things and places
房子 房屋 住宅
房产证 不动产权属证书 不动产登记
过户 转移登记 不动产登记
户口本 户口簿
身份证 居民身份证
汽车 机动车
轿车 机动车
货车 机动车
电动车 非机动车
电瓶车 非机动车
自行车 非机动车
摩托车 机动车
网店 电子商务经营者
网上 网络 信息网络
微信群 信息网络
朋友圈 信息网络
直播 网络直播
快递 快递 寄件
装修队 承揽人 装饰装修
中介 中介人
保险公司 保险人
宅基地 宅基地使用权
# people and states
学生 未成年学生
小学生 未成年人 无民事行为能力人
初中生 未成年人 限制民事行为能力人
精神病 精神障碍 无民事行为能力人
老年痴呆 无民事行为能力人 监护
瘫痪 残疾 人身损害
骨折 伤害 人身损害
死了 死亡
怀孕 孕期 女职工
生孩子 生育
# acts and money
打官司 诉讼 起诉
坐牢 有期徒刑 刑事责任
判刑 刑罚 刑事责任
私了 和解 调解
丢了 遗失
捡到 拾得 遗失物
偷拍 隐私 偷拍
网贷 借款 贷款
贷款 借款 贷款人
房贷 借款 抵押
欠债 债务 债权人
高利贷 利率 借款
首付 房款 商品房
定做 定作 承揽
赖着不走 返还 占有
霸占 侵占 返还原物
"""


def _parse() -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for line in SYNONYMS_TEXT.strip().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, *terms = line.split()
        out.append((word, tuple(terms)))
    # longest colloquial words first, so 不用来了 is seen before 来了-like fragments
    out.sort(key=lambda item: -len(item[0]))
    return out


SYNONYMS = _parse()


def expand(text: str) -> list[str]:
    """Statute words for the colloquial words found in ``text`` (normalised), each once."""
    seen: set[str] = set()
    out: list[str] = []
    for word, terms in SYNONYMS:
        if word in text:
            for t in terms:
                if t not in seen and t not in text:
                    seen.add(t)
                    out.append(t)
    return out
