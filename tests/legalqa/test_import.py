import shutil
import sqlite3
from io import StringIO

import pytest
from django.core.management import call_command

from legalqa.corpus import CorpusError, import_corpus, package_db_path
from legalqa.models import Article, ImportRun, Law, RepealedLaw
from legalqa.search import vectors
from legalqa.search.index import load_index


@pytest.fixture
def index_in_tmp(settings, tmp_path):
    settings.LAWSEARCH_INDEX_PATH = str(tmp_path / "index.pkl")


def _small_copy(tmp_path, keep=("中华人民共和国民法典", "中华人民共和国劳动合同法", "中华人民共和国合同法")):
    """A copy of the package file holding only a few laws (the real file, trimmed)."""
    path = tmp_path / "laws.db"
    shutil.copy(package_db_path(), path)
    conn = sqlite3.connect(path)
    marks = ",".join("?" * len(keep))
    conn.execute(f"DELETE FROM articles WHERE law_name NOT IN ({marks})", keep)
    conn.execute(f"DELETE FROM laws WHERE law_name NOT IN ({marks})", keep)
    conn.commit()
    conn.close()
    return path


@pytest.mark.django_db
def test_real_package_import_is_idempotent_and_reports_counts(index_in_tmp):
    out = StringIO()
    call_command("import_laws", stdout=out)
    assert "共378部法律" in out.getvalue()
    assert Law.objects.count() == 378
    assert Article.objects.count() > 26000
    civil = Law.objects.get(slug="民法典")
    url = civil.articles.get(number=1165).get_absolute_url()
    assert RepealedLaw.objects.filter(name="中华人民共和国合同法", successor=civil).exists()

    again = StringIO()
    call_command("import_laws", stdout=again)
    assert "未变化" in again.getvalue()
    assert ImportRun.objects.count() == 1

    forced = import_corpus(force=True)
    assert not forced.changed
    assert forced.laws_unchanged == 378
    assert Law.objects.get(slug="民法典").articles.get(number=1165).get_absolute_url() == url

    # the vectors the repository ships cover every indexed passage of this corpus, so a new machine
    # embeds nothing (legalqa/search/corpus_e5.npz; rewrite it with embed_articles --export-seed)
    idx = load_index()
    wanted = {vectors.passage_hash(p) for p in vectors.index_passages(idx)}
    shipped = vectors.read_seed(vectors.SEED_FILE)
    assert shipped["model"] == vectors.embedder_version()
    assert len(wanted) > 23000 and not wanted - set(shipped["hashes"])


@pytest.mark.django_db
def test_reimport_reports_what_changed_and_keeps_addresses(tmp_path, index_in_tmp):
    path = _small_copy(tmp_path)
    first = import_corpus(path=path, expected_hash=None)
    assert first.laws_created == 2
    article = Article.objects.get(law__slug="民法典", number=1165)
    address, pk = article.get_absolute_url(), article.pk

    conn = sqlite3.connect(path)
    conn.execute("UPDATE articles SET article_text = article_text || '（修改）' WHERE law_name='中华人民共和国民法典' "
                 "AND article_no_arabic=1165")
    conn.execute("DELETE FROM articles WHERE law_name='中华人民共和国民法典' AND article_no_arabic=1260")
    conn.commit()
    conn.close()
    second = import_corpus(path=path, expected_hash=None)
    assert (second.laws_updated, second.laws_unchanged) == (1, 1)
    assert (second.articles_updated, second.articles_deleted, second.articles_created) == (1, 1, 0)
    assert any("民法典" in line and "修改1条" in line for line in second.changes)
    article = Article.objects.get(law__slug="民法典", number=1165)
    assert article.pk == pk and article.get_absolute_url() == address
    assert article.text.endswith("（修改）")


@pytest.mark.django_db
def test_the_next_part_heading_the_package_glues_on_is_not_part_of_the_article(tmp_path, index_in_tmp):
    path = _small_copy(tmp_path)
    conn = sqlite3.connect(path)
    [(raw,)] = conn.execute("SELECT article_text FROM articles WHERE law_name='中华人民共和国民法典' "
                            "AND article_no_arabic=1039").fetchall()
    conn.close()
    assert raw.rstrip().endswith("第五编 婚姻家庭")  # the package's text
    import_corpus(path=path, expected_hash=None)
    article = Article.objects.get(law__slug="民法典", number=1039)
    assert article.text.endswith("不得泄露或者向他人非法提供。")
    assert "婚姻家庭" not in article.text and not any("婚姻家庭" in p for p in article.paragraphs)
    assert Article.objects.get(law__slug="民法典", number=1040).part == "第五编 婚姻家庭"


def test_file_with_another_hash_is_refused(tmp_path, db):
    path = tmp_path / "laws.db"
    path.write_bytes(b"not the pinned file")
    with pytest.raises(CorpusError, match="校验失败"):
        import_corpus(path=path)
    assert Law.objects.count() == 0


@pytest.mark.django_db
def test_land_contract_law_the_package_marks_repealed_is_imported_in_force(tmp_path, index_in_tmp):
    """The package marks 农村土地承包法 (as amended in 2018) 已废止 though nothing repeals it: imported,
    it is in force, searchable, and a lawyer's citation of it is valid, not "repealed"."""
    from legalqa.citations import find_citations
    from legalqa.search.engine import search

    path = _small_copy(tmp_path, keep=("中华人民共和国民法典", "中华人民共和国农村土地承包法"))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT status FROM laws WHERE law_name='中华人民共和国农村土地承包法'").fetchone() == ("已废止",)
    conn.close()
    import_corpus(path=path, expected_hash=None)

    law = Law.objects.get(title="中华人民共和国农村土地承包法")
    assert law.status == "有效" and law.in_force_on()
    assert not RepealedLaw.objects.filter(name=law.title).exists()
    [c] = find_citations("依照《农村土地承包法》第二十一条，承包期届满可以延长。")
    assert c.verdict == "valid"
    # in the index: the lexical candidates hold its article on married women's contracted land
    hits = search("农村土地承包法 妇女结婚 承包地", limit=5, rerank=False).hits
    assert ("农村土地承包法", 31) in [(h.law_short, h.number) for h in hits]
