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


def _add(weights: dict[int, float], vocab: dict, token: str, w: float) -> None:
    tid = vocab.get(token)
    if tid is not None:
        weights[tid] = weights.get(tid, 0.0) + w


def build_query(query: str, vocab: dict, *, expand: bool = True,
                synonyms: bool = True, soft: bool = True) -> tuple[dict[int, float], list[str], list, list[str]]:
    weights: dict[int, float] = {}
    terms: list[str] = []
    for run in query_runs(query):
        unis, bis = run_tokens(run)
        if not bis:
            _add(weights, vocab, unis[0], 1.0 if run.isascii() else 0.5)
            continue
        for u in unis:
            _add(weights, vocab, u, UNIGRAM_WEIGHT)
        for b in bis:
            _add(weights, vocab, b, 1.0)
        terms.append(run)
    concepts = match_concepts(query) if expand else []
    prefer: list[str] = []
    weighed = weigh_concepts(query, concepts)
    for concept, factor in weighed:
        w = EXPANSION_WEIGHT * concept.weight * factor
        for term in concept.terms:
            unis, bis = run_tokens(term)
            if bis:
                per = w / math.sqrt(len(bis))
                for b in bis:
                    _add(weights, vocab, b, per)
            else:
                for u in unis:
                    _add(weights, vocab, u, w * 0.5)
            terms.append(term)
        if factor >= 1.0:
            prefer.extend(concept.laws)
    strong = any(factor >= 1.0 for _, factor in weighed)
    if expand and soft and not strong and SOFT_CONCEPT_WEIGHT:
        for concept, share in soft_concepts(query):
            w = EXPANSION_WEIGHT * SOFT_CONCEPT_WEIGHT * concept.weight * share
            for term in concept.terms:
                unis, bis = run_tokens(term)
                if bis:
                    per = w / math.sqrt(len(bis))
                    for b in bis:
                        _add(weights, vocab, b, per)
                terms.append(term)
    if synonyms:
        sw = SYNONYM_WEIGHT_WITH_CONCEPT if strong else SYNONYM_WEIGHT
        for term in synonym_terms(normalize(query)) if sw else ():
            unis, bis = run_tokens(term)
            if bis:
                per = sw / math.sqrt(len(bis))
                for b in bis:
                    _add(weights, vocab, b, per)
            terms.append(term)
    return weights, terms, concepts, prefer


def search(query: str, limit: int = 10, *, expand: bool = True, direct: bool = True,
           prefer_laws: bool = True, synonyms: bool = True, soft: bool = True) -> SearchResult:
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
                hits.append(Hit(c.article_id, law["title"], law["short"], law["slug"], c.article, c.suffix,
                                c.label, 1e6, via="direct"))
                seen.add(c.article_id)
    weights, terms, concepts, prefer = build_query(query, idx["vocab"], expand=expand, synonyms=synonyms, soft=soft)
    if not prefer_laws:
        prefer = []
    if weights and len(hits) < limit:
        ids = np.fromiter(weights.keys(), dtype=np.int64)
        w = np.fromiter(weights.values(), dtype=np.float32)
        scores = np.asarray(idx["weights"][:, ids] @ w).ravel()
        boost = _law_boost(idx, query, prefer)
        if boost is not None:
            scores = scores * boost
        k = min(len(scores), limit + len(hits) + 5)
        if k:
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top], kind="stable")]
            for d in top:
                if scores[d] <= 0 or len(hits) >= limit:
                    break
                aid = int(idx["article_id"][d])
                if aid in seen:
                    continue
                law = laws[idx["law_idx"][d]]
                hits.append(Hit(aid, law["title"], law["short"], law["slug"], int(idx["number"][d]),
                                int(idx["suffix"][d]), idx["label"][d], float(scores[d])))
                seen.add(aid)
    ms = (time.perf_counter() - started) * 1000
    return SearchResult(query=query, hits=hits[:limit], ms=ms, terms=_dedupe(terms),
                        concepts=[c.name for c in concepts])


def _law_boost(idx: dict, query: str, prefer: list[str]) -> np.ndarray | None:
    """Multiplier per document: laws named in the question or preferred by the matched
    concepts (an entry ``民法典:租赁合同`` prefers that law and, more, the 编/章/节 titled
    租赁合同 — not 融资租赁合同), and a mild prior by document type and category."""
    laws = idx["laws"]
    law_factor = np.ones(len(laws), dtype=np.float32)
    prefer_laws: set[str] = set()
    chapter_prefs: dict[str, list[str]] = {}
    for entry in prefer:
        name, _, chapter = entry.partition(":")
        prefer_laws.add(name)
        if chapter:
            chapter_prefs.setdefault(name, []).append(chapter)
    chapter_laws: dict[int, list[str]] = {}
    known = table_laws() if OUTSIDE_TABLE_FACTOR != 1.0 else frozenset()
    for i, law in enumerate(laws):
        f = DOC_TYPE_PRIOR.get(law["doc_type"], 1.0) * CATEGORY_PRIOR.get(law["category"], 1.0)
        names = [law["short"], *law["aliases"]]
        if known and not any(n in known for n in names):
            f *= OUTSIDE_TABLE_FACTOR
        if any(len(n) >= 2 and n in query for n in names):
            f *= 1 + NAMED_LAW_PREFERENCE
        elif prefer_laws and any(n in prefer_laws for n in names):
            f *= 1 + LAW_PREFERENCE
        for n in names:
            if n in chapter_prefs:
                chapter_laws[i] = chapter_prefs[n]
        law_factor[i] = f
    group_factor = law_factor[np.fromiter((g["law_idx"] for g in idx["groups"]), dtype=np.int32,
                                          count=len(idx["groups"]))]
    if chapter_laws:
        for gi, g in enumerate(idx["groups"]):
            frags = chapter_laws.get(g["law_idx"])
            if frags and any(fr in g["names"] for fr in frags):
                group_factor[gi] *= 1 + CHAPTER_PREFERENCE
    return group_factor[idx["group"]]


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for t in items:
        if t and t not in seen:
            seen.add(t)
            out.append(t)
    return out
