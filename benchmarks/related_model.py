"""Trains the pair model of ``assist.similar`` (a logistic regression over ``pair_features``)
on the four earlier labelled sets, and chooses the threshold and the chain rule by
leave-one-set-out: train on three, run ``find_duplicates`` on the fourth (issue 16, part 2).
The grid: the regularisation ``C`` of the regression, the chain rule and the threshold.

Rule (fixed before the fourth held-out set was measured; benchmarks/README.md): the point of
the grid that maximises the mean recall of the folds subject to precision >= ``FLOOR`` on every
fold; if none, the highest minimum fold precision among the points whose every fold keeps
recall >= ``RECALL_FLOOR`` (ties: higher mean recall); if none, the highest minimum precision.

Training pairs: in each set, every pair of reports in the same place and time window
(``same_place`` and ``in_window``, as the batch and the pages see them), positive when both are
in one cluster ``C..``; each set weighs the same (the template set has five times the pairs).
The fourth held-out set (related_heldout4.jsonl) is NOT read here: it is measured once with
``benchmarks/related.py --heldout4`` after the choice is made.

    PYTHONPATH=. python benchmarks/related_model.py            # cross-validation table, choice, coefficients
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from unittest import mock

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from assist import similar  # noqa: E402
from assist.management.commands.find_related import read_items  # noqa: E402

DATA = Path(__file__).parent / "data"
SETS = ("related_labelled", "related_heldout", "related_heldout2", "related_heldout3")  # never related_heldout4
CS = (0.1, 0.3, 1.0, 3.0, 10.0)  # inverse regularisation of the regression
THRESHOLDS = tuple(round(0.40 + 0.05 * k, 2) for k in range(11))  # 0.40 … 0.90
CHAINS = (0.5, 0.75)
FLOOR = 0.93          # precision on every held-out fold (the goal's 0.90 plus a margin)
RECALL_FLOOR = 0.80   # the goal's recall, for the fallback only


def load(name):
    path = DATA / f"{name}.jsonl"
    cluster = {json.loads(line)["id"]: json.loads(line)["cluster"] for line in path.open(encoding="utf-8")}
    return read_items(str(path)), cluster


def pairs(items, cluster):
    ordered = sorted(items, key=lambda i: (i.created, str(i.id)))
    weights = similar.Weights(i.grams for i in ordered)
    x, y = [], []
    for k, a in enumerate(ordered):
        for b in ordered[:k]:
            if similar.same_place(a, b) and similar.in_window(a, b):
                x.append(similar.pair_features(a, b, weights))
                y.append(int(cluster[a.id] == cluster[b.id] and cluster[a.id].startswith("C")))
    return np.array(x), np.array(y)


def fit(data, names, c):
    x = np.vstack([data[n][0] for n in names])
    y = np.concatenate([data[n][1] for n in names])
    w = np.concatenate([np.full(len(data[n][1]), 1.0 / len(data[n][1])) for n in names])
    model = LogisticRegression(C=c, max_iter=5000).fit(x, y, sample_weight=w * len(w) / w.sum())
    return tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0])


def evaluate(items, cluster, coef, intercept, threshold, chain):
    with mock.patch.object(similar, "PAIR_COEF", coef), mock.patch.object(similar, "PAIR_INTERCEPT", intercept), \
            mock.patch.object(similar, "DUPLICATE_AT", threshold), mock.patch.object(similar, "CHAIN_AT", chain):
        pred = similar.find_duplicates(items)
    correct = sum(1 for item, main, _s in pred if cluster[item.id] == cluster[main.id])
    truth = sum(n - 1 for c, n in Counter(cluster.values()).items() if c.startswith("C"))
    return correct / max(1, len(pred)), correct / truth, len(pred)


def choose(rows):
    """rows: (c, chain, threshold, [(precision, recall, n) per fold]) -> the chosen row (the rule above)."""
    def mean_recall(row):
        return sum(r for _p, r, _k in row[3]) / len(row[3])

    def min_precision(row):
        return min(p for p, _r, _k in row[3])

    ok = [row for row in rows if min_precision(row) >= FLOOR]
    if ok:
        return max(ok, key=lambda row: (mean_recall(row), row[2])), "precision >= %.2f on every fold" % FLOOR
    ok = [row for row in rows if min(r for _p, r, _k in row[3]) >= RECALL_FLOOR] or rows
    return max(ok, key=lambda row: (min_precision(row), mean_recall(row))), "fallback: highest minimum precision"


def main():
    loaded = {n: load(n) for n in SETS}
    data = {n: pairs(*loaded[n]) for n in SETS}
    for n in SETS:
        print(f"{n}: {len(data[n][1])} pairs in place and window, {int(data[n][1].sum())} of one problem")
    print("\nLeave-one-set-out (trained on the other three; precision / recall / predicted):")
    print("| C | chain | threshold | " + " | ".join(SETS) + " | min precision | mean recall |")
    print("|---|---|---|" + "---|" * (len(SETS) + 2))
    rows = []
    for c in CS:
        models = {n: fit(data, [m for m in SETS if m != n], c) for n in SETS}
        for chain in CHAINS:
            for t in THRESHOLDS:
                res = [evaluate(*loaded[n], *models[n], t, chain) for n in SETS]
                rows.append((c, chain, t, res))
                cells = " | ".join(f"{p:.3f} / {r:.3f} / {k}" for p, r, k in res)
                print(f"| {c} | {chain} | {t:.2f} | {cells} | {min(p for p, _r, _k in res):.4f} | "
                      f"{sum(r for _p, r, _k in res) / len(res):.4f} |", flush=True)
    (c, chain, threshold, _res), why = choose(rows)
    print(f"\nChosen ({why}): C = {c}, DUPLICATE_AT = {threshold:.2f}, CHAIN_AT = {chain}")
    coef, intercept = fit(data, SETS, c)
    print(f"\nTrained on all {len(SETS)} sets (paste into assist/similar.py):")
    print("PAIR_COEF = (" + ", ".join(f"{c:.4f}" for c in coef) + ")")
    print(f"PAIR_INTERCEPT = {intercept:.4f}")
    print(f"\nIn-sample with these coefficients at the chosen threshold {threshold:.2f} and chain {chain}:")
    for n in SETS:
        p, r, k = evaluate(*loaded[n], coef, intercept, threshold, chain)
        print(f"  {n}: precision {p:.3f}, recall {r:.3f}, {k} predicted")


if __name__ == "__main__":
    main()
