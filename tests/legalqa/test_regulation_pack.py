"""The regulation pack legalqa/regulations/national: every file reads and parses without
problems with its full article count, and importing the folder makes the regulations citable;
a second import changes nothing."""

from pathlib import Path

import pytest

from legalqa.citations import find_citations
from legalqa.lawtext import parse_law_text
from legalqa.library_services import import_regulation_folder, read_regulation_file
from legalqa.models import Law

PACK = Path(__file__).resolve().parents[2] / "legalqa" / "regulations" / "national"

ARTICLES = {
    "工伤保险条例": 67,
    "物业管理条例": 67,
    "保障农民工工资支付条例": 64,
    "职工带薪年休假条例": 10,
    "中华人民共和国道路交通安全法实施条例": 115,
    "国有土地上房屋征收与补偿条例": 35,
    "医疗事故处理条例": 63,
    "医疗纠纷预防和处理条例": 56,
}


def test_every_file_of_the_pack_parses_with_its_full_article_count():
    seen = {}
    for path in sorted(PACK.glob("*.txt")):
        meta, text, problems = read_regulation_file(path)
        assert problems == [], path.name
        assert meta["category"] == "行政法规" and meta["issuing_body"] == "国务院", path.name
        assert meta["promulgated_on"] and meta["effective_on"], path.name
        parsed = parse_law_text(text)
        assert parsed.ok, (path.name, parsed.problems)
        assert [a.number for a in parsed.articles] == list(range(1, len(parsed.articles) + 1)), path.name
        seen[meta["title"]] = len(parsed.articles)
    assert seen == ARTICLES


@pytest.mark.django_db
def test_importing_the_pack_makes_its_articles_citable_and_a_second_import_changes_nothing(law_corpus):
    question = "依照《工伤保险条例》第十四条，上下班途中受到非本人主要责任的交通事故伤害的，应当认定为工伤。"
    assert find_citations(question)[0].verdict == "not_covered"

    report = import_regulation_folder(PACK)
    assert {f.title: (f.action, f.added) for f in report.files} == {t: ("created", n) for t, n in ARTICLES.items()}
    assert Law.objects.get(title="工伤保险条例").article_count == 67

    assert find_citations(question)[0].verdict == "valid"
    road = find_citations("《道路交通安全法实施条例》第九十一条")
    assert road[0].verdict == "valid"

    again = import_regulation_folder(PACK)
    assert [f.action for f in again.files] == ["unchanged"] * len(ARTICLES)
    assert not again.changed
