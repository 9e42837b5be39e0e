"""Routing learned from history (智能分派): "which unit ends up handling this", from the text,
kind, category and place of the platform's own confirmed history: the final lead unit of
items completed (办结) without an approved return.

Model: a multinomial logistic regression over character 1–2-grams of title and description
(TF-IDF, sublinear) and indicator features for the kind, the category, the county and the
township, and the category within the county. Its probabilities are shown as the share of
similar past items each unit handled; the rule table's suggestion stays beside them, and
staff choose. Below ``MIN_HISTORY`` items (or with a single unit) there is no model and the
rule table alone suggests.

``evaluate`` trains on the older 80 % and tests on the newest 20 % (a time split) against
the baseline "the most frequent unit for this category and region" (the most specific of
village, township, county with history, then the category anywhere).
"""

from __future__ import annotations

import pickle
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

MIN_HISTORY = 30
TEST_SHARE = 0.2


@dataclass
class Record:
    title: str
    description: str
    kind: str
    category: str
    region_code: str
    unit: object
    created: datetime


def _meta(r: Record) -> str:
    county, town = r.region_code[:6], r.region_code[:9]
    cat = r.category or "none"
    return f"kind_{r.kind} cat_{cat} county_{county} town_{town} catcounty_{cat}_{county}"


class Model:
    """Vectorisers and classifier, picklable; ``rank`` gives (unit, share) best first."""

    def __init__(self):
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.text = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                    max_features=200000)
        self.meta = CountVectorizer(token_pattern=r"\S+", binary=True, lowercase=False)
        self.clf = LogisticRegression(max_iter=2000, C=20.0)

    def _x(self, records: Sequence[Record], fit: bool = False):
        from scipy.sparse import hstack

        texts = [f"{r.title} {r.description}" for r in records]
        metas = [_meta(r) for r in records]
        if fit:
            return hstack([self.text.fit_transform(texts), self.meta.fit_transform(metas)]).tocsr()
        return hstack([self.text.transform(texts), self.meta.transform(metas)]).tocsr()

    def fit(self, records: Sequence[Record]) -> Model:
        self.clf.fit(self._x(records, fit=True), [str(r.unit) for r in records])
        return self

    def proba(self, records: Sequence[Record]) -> np.ndarray:
        return self.clf.predict_proba(self._x(records))

    @property
    def units(self) -> list[str]:
        return list(self.clf.classes_)

    def rank(self, record: Record, k: int = 3, allowed=None) -> list[tuple[str, float]]:
        p = self.proba([record])[0]
        order = np.argsort(-p)
        out = []
        for i in order:
            unit = self.clf.classes_[i]
            if allowed is not None and unit not in allowed:
                continue
            out.append((unit, float(p[i])))
            if len(out) >= k:
                break
        return out

    def dumps(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(data: bytes) -> Model:
        return pickle.loads(data)  # noqa: S301 — our own model, stored by our own code in our database


def can_learn(records: Sequence[Record]) -> bool:
    return len(records) >= MIN_HISTORY and len({str(r.unit) for r in records}) >= 2


class Baseline:
    """The most frequent unit for this category and region (village → township → county →
    the category anywhere → overall)."""

    def __init__(self, records: Sequence[Record]):
        self.by: dict[tuple, Counter] = defaultdict(Counter)
        for r in records:
            for key in self._keys(r):
                self.by[key][str(r.unit)] += 1

    @staticmethod
    def _keys(r: Record):
        c = r.category or "none"
        return [("v", c, r.region_code), ("t", c, r.region_code[:9]), ("c", c, r.region_code[:6]), ("cat", c),
                ("all",)]

    def predict(self, r: Record) -> str | None:
        for key in self._keys(r):
            if self.by.get(key):
                return self.by[key].most_common(1)[0][0]
        return None


def evaluate(records: Sequence[Record]) -> dict:
    """Time split: train on the older 80 %, test on the newest 20 %."""
    ordered = sorted(records, key=lambda r: r.created)
    cut = int(len(ordered) * (1 - TEST_SHARE))
    train, test = ordered[:cut], ordered[cut:]
    result = {"n_train": len(train), "n_test": len(test), "top1": None, "top3": None, "baseline_top1": None}
    if not test or not can_learn(train):
        return result
    model = Model().fit(train)
    p = model.proba(test)
    classes = model.clf.classes_
    top = np.argsort(-p, axis=1)[:, :3]
    truth = [str(r.unit) for r in test]
    result["top1"] = round(float(np.mean([classes[t[0]] == y for t, y in zip(top, truth, strict=True)])), 4)
    result["top3"] = round(float(np.mean([y in classes[t] for t, y in zip(top, truth, strict=True)])), 4)
    base = Baseline(train)
    result["baseline_top1"] = round(float(np.mean([base.predict(r) == y for r, y in zip(test, truth,
                                                                                          strict=True)])), 4)
    return result
