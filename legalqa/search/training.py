"""Training the learned ranker from question sets (used by
benchmarks/lawsearch/train_ranker.py, which also cross-validates, and by the tests).

A question set is a list of {"q": question, "gold": {(short title, number, suffix), ...}}."""

from __future__ import annotations

import numpy as np

from . import rank
from .engine import CANDIDATES, build_query, memory_candidates, score_candidates
from .index import load_index
from .memory import Memory, evidence


def _short(title: str) -> str:
    return title[7:] if title.startswith("中华人民共和国") and len(title) >= 9 else title


def memory_rows(questions):
    return [{"q": item["q"], "a": [f"{law}:{n}" + (f"-{sfx}" if sfx else "") for law, n, sfx in sorted(item["gold"])]}
            for item in questions]


class Featurizer:
    """Lexical candidates of every training question, computed once; the features that read
    the memory of answered questions are computed per cross-validation fold, with the
    excluded sets' questions left out of the memory (and the candidates only they suggested)."""

    def __init__(self, idx, sets: dict[str, list], expand=True):
        self.idx = idx
        self.sets = sets
        rows = []
        self.ids: dict[str, set[int]] = {}
        for name, questions in sets.items():
            start = len(rows)
            rows.extend(memory_rows(questions))
            self.ids[name] = set(range(start, len(rows)))
        self.memory = Memory.from_rows(rows)
        self.rows = rows
        self.cands = {}
        for name, questions in sets.items():
            out = []
            for item in questions:
                q = build_query(item["q"], idx["vocab"], expand=expand)
                ev = evidence(self.memory, idx, item["q"], exclude=self.ids[name])
                cand = score_candidates(idx, item["q"], q, q.prefer, CANDIDATES, memory_candidates(ev))
                out.append((item, cand))
            self.cands[name] = out

    def rows_for(self, name, exclude: set[str]):
        """(features, labels, lexical score) per question of set ``name``, the memory
        without the sets in ``exclude`` (which always holds ``name``)."""
        ids = set().union(*(self.ids[n] for n in exclude))
        out = []
        for item, cand in self.cands[name]:
            if cand is None or not len(cand.docs):
                out.append((np.zeros((0, len(rank.FEATURES))), np.zeros(0), np.zeros(0)))
                continue
            ev = evidence(self.memory, self.idx, item["q"], exclude=ids)
            keep = np.array([i < cand.n_lexical or int(d) in ev.article for i, d in enumerate(cand.docs)])
            x = rank.candidate_matrix(self.idx, cand, ev)[keep]
            docs = cand.docs[keep]
            keys = [(_short(self.idx["laws"][self.idx["law_idx"][d]]["title"]), int(self.idx["number"][d]),
                     int(self.idx["suffix"][d])) for d in docs]
            y = np.array([1.0 if k in item["gold"] else 0.0 for k in keys])
            lexical_score = np.where(np.arange(len(docs)) < cand.n_lexical, cand.final[keep], -1.0)
            out.append((x, y, lexical_score))
        return out


def fit(sets: dict[str, list[dict]], *, l2: float = 1.0, augment: bool = True, meta: dict | None = None,
        idx: dict | None = None, loss: str = "pairwise") -> tuple[rank.Model, list[dict]]:
    """The model trained on every set (each question's memory features without its own set),
    with the loss named (``rank.TRAINERS``), and the memory rows to store with it."""
    idx = idx or load_index()
    feat = Featurizer(idx, sets)
    groups = [g[:2] for n in sets for g in feat.rows_for(n, {n}) if len(g[1])]
    if augment:
        feat_nc = Featurizer(idx, sets, expand=False)
        groups += [g[:2] for n in sets for g in feat_nc.rows_for(n, {n}) if len(g[1])]
    model = rank.TRAINERS[loss](groups, l2=l2, meta=meta)
    model.memory = feat.memory
    return model, feat.rows
