"""The article channel (legalqa/search/dense.py, eighth round): when the e5 vectors of every
indexed article are there for the current index (``aligned-<build>.npy``), the articles nearest
the question join the candidates and their cosine is a feature of the articles model; without
that file, or with one that does not fit the index, the search uses the dense model as before."""

import numpy as np
import pytest

from legalqa.search import dense, rank, vectors
from legalqa.search.concepts import seed_concepts
from legalqa.search.engine import search
from legalqa.search.index import index_path, load_index
from legalqa.search.memory import Memory
from tests.legalqa.factories import FakeEmbedder, unit

QUESTION = "借钱的人到期不还钱"


def write_model(path, features, weights, meta):
    nf = len(features)
    w = np.zeros(nf)
    for name, value in weights.items():
        w[features.index(name)] = value
    memory = Memory.from_rows([{"q": "朋友拖着那笔账一直赖着", "a": ["民法典:675"]}])
    model = rank.Model(list(features), np.zeros(nf), np.ones(nf), w, meta, memory)
    import json

    path.write_text(json.dumps(model.to_json([{"q": "朋友拖着那笔账一直赖着", "a": ["民法典:675"]}]),
                               ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def models(monkeypatch, tmp_path):
    """A plain dense model that follows the lexical score, and an articles model that weighs
    nothing but the question's cosine with the candidate; the memory's one question is far
    from the test question (orthogonal vectors), so the dense memory votes for nothing."""
    monkeypatch.setattr(dense, "_state", {"embedder": None, "failed": False, "model": None,
                                          "articles_model": None, "key": None})
    plain, arts, vecs = tmp_path / "dense.json", tmp_path / "articles.json", tmp_path / "memory.npy"
    write_model(plain, dense.ALL_FEATURES, {"final_ratio": 5.0}, {})
    write_model(arts, dense.ALL_FEATURES + dense.ARTICLE_FEATURES, {"dense_cos": 5.0}, {"articles": {"k": 10}})
    np.save(vecs, unit(1)[None, :].astype(np.float16))
    monkeypatch.setattr(dense, "MODEL_PATH", plain)
    monkeypatch.setattr(dense, "ARTICLES_MODEL_PATH", arts)
    monkeypatch.setattr(dense, "VECTORS_PATH", vecs)
    dense._state.update(embedder=FakeEmbedder(unit(0)))
    dense.query_vector.cache_clear()
    yield
    dense.query_vector.cache_clear()


def first(**kw):
    h = search(QUESTION, limit=3, **kw).hits[0]
    return (h.law_short, h.number, h.suffix)


def write_aligned(idx, target_row, *, rows=None, dtype=None):
    """Article vectors where only ``target_row`` points the way of the question (in the aligned
    file's format, or as a plain matrix of ``dtype``: an earlier round's file)."""
    mat = np.zeros((rows or len(idx["article_id"]), 384), dtype=np.float32)
    mat[:, 2] = 1.0
    mat[target_row] = unit(0)
    path = vectors.aligned_path(index_path(), idx["build"])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.quantise(mat) if dtype is None else mat.astype(dtype))
    return path


def row_of(idx, short, number):
    for d, li in enumerate(idx["law_idx"]):
        if idx["laws"][li]["short"] == short and int(idx["number"][d]) == number and int(idx["suffix"][d]) == 0:
            return d
    raise AssertionError((short, number))


def target(idx):
    """An article the lexical order does not put first for the question."""
    lexical = first(rerank=False)
    for d in range(len(idx["article_id"])):
        key = (idx["laws"][idx["law_idx"][d]]["short"], int(idx["number"][d]), int(idx["suffix"][d]))
        if key != lexical and idx["laws"][idx["law_idx"][d]]["short"] == "刑法":
            return d, key
    raise AssertionError("no other article")


def test_the_article_nearest_the_question_comes_first_when_the_aligned_vectors_exist(law_corpus, models):
    seed_concepts()
    idx = load_index()
    d, key = target(idx)
    assert first() != key  # without the vectors: the plain dense model
    write_aligned(idx, d)

    ranker = dense.dense_ranker(load_index())
    assert ranker is not None and ranker.channel_k == 10
    assert isinstance(ranker.articles, np.memmap)  # mapped, not read into the worker
    assert first() == key


def test_without_the_aligned_file_the_search_is_as_before(law_corpus, models):
    seed_concepts()
    idx = load_index()
    d, key = target(idx)
    before = [(h.law_short, h.number) for h in search(QUESTION, limit=5).hits]
    path = write_aligned(idx, d)
    assert first() == key
    path.unlink()

    assert dense.dense_ranker(load_index()).articles is None
    assert [(h.law_short, h.number) for h in search(QUESTION, limit=5).hits] == before


@pytest.mark.parametrize("bad", ["rows", "dtype", "build"])
def test_vectors_that_do_not_fit_the_index_are_ignored(law_corpus, models, bad):
    seed_concepts()
    idx = load_index()
    d, key = target(idx)
    before = first()
    if bad == "rows":
        write_aligned(idx, d, rows=len(idx["article_id"]) + 1)
    elif bad == "dtype":  # the eighth round's float32 file
        write_aligned(idx, d, dtype=np.float32)
    else:  # the vectors of another index build
        path = write_aligned(idx, d)
        path.rename(path.with_name("aligned-000000000000.npy"))

    assert dense.dense_ranker(load_index()).articles is None
    assert first() == before != key


def test_an_articles_model_without_its_channel_features_is_refused(law_corpus, models, tmp_path):
    seed_concepts()
    idx = load_index()
    write_aligned(idx, 0)
    write_model(dense.ARTICLES_MODEL_PATH, dense.ALL_FEATURES, {"final_ratio": 1.0}, {"articles": {"k": 10}})

    assert dense.dense_ranker(load_index()).articles is None


def test_the_novelty_gate_damps_memory_votes_for_a_question_far_from_every_answered_one(law_corpus, models):
    """A model whose only weight is the dense memory's vote, damped by the gate: with the
    memory's question near, its article comes first; far, the vote counts nothing."""
    seed_concepts()
    gate = {"kind": "damp", "lo": 0.92, "hi": 0.95, "damp": ["dmem_article"]}
    write_model(dense.MODEL_PATH, dense.ALL_FEATURES + [dense.GATE_FEATURE], {"dmem_article": 5.0},
                {"gate": gate})
    lexical = first(rerank=False)
    np.save(dense.VECTORS_PATH, unit(0)[None, :].astype(np.float16))  # the memory question = the question
    assert first() == ("民法典", 675, 0) != lexical
    near_miss = (unit(0) * 0.91 + unit(1) * np.sqrt(1 - 0.91 ** 2)).astype(np.float16)  # cosine 0.91: far
    np.save(dense.VECTORS_PATH, near_miss[None, :])
    dense.query_vector.cache_clear()

    assert first() != ("民法典", 675, 0)


def test_the_shipped_articles_model_fits_the_code_and_the_shipped_memory():
    """ranker_model_articles.json (eighth round) is read with the memory vectors shipped beside it:
    a retrained dense model with another memory, or changed features, would silently turn the
    channel off."""
    memory = np.load(dense.VECTORS_PATH, allow_pickle=False).astype(np.float32)
    coverage = (dense.coverage_codes(np.load(dense.COVERAGE_PATH, allow_pickle=False))
                if dense.COVERAGE_PATH.exists() else None)
    read = dense._read_model(dense.ARTICLES_MODEL_PATH, memory, True, coverage)
    assert read is not None
    model = read[0]
    assert model.meta["articles"]["k"] == 10 and model.meta["gate"]["kind"] == "cross"
    plain = dense._read_model(dense.MODEL_PATH, memory, False, coverage)
    assert plain is not None and plain[0].memory.questions == model.memory.questions
    # a model that reads the coverage memory is shipped with it (and both read the same one)
    assert (read[1] is None) == (dense.COVERAGE_FEATURES[0] not in model.features)
    assert (plain[1] is None) == (dense.COVERAGE_FEATURES[0] not in plain[0].features)
