"""Ranking a question against the index.

1. 《X》第N条 / X法第N条 in the question is a direct hit (first place).
2. The question's character bigrams (and, weakly, unigrams) after question words are cut.
3. The concept table adds legal terms for colloquial triggers (押金不退 → 租赁 返还 …) and may
   prefer some laws; that table is the largest single gain (benchmarks/README.md).
4. BM25 over the sparse index, a small preference for the laws the concepts or the question
   name, then the top ``limit``."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from django.urls import reverse

from grid.permissions import can_read_regional

from ..models import article_key
from .concepts import match_concepts, soft_concepts, table_laws, weigh_concepts
from .index import load_index
from .synonyms import expand as synonym_terms
from .tokens import normalize, query_runs, run_tokens

UNIGRAM_WEIGHT = 0.15
EXPANSION_WEIGHT = 0.9
# statute words of the word-level colloquial synonyms (房东 → 出租人), below the question's own
SYNONYM_WEIGHT = 0.5
# ... and with this weight when some concept of the table matched the question in full
SYNONYM_WEIGHT_WITH_CONCEPT = 0.0
# terms of concepts found by bigram overlap of their triggers, when no trigger matched in full
SOFT_CONCEPT_WEIGHT = 0.8
LAW_PREFERENCE = 0.35
NAMED_LAW_PREFERENCE = 0.6
CHAPTER_PREFERENCE = 0.3
# a local regulation of the reader's own region (others' are not searched at all)
REGIONAL_PREFERENCE = 0.5
# Laws no concept of the table prefers (海商法, 票据法, 商业银行法 …) rarely answer citizens'
# questions; a mild factor keeps their shared words (银行, 保险, 登记) from crowding out the
# laws the table is about.
OUTSIDE_TABLE_FACTOR = 0.7
DOC_TYPE_PRIOR = {"立法解释": 0.8, "宪法": 0.85}
# Citizens' questions are rarely answered by the organic laws of the state, tax or customs
# law; a mild prior by category keeps those from crowding out civil, labour and criminal law.
CATEGORY_PRIOR = {"宪法相关法": 0.75, "经济法": 0.9}


@dataclass
class Hit:
    article_id: int
    law: str
    law_short: str
    law_slug: str
    number: int
    suffix: int
    label: str
    score: float
    via: str = "search"

    @property
    def url(self) -> str:
        return reverse("legalqa:article_detail", kwargs={"law": self.law_slug, "article": article_key(self.number, self.suffix)})

    def as_json(self) -> dict:
        return {"law": self.law, "article": self.number, "label": self.label, "url": self.url}


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    ms: float
    terms: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"query": self.query, "ms": round(self.ms, 2), "hits": [h.as_json() for h in self.hits]}


def _add(weights: dict[int, float], vocab: dict, token: str, w: float, bigrams: set | None = None) -> None:
    tid = vocab.get(token)
    if tid is not None:
        weights[tid] = weights.get(tid, 0.0) + w
        if bigrams is not None:
            bigrams.add(tid)


def _add_term(weights: dict[int, float], vocab: dict, term: str, w: float, uni: float = 0.0,
              bigrams: set | None = None) -> None:
    unis, bis = run_tokens(term)
    if bis:
        per = w / math.sqrt(len(bis))
        for b in bis:
            _add(weights, vocab, b, per, bigrams)
    elif uni:
        for u in unis:
            _add(weights, vocab, u, w * uni)


@dataclass
class Query:
    """A question turned into token weights, kept apart by where they came from (the
    question's own words, the concept table, soft concepts, synonyms) so the learned ranker
    can weigh each; ``weights`` is their sum, the lexical query."""

    parts: dict[str, dict[int, float]]
    terms: list[str]
    concepts: list
    prefer: list[str]
    strong: bool
    bigrams: set = field(default_factory=set)  # token ids that are character bigrams

    @property
    def weights(self) -> dict[int, float]:
        out: dict[int, float] = {}
        for part in self.parts.values():
            for tid, w in part.items():
                out[tid] = out.get(tid, 0.0) + w
        return out


def build_query(query: str, vocab: dict, *, expand: bool = True,
                synonyms: bool = True, soft: bool = True) -> Query:
    own: dict[int, float] = {}
    concept_w: dict[int, float] = {}
    soft_w: dict[int, float] = {}
    syn_w: dict[int, float] = {}
    terms: list[str] = []
    bigrams: set[int] = set()
    for run in query_runs(query):
        unis, bis = run_tokens(run)
        if not bis:
            _add(own, vocab, unis[0], 1.0 if run.isascii() else 0.5)
            continue
        for u in unis:
            _add(own, vocab, u, UNIGRAM_WEIGHT)
        for b in bis:
            _add(own, vocab, b, 1.0, bigrams)
        terms.append(run)
    concepts = match_concepts(query) if expand else []
    prefer: list[str] = []
    weighed = weigh_concepts(query, concepts)
    for concept, factor in weighed:
        w = EXPANSION_WEIGHT * concept.weight * factor
        for term in concept.terms:
            _add_term(concept_w, vocab, term, w, uni=0.5, bigrams=bigrams)
            terms.append(term)
        if factor >= 1.0:
            prefer.extend(concept.laws)
    strong = any(factor >= 1.0 for _, factor in weighed)
    if expand and soft and not strong and SOFT_CONCEPT_WEIGHT:
        for concept, share in soft_concepts(query):
            w = EXPANSION_WEIGHT * SOFT_CONCEPT_WEIGHT * concept.weight * share
            for term in concept.terms:
                _add_term(soft_w, vocab, term, w, bigrams=bigrams)
                terms.append(term)
    if synonyms:
        sw = SYNONYM_WEIGHT_WITH_CONCEPT if strong else SYNONYM_WEIGHT
        for term in synonym_terms(normalize(query)) if sw else ():
            _add_term(syn_w, vocab, term, sw, bigrams=bigrams)
            terms.append(term)
    parts = {"own": own, "concept": concept_w, "soft": soft_w, "synonym": syn_w}
    return Query(parts=parts, terms=terms, concepts=concepts, prefer=prefer, strong=strong, bigrams=bigrams)


# How many lexical candidates the learned ranker re-orders.
CANDIDATES = 40


def search(query: str, limit: int = 10, *, expand: bool = True, direct: bool = True,
           prefer_laws: bool = True, synonyms: bool = True, soft: bool = True,
           rerank: bool = True, model=None, candidates: int = CANDIDATES, reader=None) -> SearchResult:
    """Direct hits first, then the lexical candidates, re-ordered by the learned ranker when
    its model is present (``rerank=False`` gives the lexical order). ``reader`` is
    grid.permissions.reader_region(user): local regulations bound to a region are searched
    only for readers there, and preferred for them; None searches none of them."""
    started = time.perf_counter()
    idx = load_index()
    query = (query or "").strip()
    hits: list[Hit] = []
    seen: set[int] = set()
    laws = idx["laws"]
    if direct and "第" in query and "条" in query:
        from ..citations import find_citations

        law_pos = {law["id"]: i for i, law in enumerate(laws)}
        for c in find_citations(query):
            if c.verdict == "valid" and c.article_id and c.article_id not in seen and c.law_id in law_pos:
                law = laws[law_pos[c.law_id]]
                if not can_read_regional(reader, law.get("region", "")):
                    continue
                hits.append(Hit(c.article_id, law["title"], law["short"], law["slug"], c.article, c.suffix,
                                c.label, 1e6, via="direct"))
                seen.add(c.article_id)
    q = build_query(query, idx["vocab"], expand=expand, synonyms=synonyms, soft=soft)
    prefer = q.prefer if prefer_laws else []
    ranker = None
    dense = None  # dense.DenseRanker: the model that also reads the e5 memory of answered questions
    if rerank:
        from .rank import load_model

        if model is None:
            from .dense import dense_ranker

            dense = dense_ranker(idx)
            ranker = dense.model if dense is not None else load_model()
        elif hasattr(model, "vectors"):
            dense, ranker = model, model.model
        else:
            ranker = model
    ev = None
    dev = None
    cev = None  # the coverage memory's votes (a model that reads it; dense.COVERAGE_FEATURES)
    arts = None  # dense.ArticleCosines: the article channel, when the aligned vectors are there
    extra: list[int] = []
    if ranker is not None and ranker.memory is not None:
        from .memory import evidence

        ev = evidence(ranker.memory, idx, query)
        extra = memory_candidates(ev)
        if dense is not None:
            from .dense import dense_candidates

            dev = dense.evidence(idx, query)
            if dev is None and model is None:  # the question could not be embedded: the bigram-only model
                dense = None
                ranker = load_model()
                ev, extra = None, []
                if ranker is not None and ranker.memory is not None:
                    ev = evidence(ranker.memory, idx, query)
                    extra = memory_candidates(ev)
            else:
                arts = dense.article_cosines(query) if dense.channel_k else None
                channel = [int(d) for d in arts.top] if arts is not None else []
                cev = dense.coverage_evidence(idx, query)
                extra = list(dict.fromkeys(extra + channel + dense_candidates(dev) + dense_candidates(cev)))
    cand = score_candidates(idx, query, q, prefer, max(candidates if ranker else 0, limit + len(hits) + 5), extra,
                            reader=reader)
    if cand is not None and len(cand.docs):
        docs = cand.docs
        order = np.arange(len(docs))
        scores = cand.final
        if ranker is not None:
            from .rank import candidate_matrix

            x = candidate_matrix(idx, cand, ev)
            if dense is not None:
                from .dense import dense_candidates

                lexical = np.arange(len(docs)) < cand.n_lexical
                in_memory = np.array([int(d) in ev.article for d in docs], dtype=bool)
                if arts is not None:
                    # the channel's nearest ARTICLE_RANKS joined the candidates (their rank is a
                    # feature); only the first k stay unless another source proposed them too
                    dmem = set(dense_candidates(dev)) | set(dense_candidates(cev))
                    keep = lexical | in_memory | np.array(
                        [arts.rank.get(int(d), 1 << 30) < dense.channel_k or int(d) in dmem for d in docs])
                    x, docs, lexical, in_memory = x[keep], docs[keep], lexical[keep], in_memory[keep]
                x = dense.columns(idx, x, docs, dev, lexical, in_memory, arts, cev)
            learned = ranker.score(x)
            order = np.argsort(-learned, kind="stable")
            scores = learned - learned.min() + 1e-3
        for i in order:
            if len(hits) >= limit:
                break
            d = int(docs[i])
            aid = int(idx["article_id"][d])
            if aid in seen:
                continue
            law = laws[idx["law_idx"][d]]
            hits.append(Hit(aid, law["title"], law["short"], law["slug"], int(idx["number"][d]),
                            int(idx["suffix"][d]), idx["label"][d], float(scores[i])))
            seen.add(aid)
    ms = (time.perf_counter() - started) * 1000
    return SearchResult(query=query, hits=hits[:limit], ms=ms, terms=_dedupe(q.terms),
                        concepts=[c.name for c in q.concepts])


@dataclass
class Candidates:
    """The lexical candidates of one question and what the ranker needs about them."""

    query: str
    q: Query
    docs: np.ndarray           # index rows, best lexical score first, then the extra rows
    n_lexical: int             # how many of ``docs`` are the lexical top k
    final: np.ndarray          # lexical score with the law/chapter preference (the old order)
    parts: dict[str, np.ndarray]  # unboosted BM25 per query component
    boost: np.ndarray
    covered: dict[str, np.ndarray]  # share of the component's bigrams the article contains
    named: np.ndarray
    preferred: np.ndarray
    chapter: np.ndarray
    outside: np.ndarray


MEMORY_CANDIDATES = 10


def memory_candidates(ev) -> list[int]:
    """The articles that answered the nearest answered questions, best first."""
    return [d for d, _ in sorted(ev.article.items(), key=lambda t: -t[1])[:MEMORY_CANDIDATES]]


def score_candidates(idx: dict, query: str, q: Query, prefer: list[str], k: int,
                     extra: list[int] | None = None, reader=None) -> Candidates | None:
    """BM25 of every component over the whole index (one column slice), the lexical score
    with the law preference, and the first ``k`` documents by that score, followed by
    ``extra`` documents (articles that answered similar questions) not among them."""
    weights = q.weights
    if not weights or k <= 0:
        return None
    ids = np.fromiter(weights.keys(), dtype=np.int64)
    col = {tid: j for j, tid in enumerate(ids.tolist())}
    sub = idx["weights"].columns(ids)
    comp = np.zeros((len(ids), len(q.parts)), dtype=np.float32)
    for j, part in enumerate(q.parts.values()):
        for tid, w in part.items():
            comp[col[tid], j] = w
    per_part = sub.dot(comp)  # documents × components
    total = per_part.sum(axis=1)
    info = _law_boost(idx, query, prefer, reader)
    boost = info["factor"]
    final = total * boost
    k = min(len(final), k)
    top = np.argpartition(-final, k - 1)[:k]
    top = top[np.argsort(-final[top], kind="stable")]
    top = top[final[top] > 0]
    n_lexical = len(top)
    if extra:
        have = set(top.tolist())
        more = [d for d in extra if d not in have and boost[d] > 0]
        if more:
            top = np.concatenate([top, np.asarray(more, dtype=top.dtype)])
    rows = sub.present(top, len(ids))
    covered = {}
    for name, part in q.parts.items():
        bigram_cols = [col[t] for t in part if t in q.bigrams]
        covered[name] = rows[:, bigram_cols].mean(axis=1) if bigram_cols and len(top) else np.zeros(len(top))
    group = idx["group"][top]
    law_idx = idx["law_idx"][top]
    return Candidates(
        query=query, q=q, docs=top, n_lexical=n_lexical, final=final[top],
        parts={name: per_part[top, j] for j, name in enumerate(q.parts)},
        boost=boost[top], covered=covered,
        named=info["named"][law_idx], preferred=info["preferred"][law_idx],
        chapter=info["chapter"][group], outside=info["outside"][law_idx],
    )


def _static_priors(idx: dict) -> dict:
    """Per-law factors that do not depend on the question (document type, category, laws no
    concept prefers), the law of every chapter group, and name → law positions; cached on
    the loaded index for the current concept table."""
    known = table_laws() if OUTSIDE_TABLE_FACTOR != 1.0 else frozenset()
    cached = idx.get("_priors")
    if cached is not None and cached["known"] is known:
        return cached
    laws = idx["laws"]
    base = np.ones(len(laws), dtype=np.float32)
    outside = np.zeros(len(laws), dtype=np.float32)
    by_name: dict[str, list[int]] = {}
    regional = []
    for i, law in enumerate(laws):
        f = DOC_TYPE_PRIOR.get(law["doc_type"], 1.0) * CATEGORY_PRIOR.get(law["category"], 1.0)
        names = [law["short"], *law["aliases"]]
        if known and not any(n in known for n in names):
            f *= OUTSIDE_TABLE_FACTOR
            outside[i] = 1.0
        base[i] = f
        for n in names:
            by_name.setdefault(n, []).append(i)
        if law.get("region"):
            regional.append(i)
    group_law = np.fromiter((g["law_idx"] for g in idx["groups"]), dtype=np.int32, count=len(idx["groups"]))
    named_re = None
    long_names = sorted((n for n in by_name if len(n) >= 2), key=len, reverse=True)
    if long_names:
        import re

        named_re = re.compile("|".join(re.escape(n) for n in long_names))
    cached = {"known": known, "base": base, "outside": outside, "by_name": by_name, "regional": regional,
              "group_law": group_law, "named_re": named_re}
    idx["_priors"] = cached
    return cached


def _law_boost(idx: dict, query: str, prefer: list[str], reader=None) -> dict[str, np.ndarray]:
    """Multiplier per document: laws named in the question or preferred by the matched
    concepts (an entry ``民法典:租赁合同`` prefers that law and, more, the 编/章/节 titled
    租赁合同 — not 融资租赁合同), a mild prior by document type and category, and for local
    regulations the reader's region (preferred there, left out elsewhere)."""
    laws = idx["laws"]
    pri = _static_priors(idx)
    law_factor = pri["base"].copy()
    named = np.zeros(len(laws), dtype=np.float32)
    preferred = np.zeros(len(laws), dtype=np.float32)
    by_name = pri["by_name"]
    if pri["named_re"] is not None:
        # every law whose name occurs in the question (overlapping matches: 劳动法 in 劳动合同法 …)
        for n in {m for m in by_name if len(m) >= 2 and m in query} if pri["named_re"].search(query) else ():
            for i in by_name[n]:
                named[i] = 1.0
    chapter_laws: dict[int, list[str]] = {}
    for entry in prefer:
        name, _, chapter = entry.partition(":")
        for i in by_name.get(name, ()):
            if not named[i]:
                preferred[i] = 1.0
            if chapter:
                chapter_laws.setdefault(i, []).append(chapter)
    law_factor *= np.where(named > 0, 1 + NAMED_LAW_PREFERENCE, np.where(preferred > 0, 1 + LAW_PREFERENCE, 1.0))
    for i in pri["regional"]:
        if can_read_regional(reader, laws[i]["region"]):
            law_factor[i] *= 1 + REGIONAL_PREFERENCE
            preferred[i] = 1.0
        else:
            law_factor[i] = 0.0
    group_factor = law_factor[pri["group_law"]]
    chapter = np.zeros(len(idx["groups"]), dtype=np.float32)
    if chapter_laws:
        groups = idx["groups"]
        for gi in np.flatnonzero(np.isin(pri["group_law"], list(chapter_laws))):
            frags = chapter_laws[int(pri["group_law"][gi])]
            if any(fr in groups[gi]["names"] for fr in frags):
                group_factor[gi] *= 1 + CHAPTER_PREFERENCE
                chapter[gi] = 1.0
    return {"factor": group_factor[idx["group"]], "named": named, "preferred": preferred,
            "outside": pri["outside"], "chapter": chapter}


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for t in items:
        if t and t not in seen:
            seen.add(t)
            out.append(t)
    return out
