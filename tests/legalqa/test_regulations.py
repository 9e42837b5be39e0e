"""Regulations from a folder of text files: an import report, idempotent re-import, citations
that become valid, local regulations only for their region's readers, and the request link
beside a reference the library does not hold."""

from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse

from grid.models import RegionLevel, Role, UnitKind
from legalqa.citations import find_citations
from legalqa.library_services import import_regulation_folder
from legalqa.models import ImportRun, Law, LawRequest
from legalqa.search.engine import search
from tests.factories import RegionFactory, UnitFactory, UserFactory

GONGSHANG = """名称：工伤保险条例
类别：行政法规
制定机关：国务院
施行日期：2011-01-01

第一章 总则
第一条 为了保障因工作遭受事故伤害或者患职业病的职工获得医疗救治和经济补偿，制定本条例。
第二章 工伤认定
第二条 职工在上下班途中，受到非本人主要责任的交通事故伤害的，应当认定为工伤。
"""

QINGYUAN_DOGS = """名称：清源市文明养犬条例
类别：地方性法规
适用地区：439000000000

第一条 携犬出户应当束犬链，由成年人牵领，主动避让行人。
第二条 犬只伤人的，养犬人应当承担赔偿责任。
"""


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def folder(tmp_path, law_corpus):
    d = tmp_path / "regs"
    d.mkdir()
    return d


def test_imported_regulation_is_cited_as_valid_and_a_repeated_import_changes_nothing(folder):
    write(folder, "gongshang.txt", GONGSHANG)
    write(folder, "broken.txt", "名称：某某办法\n类别：行政法规\n\n第一条 甲。\n第三条 乙。\n")

    before = find_citations("依照《工伤保险条例》第二条，上下班途中的交通事故算工伤。")
    assert before[0].verdict == "not_covered"

    report = import_regulation_folder(folder)
    assert [(f.file, f.action) for f in report.files] == [("broken.txt", "refused"), ("gongshang.txt", "created")]
    assert "新增：《工伤保险条例》" in report.files[1].line()
    assert report.files[0].problems  # the numbering gap is named, nothing written
    assert not Law.objects.filter(title="某某办法").exists()

    cited = find_citations("依照《工伤保险条例》第二条，上下班途中的交通事故算工伤。")
    assert cited[0].verdict == "valid"
    law = Law.objects.get(title="工伤保险条例")
    assert law.category == "行政法规" and law.article_count == 2

    stamp, runs = law.updated_at, ImportRun.objects.count()
    again = import_regulation_folder(folder)
    assert [f.action for f in again.files] == ["refused", "unchanged"]
    assert not again.changed
    law.refresh_from_db()
    assert law.updated_at == stamp and ImportRun.objects.count() == runs

    write(folder, "gongshang.txt", GONGSHANG + "第三条 工伤职工应当进行劳动能力鉴定。\n")
    third = import_regulation_folder(folder)
    assert (third.files[1].action, third.files[1].added, third.files[1].changed) == ("updated", 1, 0)
    assert Law.objects.get(pk=law.pk).article_count == 3  # same address, new text


@pytest.fixture
def readers(world):
    """Staff in 东湖区 (inside 清源市) and staff of a centre in another province."""
    other_province = RegionFactory(code="440000000000", name="岭南省", level=RegionLevel.PROVINCE)
    other_centre = UnitFactory(kind=UnitKind.CENTRE, name="岭南省综治中心", region=other_province)
    here = UserFactory(role=Role.CENTRE_STAFF, unit=world.east_centre, is_staff=True)
    there = UserFactory(role=Role.CENTRE_STAFF, unit=other_centre, is_staff=True)
    return here, there


def test_local_regulation_is_only_for_its_region_and_preferred_there(client, folder, readers):
    here, there = readers
    write(folder, "dogs.txt", QINGYUAN_DOGS)
    assert import_regulation_folder(folder).files[0].action == "created"
    law = Law.objects.get(title="清源市文明养犬条例")
    assert law.category == "地方性法规" and law.region_code == "439000000000"
    url = reverse("legalqa:law_detail", args=[law.slug])
    question = "遛狗要拴绳吗 携犬出户束犬链"

    client.force_login(here)
    assert client.get(url).status_code == 200
    page = client.get(reverse("legalqa:search"), {"q": question}).content.decode()
    assert "清源市文明养犬条例" in page.split("相关条文")[0]  # among the first answers

    client.force_login(there)
    assert client.get(url).status_code == 404
    assert "清源市文明养犬条例" not in client.get(reverse("legalqa:search"), {"q": question}).content.decode()
    assert "清源市文明养犬条例" not in client.get(reverse("legalqa:category", args=["地方性法规"])).content.decode()

    client.logout()
    assert client.get(url).status_code == 404
    assert all(h.law_short != "清源市文明养犬条例" for h in search(question, limit=10).hits)


def test_uncovered_regulation_is_marked_with_a_link_to_request_it(client, law_corpus):
    html = Template("{% load citations %}{{ t|link_citations }}").render(
        Context({"t": "根据《岭南省物业管理条例》第十条，物业不得停水停电。"}))
    assert "本库未收录" in html
    link = reverse("legalqa:request_law")
    assert f'href="{link}?name=' in html

    page = client.get(link, {"name": "岭南省物业管理条例"}).content.decode()
    assert "岭南省物业管理条例" in page
    client.post(link, {"name": "岭南省物业管理条例"})
    client.post(link, {"name": "岭南省物业管理条例"})  # the same reader again: counted once
    assert LawRequest.objects.get(name="岭南省物业管理条例").count == 1
