import json
from io import StringIO

import pytest
from django.core.management import call_command

from legalqa.citations import find_citations


def one(text):
    found = find_citations(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("text,quote", [
    ("根据《中华人民共和国民法典》第一千一百六十五条，应当赔偿。", "《中华人民共和国民法典》第一千一百六十五条"),
    ("《民法典》第1165条第一款规定了过错责任。", "《民法典》第1165条第一款"),
    ("依照民法典第一千一百六十五条处理。", "民法典第一千一百六十五条"),
])
def test_civil_code_reference_forms_resolve_to_the_article(law_corpus, text, quote):
    c = one(text)
    assert c.quote == quote
    assert c.verdict == "valid"
    assert c.law == "中华人民共和国民法典"
    assert c.article == 1165
    assert c.url.startswith(law_corpus["civil"].articles.get(number=1165).get_absolute_url())


def test_paragraph_is_kept(law_corpus):
    c = one("《民法典》第1165条第二款")
    assert (c.paragraph, c.verdict) == (2, "valid")
    assert c.url.endswith("#p2")


def test_zhi_gui_ding_suffix_is_not_part_of_the_number(law_corpus):
    c = one("依照《劳动合同法》第八十二条之规定，应当支付二倍工资。")
    assert (c.law, c.article, c.verdict) == ("中华人民共和国劳动合同法", 82, "valid")


def test_same_law_refers_to_the_last_named_law(law_corpus):
    first, second = find_citations("《劳动合同法》第八十二条规定二倍工资，同法第八十七条规定赔偿金。")
    assert second.quote == "同法第八十七条"
    assert (second.law, second.article, second.verdict) == ("中华人民共和国劳动合同法", 87, "valid")


def test_bare_criminal_law_reference(law_corpus):
    c = one("刑法第二百六十六条规定了诈骗罪。")
    assert (c.law, c.article, c.verdict) == ("中华人民共和国刑法", 266, "valid")


def test_zhi_yi_article_is_a_distinct_article(law_corpus):
    ok = one("刑法第一百二十条之一")
    assert (ok.article, ok.suffix, ok.verdict) == (120, 1, "valid")
    assert ok.url.endswith("/120-1/")
    bad = one("刑法第一百二十条之二")
    assert bad.verdict == "no_such_article"


def test_list_after_one_law(law_corpus):
    a, b = find_citations("《民法典》第一千一百六十五条、第一千一百六十六条")
    assert (b.law, b.article, b.verdict) == ("中华人民共和国民法典", 1166, "valid")


def test_he_tong_fa_is_not_read_as_tong_fa(law_corpus):
    c = find_citations("刑法第266条以及合同法第52条")[1]
    assert c.law == "中华人民共和国合同法"
    assert c.verdict == "repealed"


def test_unknown_law(law_corpus):
    c = one("《消费者保护法》第二十四条")
    assert c.verdict == "unknown_law"
    assert "消费者保护法" in c.message


def test_no_such_article(law_corpus):
    c = one("《民法典》第一千三百条")
    assert c.verdict == "no_such_article"
    assert "没有第一千三百条" in c.message


def test_paragraph_out_of_range(law_corpus):
    c = one("《民法典》第1165条第三款")
    assert c.verdict == "paragraph_out_of_range"
    assert "只有2款" in c.message


def test_repealed_civil_law_names_its_successor(law_corpus):
    c = one("《合同法》第五十二条")
    assert c.verdict == "repealed"
    assert c.successor == "中华人民共和国民法典"
    assert "民法典" in c.message
    assert c.is_bad


def test_repealed_law_marked_as_former_is_acknowledged(law_corpus):
    c = one("原《合同法》第五十二条已被民法典取代")
    assert c.verdict == "repealed" and not c.is_bad


def test_law_the_corpus_holds_only_as_repealed(law_corpus):
    assert one("《乡镇企业法》第一条").verdict == "repealed"


def test_judicial_interpretation_is_not_covered(law_corpus):
    c = one("《最高人民法院关于审理民间借贷案件适用法律若干问题的规定》第二十五条")
    assert c.verdict == "not_covered"
    assert not c.is_bad


def test_local_regulation_is_not_covered(law_corpus):
    assert one("《湖南省物业管理条例》第十条").verdict == "not_covered"


def test_reference_resolves_to_the_version_in_force(law_corpus):
    c = one("商标法第七十三条")
    assert c.verdict == "valid"  # the 2099 text lacks it, the version in force has it
    assert "商标法-2019" in c.url or "%E5%95%86%E6%A0%87%E6%B3%95-2019" in c.url


def test_check_citations_command_prints_one_json_object_a_line(law_corpus, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("《民法典》第1165条\n《民法典》第9999条 刑法第264条\n"))
    out = StringIO()
    call_command("check_citations", "--json", stdout=out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(lines) == 2
    first = lines[0]["citations"][0]
    assert {"start", "end", "law", "article", "paragraph", "verdict", "url"} <= set(first)
    assert (first["start"], first["end"], first["article"], first["verdict"]) == (0, 11, 1165, "valid")
    assert [c["verdict"] for c in lines[1]["citations"]] == ["no_such_article", "valid"]


def test_citations_endpoint(client, law_corpus):
    r = client.post("/laws/api/citations/", {"text": "《民法典》第1165条第三款"})
    assert r.status_code == 200
    assert r.json()["citations"][0]["verdict"] == "paragraph_out_of_range"


def test_citations_endpoint_get(client, law_corpus):
    r = client.get("/laws/api/citations/", {"text": "刑法第一百二十条之一"})
    data = r.json()["citations"][0]
    assert (data["article"], data["label"], data["verdict"]) == (120, "第一百二十条之一", "valid")


def test_checking_a_text_costs_no_per_reference_queries_once_warm(law_corpus, django_assert_max_num_queries):
    text = "《民法典》第1165条、第1166条，刑法第二百六十六条，《民法典》第一千三百条，同法第1198条"
    find_citations(text)
    with django_assert_max_num_queries(2):  # the "did any law change" check; 0 in production for 5 s
        found = find_citations(text)
    assert [c.verdict for c in found] == ["valid", "valid", "valid", "no_such_article", "valid"]
