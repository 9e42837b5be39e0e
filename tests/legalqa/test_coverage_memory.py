"""The coverage memory (legalqa/search/dense.py, tenth round): questions written for articles no
real question had asked about vote through a memory of their own — their own columns, their
articles among the candidates — and never count as answered questions (the memory of answered
questions, its novelty). A model that reads them is used only with its coverage rows and their
vectors; without them the search falls back as before."""

import json

import numpy as np
import pytest

from legalqa.search import dense, rank, vectors
from legalqa.search.concepts import seed_concepts
from legalqa.search.engine import search
from legalqa.search.index import load_index
from legalqa.search.memory import Memory
from tests.legalqa.factories import FakeEmbedder, unit

QUESTION = "借钱的人到期不还钱"
REAL = [{"q": "朋友拖着那笔账一直赖着", "a": ["民法典:675"]}]


def write_model(path, features, weights, coverage_rows=None):
    nf = len(features)
    w = np.zeros(nf)
    for name, value in weights.items():
        w[features.index(name)] = value
    model = rank.Model(list(features), np.zeros(nf), np.ones(nf), w, {}, Memory.from_rows(REAL))
    data = model.to_json(REAL)
    if coverage_rows is not None:
        data["coverage"] = coverage_rows
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def files(monkeypatch, tmp_path):
    """Model files in tmp_path; the question embeds to unit(0); the one real answered question
    is orthogonal to it (the dense memory of answered questions votes for nothing)."""
    monkeypatch.setattr(dense, "_state", {"embedder": None, "failed": False, "model": None,
                                          "articles_model": None, "key": None})
    paths = {"model": tmp_path / "dense.json", "articles": tmp_path / "articles.json",
             "vectors": tmp_path / "memory.npy", "coverage": tmp_path / "coverage.npy"}
    monkeypatch.setattr(dense, "MODEL_PATH", paths["model"])
    monkeypatch.setattr(dense, "ARTICLES_MODEL_PATH", paths["articles"])
    monkeypatch.setattr(dense, "VECTORS_PATH", paths["vectors"])
    monkeypatch.setattr(dense, "COVERAGE_PATH", paths["coverage"])
    np.save(paths["vectors"], unit(1)[None, :].astype(np.float16))
    dense._state.update(embedder=FakeEmbedder(unit(0)))
    dense.query_vector.cache_clear()
    yield paths
    dense.query_vector.cache_clear()


COVERAGE_MODEL = dense.ALL_FEATURES + dense.COVERAGE_FEATURES


def key_of(idx, d):
    return (idx["laws"][idx["law_idx"][d]]["short"], int(idx["number"][d]), int(idx["suffix"][d]))


def unreached(idx):
    """An article outside the lexical candidates of first() (its lexical top 6)."""
    lexical = {(h.law_short, h.number, h.suffix) for h in search(QUESTION, limit=6, rerank=False).hits}
    for d in range(len(idx["article_id"])):
        key = key_of(idx, d)
        if key not in lexical and key[0] in ("刑法", "劳动合同法"):
            return key
    raise AssertionError("every article is a lexical hit")


def answer(key):
    return f"{key[0]}:{key[1]}" + (f"-{key[2]}" if key[2] else "")


def first(**kw):
    """The first hit, the ranker choosing among the lexical top 6 and the extra candidates."""
    h = search(QUESTION, limit=1, candidates=1, **kw).hits[0]
    return (h.law_short, h.number, h.suffix)


def test_a_coverage_question_close_in_meaning_brings_its_article_first(law_corpus, files):
    """The coverage question is the question's nearest (same vector) and cites an article the
    lexical search never returns: it joins the candidates and, weighed by the coverage columns,
    comes first."""
    seed_concepts()
    idx = load_index()
    target = unreached(idx)
    write_model(files["model"], COVERAGE_MODEL, {"cmem_article": 5.0, "cmem_only": 1.0},
                [{"q": "写给这条的问题", "a": [answer(target)]}])
    np.save(files["coverage"], unit(0)[None, :].astype(np.float16))

    ranker = dense.dense_ranker(idx)
    assert ranker is not None and ranker.coverage is not None
    assert first() == target


def test_coverage_questions_are_not_answered_questions(law_corpus, files):
    """The coverage memory never enters the memory of answered questions nor the novelty gate:
    the nearest answered question stays the real, orthogonal one."""
    seed_concepts()
    idx = load_index()
    write_model(files["model"], COVERAGE_MODEL, {"cmem_article": 5.0},
                [{"q": "写给这条的问题", "a": [answer(key_of(idx, 0))]}])
    np.save(files["coverage"], unit(0)[None, :].astype(np.float16))

    ranker = dense.dense_ranker(idx)
    assert ranker.model.memory.questions == [REAL[0]["q"]]
    dev = ranker.evidence(idx, QUESTION)
    assert dev.nearest == pytest.approx(0.0) and not dev.article
    assert ranker.coverage_evidence(idx, QUESTION).nearest == pytest.approx(1.0)


