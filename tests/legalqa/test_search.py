import json
from io import StringIO

import pytest
from django.core.management import call_command

from legalqa.models import LegalConcept
from legalqa.search.concepts import seed_concepts
from legalqa.search.engine import search


@pytest.fixture
def library(law_corpus):
    seed_concepts()
    return law_corpus


def top(q, n=3):
    return [(h.law_short, h.number, h.suffix) for h in search(q, limit=n).hits]


def test_statute_words_find_the_article(library):
    assert top("安全保障义务 经营场所")[0] == ("民法典", 1198, 0)
    assert top("诈骗公私财物")[0] == ("刑法", 266, 0)


@pytest.mark.parametrize("question,expected", [
    ("超市地滑摔伤了谁负责", ("民法典", 1198, 0)),
    ("被邻居家的狗咬伤了，狗主人不肯赔", ("民法典", 1245, 0)),
    ("被人骗了钱怎么办", ("刑法", 266, 0)),
    ("上班半年了公司一直不跟我签劳动合同", ("劳动合同法", 82, 0)),
    ("朋友借了我五万块钱一直不还", ("民法典", 675, 0)),
])
def test_colloquial_questions_find_the_answering_article(library, question, expected):
    assert expected in top(question, 5)


def test_article_reference_in_the_question_is_a_direct_hit(library):
    result = search("《刑法》第一百二十条之一是什么意思", limit=5)
    first = result.hits[0]
    assert (first.law_short, first.number, first.suffix, first.via) == ("刑法", 120, 1, "direct")
    assert first.url.endswith("/120-1/")


def test_staff_edit_of_the_concept_table_takes_effect(library):
    assert search("两口子闹掰了").concepts == []
    LegalConcept.objects.create(field="婚姻", name="夫妻反目", triggers="两口子+闹掰", terms="夫妻的共同财产 协议处理",
                                laws="民法典:婚姻家庭")
    from legalqa.search import concepts

    concepts.reset_cache()
    assert search("两口子闹掰了").concepts == ["夫妻反目"]
    assert top("两口子闹掰了", 1) == [("民法典", 1087, 0)]


def test_search_laws_command_prints_the_agreed_shape(library, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("超市地滑摔伤了\n\n刑法第266条\n"))
    out = StringIO()
    call_command("search_laws", "--json", "--limit", "5", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2
    first = lines[0]
    assert set(first) == {"query", "ms", "hits"} and first["query"] == "超市地滑摔伤了"
    assert first["hits"][0] == {"law": "中华人民共和国民法典", "article": 1198, "label": "第一千一百九十八条",
                                "url": first["hits"][0]["url"]}
    assert len(first["hits"]) <= 5
    assert lines[1]["hits"][0]["article"] == 266


def test_search_endpoint_has_the_same_shape(client, library):
    r = client.get("/laws/api/search/", {"q": "超市地滑摔伤了", "limit": 2})
    data = r.json()
    assert set(data) == {"query", "ms", "hits"} and len(data["hits"]) == 2
    assert data["hits"][0]["article"] == 1198


def test_search_page_highlights_matched_terms(client, library):
    r = client.get("/laws/search/", {"q": "超市地滑摔伤了谁负责"})
    body = r.content.decode()
    assert "第一千一百九十八条" in body
    assert "<mark>安全保障义务</mark>" in body or "<mark>经营场所</mark>" in body


def test_specific_reading_of_an_ambiguous_word_wins(library):
    """押金 alone suggests a tenancy deposit; 入职+押金 is the employer's unlawful deposit."""
    from legalqa.search.concepts import match_concepts, weigh_concepts

    q = "入职的时候公司收了我的押金"
    factors = {c.name: f for c, f in weigh_concepts(q, match_concepts(q))}
    assert factors["扣押证件与收取财物"] == 1.0
    assert factors["租赁押金"] == 0.5


def test_index_follows_a_law_added_without_rebuild(library):
    from tests.legalqa.factories import make_law

    search("预热")  # index built for the fixture corpus
    make_law("清源市养犬管理条例", {7: "携犬出户应当束犬链，由成年人牵领。"}, category="地方性法规")
    assert top("携犬出户要束犬链吗", 1) == [("清源市养犬管理条例", 7, 0)]


def test_regional_words_reach_the_same_concepts(library):
    from legalqa.search.concepts import match_concepts

    assert "家庭暴力" in [c.name for c in match_concepts("俺男人天天喝酒打俺")]


def test_word_synonyms_turn_everyday_words_into_statute_words():
    from legalqa.search.synonyms import expand

    assert "出租人" in expand("房东不给修热水器")
    assert "用人单位" in expand("老板说明天不用来了")
    assert "公安机关" in expand("派出所罚了我五百块")
    # a statute word already in the question is not added again
    assert "出租人" not in expand("出租人不给修")


def test_a_phrasing_the_table_lacks_still_reaches_the_concept(library):
    """No trigger of the staff concept matches in full (闹掰 is missing), but its trigger words
    share 两口子 with the question: the soft match adds its terms."""
    LegalConcept.objects.create(field="婚姻", name="夫妻反目", triggers="两口子+闹掰", terms="夫妻的共同财产 协议处理",
                                laws="民法典:婚姻家庭")
    from legalqa.search import concepts

    concepts.reset_cache()
    question = "两口子冷战了"
    assert concepts.match_concepts(question) == []
    assert [c.name for c, _ in concepts.soft_concepts(question)][:1] == ["夫妻反目"]
    assert top(question, 1) == [("民法典", 1087, 0)]
    assert "夫妻的共同财产" in search(question).terms
    assert "夫妻的共同财产" not in search(question, soft=False).terms
