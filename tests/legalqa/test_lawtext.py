import pytest

from legalqa.lawtext import parse_law_text, split_paragraphs, strip_trailing_headings
from legalqa.library_services import LawTextRefused, add_law_from_text
from legalqa.models import Law

GOOD = """清源市养犬管理条例
第一章 总则
第一条 为了规范养犬行为，制定本条例。
第二条 本市行政区域内的养犬活动适用本条例。
本条例所称犬只，是指家养的犬。
第二章 管理
第一节 登记
第三条 养犬人应当办理登记，并遵守下列规定：
（一）携犬出户应当束犬链；
（二）及时清除犬只粪便。
第三条之一 禁止饲养烈性犬。
第四条 本条例自公布之日起施行。
"""


def test_parser_splits_chapters_sections_articles_and_paragraphs():
    parsed = parse_law_text(GOOD)
    assert parsed.ok, parsed.problems
    labels = [a.label for a in parsed.articles]
    assert labels == ["第一条", "第二条", "第三条", "第三条之一", "第四条"]
    second = parsed.articles[1]
    assert second.chapter == "第一章 总则" and len(second.paragraphs) == 2
    third = parsed.articles[2]
    assert third.section == "第一节 登记" and len(third.paragraphs) == 1 and "（二）" in third.paragraphs[0]


def test_parser_refuses_a_numbering_gap_with_its_message():
    parsed = parse_law_text("第一条 甲。\n第二条 乙。\n第四条 丙。")
    assert not parsed.ok
    assert any("条号不连续" in p and "应为第三条" in p and "第四条" in p for p in parsed.problems)


def test_parser_refuses_duplicates_and_unreadable_headings():
    parsed = parse_law_text("第一章 总则\n第一条 甲。\n第一条 乙。\n第X章 乱码\n第二条 丙。")
    assert any("第一条 重复" in p for p in parsed.problems)
    assert any("无法识别的标题" in p for p in parsed.problems)


def test_parser_refuses_a_chapter_gap():
    parsed = parse_law_text("第一章 总则\n第一条 甲。\n第三章 附则\n第二条 乙。")
    assert any("章号不连续" in p for p in parsed.problems)


def test_item_lines_stay_in_their_paragraph():
    assert split_paragraphs("第一款。\n（一）甲；\n（二）乙。\n第二款。") == ["第一款。\n（一）甲；\n（二）乙。", "第二款。"]


def test_headings_glued_to_an_article_are_stripped_and_its_own_words_kept():
    # as the corpus package has 民法典 204 and 刑事诉讼法 108 / 307
    assert strip_trailing_headings("法律另有规定或者当事人另有约定的除外。\n第二编 物 权\n第一分编 通 则") == \
        "法律另有规定或者当事人另有约定的除外。"
    assert strip_trailing_headings("同胞兄弟姊妹。\n第二编 立案、侦查和提起公诉") == "同胞兄弟姊妹。"
    assert strip_trailing_headings("实行监督。\n附 则") == "实行监督。"
    kept = ["有下列情形之一的，依照本法第二章的规定处理：\n（一）甲；\n（二）第五编规定的其他情形。",
            "本法自公布之日起施行。", "第三编 的规定不适用于本条"]
    for text in kept:
        assert strip_trailing_headings(text) == text


@pytest.mark.django_db
def test_bad_text_writes_nothing(settings, tmp_path):
    settings.LAWSEARCH_INDEX_PATH = str(tmp_path / "index.pkl")
    with pytest.raises(LawTextRefused) as exc:
        add_law_from_text(title="清源市物业管理条例", text="第一条 甲。\n第三条 乙。")
    assert any("条号不连续" in p for p in exc.value.problems)
    assert not Law.objects.exists()


@pytest.mark.django_db
def test_good_text_is_stored_with_stable_addresses(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.LAWSEARCH_INDEX_PATH = str(tmp_path / "index.pkl")
    with django_capture_on_commit_callbacks(execute=True):
        law = add_law_from_text(title="清源市养犬管理条例", text=GOOD)
    assert law.article_count == 5
    assert law.articles.get(number=3, suffix=1).get_absolute_url().endswith("/3-1/")
    assert (tmp_path / "index.pkl").exists()


def test_admin_paste_page_lists_problems_and_saves_nothing(admin_client, settings, tmp_path):
    settings.LAWSEARCH_INDEX_PATH = str(tmp_path / "index.pkl")
    r = admin_client.post("/admin/legalqa/law/add-text/", {
        "title": "清源市物业管理条例", "category": "地方性法规", "text": "第一条 甲。\n第一条 乙。\n第三条 丙。"})
    body = r.content.decode()
    assert r.status_code == 200
    assert "全文未保存" in body and "第一条 重复" in body
    assert not Law.objects.exists()
    r = admin_client.post("/admin/legalqa/law/add-text/", {"title": "清源市养犬管理条例", "category": "地方性法规", "text": GOOD})
    assert r.status_code == 302
    assert Law.objects.get().title == "清源市养犬管理条例"
