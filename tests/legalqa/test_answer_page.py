"""The law search answer page: three articles with one-line gists, the rest grouped by law,
and next steps that fit the question's field."""

import re

import pytest
from django.urls import reverse

from legalqa.search.concepts import seed_concepts


@pytest.fixture
def library(law_corpus):
    seed_concepts()
    return law_corpus


def page(client, q):
    return client.get(reverse("legalqa:search"), {"q": q}).content.decode()


def test_answer_shows_at_most_three_gists_and_asks_a_lawyer_of_the_questions_field(client, library):
    html = page(client, "房东不退押金怎么办")
    gists = re.findall(r'<p class="answer-gist[^"]*">(.*?)</p>', html, re.S)
    assert 1 <= len(gists) <= 3
    assert all(len(re.sub(r"<[^>]+>", "", g)) <= 60 for g in gists)
    ask = re.search(r'data-step="lawyer" href="([^"]+)">([^<]+)<', html)
    assert ask, "no ask-a-lawyer step"
    assert "field=housing" in ask.group(1) and "title=" in ask.group(1)
    assert "租赁" in ask.group(2)
    assert 'data-step="mediation"' in html


def test_full_text_is_behind_a_tap_and_only_the_matched_phrase_is_marked(client, library):
    html = page(client, "被邻居家的狗咬伤了")
    first = html.split('class="card mb-2 answer-top"')[1]
    assert "<details" in first and "查看全文" in first
    marks = re.findall(r"<mark>(.*?)</mark>", first.split("<details")[0])
    assert marks and all(len(m) >= 2 for m in marks)


def test_labour_question_asks_a_labour_lawyer_and_offers_an_appeal(client, library):
    html = page(client, "上班半年了公司一直不跟我签劳动合同")
    assert re.search(r'data-step="lawyer" href="[^"]*field=labour', html)
    assert 'data-step="appeal"' in html


def test_ask_page_is_prefilled_from_the_answer_page(client, library, citizen):
    client.force_login(citizen)
    html = client.get(reverse("lawyers:ask"), {"field": "housing", "title": "房东不退押金怎么办"}).content.decode()
    assert 'value="房东不退押金怎么办"' in html
    assert re.search(r'<option value="housing"[^>]*selected', html)


def test_next_step_follows_most_of_the_articles_shown_not_one_stray_first_hit():
    """A long story's detail can put an unrelated article first (宣告死亡 for a wife asking to split the
    savings her husband spent): with no concept fired, the lawyer step follows the field most of the
    three articles shown map to, the higher-ranked one on a tie."""
    from legalqa.answer_selectors import _field_for
    from legalqa.models import Article, Law

    civil = Law(short_title="民法典")

    def art(chapter, law=civil):
        return None, Article(law=law, part="", chapter=chapter, section="")

    stray = art("第三节 宣告失踪和宣告死亡")
    family = art("第五编 婚姻家庭 第三章 家庭关系")
    labour = art("第一章 总则", law=Law(short_title="劳动合同法"))
    assert _field_for([], [stray, family, family]) == "marriage"
    assert _field_for([], [stray, labour, family]) == "labour"
    assert _field_for([], [family, labour, labour]) == "labour"
    assert _field_for([], [stray, stray]) == "other"
