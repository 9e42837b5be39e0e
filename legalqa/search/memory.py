"""Answered questions as evidence: a new question that shares words with questions whose
answering articles are known points to those articles, their chapter and their law.

The memory is the question sets the learned ranker was trained on (stored in its model file,
legalqa/search/ranker_model.json). Each question is a set of character bigrams of its
meaningful words (question words cut, regional words read in their canonical form) weighted
by IDF over the memory; similarity is the cosine of those vectors. The ranker reads three
features from the nearest questions — the article itself answered one of them, its chapter
did, its law did — and the articles they point to join the candidates, so a phrasing the
concept table does not list can still reach an article that answered a similar question.

Cross-validation (benchmarks/lawsearch/train_ranker.py) builds the memory without the
held-out set, so the figures say what it does for questions nobody has answered yet."""

from __future__ import annotations

import hashlib
import json
import math
import weakref
from dataclasses import dataclass, field

import numpy as np

from .concepts import canonical
from .tokens import normalize, query_runs

# nearest questions that vote, and the least similarity that counts
NEIGHBOURS = 8
MIN_SIMILARITY = 0.12


def _grams(text: str) -> set[str]:
    out: set[str] = set()
    base = normalize(text)
    for t in {base, canonical(base)}:
        for run in query_runs(t):
            out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


@dataclass
class Memory:
    questions: list[str]
    answers: list[list[tuple[str, int, int]]]
    grams: list[set[str]] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)
    norms: list[float] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self):
        self.grams = [_grams(q) for q in self.questions]
        df: dict[str, int] = {}
        for g in self.grams:
            for b in g:
                df[b] = df.get(b, 0) + 1
        n = max(len(self.grams), 1)
        self.idf = {b: math.log(1 + n / d) for b, d in df.items()}
        self.norms = [math.sqrt(sum(self.idf[b] ** 2 for b in g)) or 1.0 for g in self.grams]
        for i, g in enumerate(self.grams):
            for b in g:
                self.postings.setdefault(b, []).append(i)

    @classmethod
    def from_rows(cls, rows: list[dict]) -> Memory:
        """``rows``: [{"q": question, "a": ["民法典:716", "刑法:133-1"]}]."""
        return cls([r["q"] for r in rows], parse_answers(rows))

    def neighbours(self, query: str, exclude: set[int] | None = None) -> list[tuple[int, float]]:
        grams = _grams(query)
        if not grams:
            return []
        dots: dict[int, float] = {}
        qnorm = 0.0
        unseen = math.log(1 + max(len(self.grams), 1))  # a bigram no answered question has
        for b in grams:
            w = self.idf.get(b)
            if w is None:
                qnorm += unseen * unseen
                continue
            qnorm += w * w
            for i in self.postings[b]:
                dots[i] = dots.get(i, 0.0) + w * w
        if not dots:
            return []
        qnorm = math.sqrt(qnorm)
        sims = [(i, d / (qnorm * self.norms[i])) for i, d in dots.items() if not exclude or i not in exclude]
        sims = [s for s in sims if s[1] >= MIN_SIMILARITY]
        sims.sort(key=lambda s: -s[1])
        return sims[:NEIGHBOURS]


def parse_answers(rows: list[dict]) -> list[list[tuple[str, int, int]]]:
    """The answer keys of memory rows: "刑法:133-1" → ("刑法", 133, 1)."""
    answers = []
    for r in rows:
        keys = []
        for a in r["a"]:
            law, _, num = a.partition(":")
            n, _, s = num.partition("-")
            keys.append((law, int(n), int(s or 0)))
        answers.append(keys)
    return answers


_shared: weakref.WeakValueDictionary[str, Memory] = weakref.WeakValueDictionary()


def shared_memory(rows: list[dict]) -> Memory:
    """``Memory.from_rows(rows)``, one object for equal rows while any model holds it: the
    dense model and the articles model are trained on the same questions, and each memory
    holds about 3.6 MB of sets and postings in a web worker (benchmarks/README.md, "Memory of
    a web worker"). A memory is never changed once built."""
    key = hashlib.sha1(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
    memory = _shared.get(key)
    if memory is None:
        memory = _shared[key] = Memory.from_rows(rows)
    return memory


@dataclass
class Evidence:
    article: dict[int, float]   # index row → best similarity of a question it answered
    votes: dict[int, float]     # index row → summed similarity of the questions it answered
    group: dict[int, float]     # chapter group → summed similarity
    law: dict[int, float]       # law position → summed similarity
    nearest: float = -1.0       # dense memory: e5 cosine of the nearest answered question (novelty)


def evidence(memory: Memory | None, idx: dict, query: str, exclude: set[int] | None = None) -> Evidence:
    ev = Evidence({}, {}, {}, {})
    if memory is None:
        return ev
    rows = _key_rows(idx)
    for i, sim in memory.neighbours(query, exclude):
        vote(ev, idx, rows, memory.answers[i], sim)
    return ev


def vote(ev: Evidence, idx: dict, rows: KeyRows, keys, weight: float) -> None:
    """One answered question's vote, ``weight``, for the articles it cites (``keys``), their
    chapters and their laws (each chapter and law once per question)."""
    groups_seen: set[int] = set()
    laws_seen: set[int] = set()
    for key in keys:
        d = rows.get(tuple(key))
        if d is None:
            continue
        ev.article[d] = max(ev.article.get(d, 0.0), weight)
        ev.votes[d] = ev.votes.get(d, 0.0) + weight
        g, li = int(idx["group"][d]), int(idx["law_idx"][d])
        if g not in groups_seen:
            ev.group[g] = ev.group.get(g, 0.0) + weight
            groups_seen.add(g)
        if li not in laws_seen:
            ev.law[li] = ev.law.get(li, 0.0) + weight
            laws_seen.add(li)


def _key_rows(idx: dict) -> KeyRows:
    """(short title, number, suffix) → index row, cached on the loaded index."""
    rows = idx.get("_key_rows")
    if rows is None:
        rows = idx["_key_rows"] = KeyRows(idx)
    return rows


class KeyRows:
    """The index row of an answer key such as ("民法典", 577, 0): the first row (in index order)
    of a law called so (full title without 中华人民共和国, or short title) with that number.

    Keys are resolved when first asked for and remembered: the answered questions cite about
    2,000 distinct articles, while a dict of every article's two keys (about 52,000 tuples)
    held 8 MB in each web worker (benchmarks/README.md, "Memory of a web worker")."""

    def __init__(self, idx: dict):
        self._idx = idx
        self._found: dict[tuple[str, int, int], int | None] = {}
        by_name: dict[str, list[int]] = {}
        for li, law in enumerate(idx["laws"]):
            for name in {_short(law["title"]), law["short"]}:
                by_name.setdefault(name, []).append(li)
        self._by_name = {name: np.asarray(lis, dtype=np.int64) for name, lis in by_name.items()}

    def get(self, key: tuple[str, int, int], default=None):
        try:
            d = self._found[key]
        except KeyError:
            d = self._found[key] = self._resolve(*key)
        return default if d is None else d

    def _resolve(self, name: str, number: int, suffix: int) -> int | None:
        laws = self._by_name.get(name)
        if laws is None:
            return None
        idx = self._idx
        hits = np.flatnonzero((np.asarray(idx["number"]) == number) & (np.asarray(idx["suffix"]) == suffix))
        if not len(hits):
            return None
        named = np.isin(np.asarray(idx["law_idx"])[hits], laws)
        return int(hits[named.argmax()]) if named.any() else None


def _short(title: str) -> str:
    return title[7:] if title.startswith("中华人民共和国") and len(title) >= 9 else title
