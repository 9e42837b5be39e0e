"""Migration 0007 strips, in a database imported before the fix, the part headings the corpus package
glued onto the last article of a part, and leaves every other article alone."""

import pytest

from tests.legalqa.factories import migrate_to, migration_heads

BEFORE = [("legalqa", "0006_correct_package_status")]


@pytest.mark.django_db(transaction=True)
def test_migration_strips_a_glued_heading_and_keeps_other_articles():
    apps = migrate_to(BEFORE)
    try:
        Law = apps.get_model("legalqa", "Law")
        Article = apps.get_model("legalqa", "Article")
        common = {"source": "package", "category": "民法商法", "doc_type": "法律", "is_current_text": True,
                  "status": "有效"}
        civil = Law.objects.create(source_id="c1", title="中华人民共和国民法典", short_title="民法典", slug="民法典-t",
                                   **common)
        glued = Article.objects.create(
            law=civil, number=1039, label="第一千零三十九条", position=1,
            text="国家机关……不得泄露或者向他人非法提供。\n第五编 婚姻家庭",
            paragraphs=["国家机关……不得泄露或者向他人非法提供。", "第五编 婚姻家庭"])
        plain = Article.objects.create(law=civil, number=1040, label="第一千零四十条", position=2,
                                       text="本编调整因婚姻家庭产生的民事关系。",
                                       paragraphs=["本编调整因婚姻家庭产生的民事关系。"])
        local = Law.objects.create(source_id="", title="清源市某条例", short_title="清源市某条例", slug="清源-t",
                                   **{**common, "source": "staff"})
        theirs = Article.objects.create(law=local, number=9, label="第九条", position=1,
                                        text="本条例自公布之日起施行。\n附 则", paragraphs=["本条例自公布之日起施行。", "附 则"])
        stamp = Law.objects.get(pk=civil.pk).updated_at
    finally:
        apps = migrate_to(migration_heads())
    Law = apps.get_model("legalqa", "Law")
    Article = apps.get_model("legalqa", "Article")
    fixed = Article.objects.get(pk=glued.pk)
    assert fixed.text == "国家机关……不得泄露或者向他人非法提供。"
    assert fixed.paragraphs == ["国家机关……不得泄露或者向他人非法提供。"]
    assert Law.objects.get(pk=civil.pk).updated_at > stamp  # the search index sees the change
    assert Article.objects.get(pk=plain.pk).text == "本编调整因婚姻家庭产生的民事关系。"
    assert Article.objects.get(pk=theirs.pk).text.endswith("附 则")  # staff's own texts are theirs to correct
