from django import forms
from django.template import Context, Template

from legalqa.fields import CitationCheckedTextField, validate_citations
from legalqa.library_services import record_citations
from legalqa.models import CitationLink


class AnswerForm(forms.Form):
    body = CitationCheckedTextField(label="解答")


def test_text_with_fabricated_reference_is_shown_back_with_the_verdict(law_corpus):
    form = AnswerForm(data={"body": "依据《民法典》第一千三百条，对方应当赔偿；另见《合同法》第五十二条。"})
    assert not form.is_valid()
    errors = " ".join(form.errors["body"])
    assert "《民法典》第一千三百条" in errors and "无此条文" in errors
    assert "《合同法》第五十二条" in errors and "已废止" in errors and "民法典" in errors


def test_text_with_real_references_passes(law_corpus):
    form = AnswerForm(data={"body": "依据《民法典》第一千一百六十五条第一款，对方应当赔偿。"})
    assert form.is_valid(), form.errors


def test_validator_lets_uncovered_interpretations_pass(law_corpus):
    validate_citations("《最高人民法院关于审理民间借贷案件适用法律若干问题的规定》第二十五条")


def test_filter_links_valid_and_marks_bad_references(law_corpus):
    html = Template("{% load citations %}{{ text|link_citations }}").render(Context({
        "text": "<b>见</b>《民法典》第1165条与《民法典》第1300条"}))
    assert '<a class="law-cite" href="/laws/' in html
    assert "&lt;b&gt;" in html
    assert 'data-verdict="no_such_article"' in html
    assert "引用有误" in html


def test_record_citations_fills_the_related_panel(client, law_corpus, citizen):
    record_citations(citizen, "《民法典》第一千一百六十五条；《民法典》第一千三百条")
    assert CitationLink.objects.count() == 2
    r = client.get(law_corpus["civil"].articles.get(number=1165).get_absolute_url())
    assert str(citizen) in r.content.decode()
    record_citations(citizen, "没有引用")
    assert CitationLink.objects.count() == 0


def test_filter_does_not_flag_an_acknowledged_former_law(law_corpus):
    html = Template("{% load citations %}{{ text|link_citations }}").render(Context({
        "text": "原《合同法》第五十二条的规则已被民法典吸收"}))
    assert "law-cite-old" in html and "引用有误" not in html
