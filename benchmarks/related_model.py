"""Trains the pair model of ``assist.similar`` (a logistic regression over ``pair_features``)
on the three earlier labelled sets, and shows how it generalises by cross-validation across
the sets: train on two, run ``find_duplicates`` on the third (issue 16, part 2).

Training pairs: in each set, every pair of reports in the same place and time window
(``same_place`` and ``in_window``, as the batch and the pages see them), positive when both are
in one cluster ``C..``; each set weighs the same (the template set has five times the pairs).
The third held-out set (related_heldout3.jsonl) is NOT read here: it is measured once with
``benchmarks/related.py --heldout3`` after the choice is made.

    PYTHONPATH=. python benchmarks/related_model.py            # cross-validation table + coefficients
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
SETS = ("related_labelled", "related_heldout", "related_heldout2")  # never related_heldout3
C = 1.0
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7)
CHAINS = (0.5, 0.75)


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


def fit(data, names):
    x = np.vstack([data[n][0] for n in names])
    y = np.concatenate([data[n][1] for n in names])
    w = np.concatenate([np.full(len(data[n][1]), 1.0 / len(data[n][1])) for n in names])
    model = LogisticRegression(C=C, max_iter=5000).fit(x, y, sample_weight=w * len(w) / w.sum())
    return tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0])


def evaluate(items, cluster, coef, intercept, threshold, chain):
    with mock.patch.object(similar, "PAIR_COEF", coef), mock.patch.object(similar, "PAIR_INTERCEPT", intercept), \
            mock.patch.object(similar, "DUPLICATE_AT", threshold), mock.patch.object(similar, "CHAIN_AT", chain):
        pred = similar.find_duplicates(items)
    correct = sum(1 for item, main, _s in pred if cluster[item.id] == cluster[main.id])
    truth = sum(n - 1 for c, n in Counter(cluster.values()).items() if c.startswith("C"))
    return correct / max(1, len(pred)), correct / truth, len(pred)


def main():
    loaded = {n: load(n) for n in SETS}
    data = {n: pairs(*loaded[n]) for n in SETS}
    for n in SETS:
        print(f"{n}: {len(data[n][1])} pairs in place and window, {int(data[n][1].sum())} of one problem")
    print("\nCross-validation across sets (trained on the other two; precision / recall / predicted):")
    print("| chain | threshold | " + " | ".join(SETS) + " | mean precision | min recall |")
    print("|---|---|" + "---|" * (len(SETS) + 2))
    models = {n: fit(data, [m for m in SETS if m != n]) for n in SETS}
    for chain in CHAINS:
        for t in THRESHOLDS:
            res = [evaluate(*loaded[n], *models[n], t, chain) for n in SETS]
            cells = " | ".join(f"{p:.3f} / {r:.3f} / {k}" for p, r, k in res)
            print(f"| {chain} | {t:.2f} | {cells} | {sum(p for p, _r, _k in res) / len(res):.3f} | "
                  f"{min(r for _p, r, _k in res):.3f} |")
    coef, intercept = fit(data, SETS)
    print("\nTrained on all three sets (paste into assist/similar.py):")
    print("PAIR_COEF = (" + ", ".join(f"{c:.4f}" for c in coef) + ")")
    print(f"PAIR_INTERCEPT = {intercept:.4f}")
    print("\nIn-sample with these coefficients at the shipped threshold "
          f"{similar.DUPLICATE_AT} and chain {similar.CHAIN_AT}:")
    for n in SETS:
        p, r, k = evaluate(*loaded[n], coef, intercept, similar.DUPLICATE_AT, similar.CHAIN_AT)
        print(f"  {n}: precision {p:.3f}, recall {r:.3f}, {k} predicted")


if __name__ == "__main__":
    main()
