"""Experiment (issue 20, fifth round; not shipped): gradient-boosted trees (scikit-learn,
pointwise, each question's candidates weighing 1 in all) against the shipped linear pairwise
ranker and a blend of both, in all_sets.py's leave-one-set-out CV of the 16-set training.

    .venv/bin/python benchmarks/lawsearch/experiments/hgb_ranker.py heldout2.tsv,heldout3.tsv,untouched.tsv

About 12 minutes for those three folds here (niced, load average 10)."""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
FOLDS = sys.argv[1].split(",") if len(sys.argv) > 1 else []
sys.argv = sys.argv[:1]

import numpy as np  # noqa: E402
from all_sets import (  # noqa: E402
    ALL_SETS,
    CONDITIONS,
    EXTRA,
    PAST,
    TableFeaturizer,
    fmt,
    load_index,
    load_questions,
    metrics,
    rank,
    table_at,
)
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402


def main():
    t0 = time.time()
    idx = load_index()
    sets = {n: load_questions(n) for n in ALL_SETS}
    past = {n: table_at(PAST[n]) for n in ALL_SETS}
    feats = {"current": TableFeaturizer(idx, sets, sets, {}), "past": TableFeaturizer(idx, sets, sets, past),
             "none": TableFeaturizer(idx, sets, sets, {}, expand=False)}
    tot = {}
    for fold in [f for f in ALL_SETS if not FOLDS or f in FOLDS]:
        others = [s for s in ALL_SETS if s != fold]
        groups = [g for c in CONDITIONS for n in others for g in feats[c].rows_for(n, {n, fold}) if len(g[1])]
        lin = rank.train_pairwise([g[:2] for g in groups], l2=1.0)
        x = np.vstack([g[0] for g in groups])
        y = np.concatenate([g[1] for g in groups])
        w = np.concatenate([np.full(len(g[1]), 1.0 / len(g[1])) for g in groups])
        hgb = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
                                             min_samples_leaf=40, l2_regularization=1.0, random_state=0)
        hgb.fit(x, y, sample_weight=w)

        def z(v):
            return (v - v.mean()) / (v.std() + 1e-9)

        scorers = {
            "linear": lambda x, lex, lin=lin: lin.score(x),
            "hgb": lambda x, lex, hgb=hgb: hgb.decision_function(x) if len(x) else np.zeros(0),
            "blend": lambda x, lex, lin=lin, hgb=hgb: (z(lin.score(x)) + z(hgb.decision_function(x))
                                                       if len(x) else np.zeros(0)),
        }
        test = feats["past"].rows_for(fold, {fold})
        line = [fold, str(len(test))]
        for name, f in scorers.items():
            m = metrics(test, f)
            v = np.array([m["recall@1"], m["recall@5"], m["mrr"]])
            for grp in ("all", "h23" if fold in EXTRA else "old"):
                tot.setdefault((name, grp), [np.zeros(3), 0])
                tot[(name, grp)][0] += len(test) * v
                tot[(name, grp)][1] += len(test)
            line.append(f"{name} {fmt(m)}")
        print(" | ".join(line), flush=True)
    for (name, grp), (s, n) in sorted(tot.items()):
        a = s / n
        print(f"{grp} ({n}) {name}: {a[0]:.3f} | {a[1]:.3f} | {a[2]:.3f}")
    print("done in", round(time.time() - t0), "s")


if __name__ == "__main__":
    main()