@pytest.mark.parametrize("bad", ["no vectors", "other rows", "no rows"])
def test_a_coverage_model_without_its_memory_is_not_used(law_corpus, files, bad):
    seed_concepts()
    idx = load_index()
    target = unreached(idx)
    rows = [{"q": "写给这条的问题", "a": [answer(target)]}]
    write_model(files["model"], COVERAGE_MODEL, {"cmem_article": 5.0}, None if bad == "no rows" else rows)
    if bad == "other rows":
        np.save(files["coverage"], np.stack([unit(0), unit(2)]).astype(np.float16))
    elif bad == "no rows":
        np.save(files["coverage"], unit(0)[None, :].astype(np.float16))

    assert dense.dense_ranker(idx) is None
    assert first() != target  # the bigram model, as without any dense file


def test_a_model_without_coverage_features_needs_no_coverage_file(law_corpus, files):
    seed_concepts()
    write_model(files["model"], dense.ALL_FEATURES, {"final_ratio": 1.0})

    ranker = dense.dense_ranker(load_index())
    assert ranker is not None and ranker.coverage is None


def test_part_of_the_coverage_columns_is_refused(law_corpus, files):
    seed_concepts()
    write_model(files["model"], dense.ALL_FEATURES + ["cmem_article"], {"cmem_article": 5.0},
                [{"q": "写给这条的问题", "a": ["刑法:1"]}])
    np.save(files["coverage"], unit(0)[None, :].astype(np.float16))

    assert dense.dense_ranker(load_index()) is None


def test_the_float16_coverage_file_is_held_as_int16_codes_with_the_float32_products(tmp_path):
    """The coverage vectors stay float16 on disk; a worker holds them as int16 codes with a scale
    per row (float16 is converted in software at every search: 18 ms for the shipped file), and
    the products are those of the float32 matrix within 1e-5, across the block boundaries, an
    all-zero row included."""
    rng = np.random.default_rng(0)
    mat = rng.standard_normal((2 * vectors.COSINE_BLOCK + 37, 384)).astype(np.float32)
    mat = (mat / np.linalg.norm(mat, axis=1, keepdims=True)).astype(np.float16)
    mat[5] = 0
    np.save(tmp_path / "cov.npy", mat)
    codes = dense.coverage_codes(np.load(tmp_path / "cov.npy", mmap_mode="r"))
    assert codes.dtype == vectors.CODES16_DTYPE and len(codes) == len(mat)
    vec = rng.standard_normal(384).astype(np.float32)
    vec /= np.linalg.norm(vec)

    got = dense.matvec(codes, vec)
    assert got.dtype == np.float32 and got[5] == 0
    want = np.einsum("ij,j->i", mat.astype(np.float32), vec)
    assert np.abs(got - want).max() < 1e-5


def test_both_models_share_one_coverage_memory(law_corpus, files):
    seed_concepts()
    rows = [{"q": "写给这条的问题", "a": ["刑法:1"]}]
    write_model(files["model"], COVERAGE_MODEL, {"cmem_article": 5.0}, rows)
    write_model(files["articles"], COVERAGE_MODEL + dense.ARTICLE_FEATURES, {"cmem_article": 5.0}, rows)
    np.save(files["coverage"], unit(0)[None, :].astype(np.float16))

    dense.dense_ranker()
    plain, articles = dense._state["model"], dense._state["articles_model"]
    assert plain.coverage is not None and articles.coverage is plain.coverage
    assert plain.coverage.vectors.dtype == vectors.CODES16_DTYPE


def test_coverage_rows_for_articles_not_imported_take_no_place(law_corpus, files):
    """Questions written for a regulation staff have not imported (工伤保险条例 is not in the test
    corpus) are the nearest rows, enough to fill every neighbour place; they neither vote nor
    count as the nearest question, and the written-for article of the next row still comes first."""
    seed_concepts()
    idx = load_index()
    target = unreached(idx)
    absent = [{"q": f"没导入的条例的问题{i}", "a": [f"工伤保险条例:{14 + i}"]} for i in range(dense.NEIGHBOURS)]
    write_model(files["model"], COVERAGE_MODEL, {"cmem_article": 5.0, "cmem_only": 1.0},
                absent + [{"q": "写给这条的问题", "a": [answer(target)]}])
    near = 0.95 * unit(0) + np.sqrt(1 - 0.95**2) * unit(2)
    np.save(files["coverage"], np.stack([unit(0)] * dense.NEIGHBOURS + [near]).astype(np.float16))

    ranker = dense.dense_ranker(idx)
    cev = ranker.coverage_evidence(idx, QUESTION)
    assert cev.nearest == pytest.approx(0.95, abs=1e-3)
    assert set(cev.article) == {dense._key_rows(idx).get(target)}
    assert first() == target
