"""Writes assist/text_rates.tsv: in how many of a reference set of appeals each text feature of
``assist.similar.features`` occurs (features in at least 3 texts). A page compares a new text
with a handful of candidates, too few for an inverse document frequency; ``similar.Weights``
counts such a page as if it had ``MIN_DOCS`` texts, the missing ones typical appeals with these
rates (a character like 楼 or 下 is common, a name is not).

Reference texts: the generated routing history (benchmarks/data/routing_text_500.jsonl) and the
three earlier duplicate sets (labelled, held-out, second held-out); never the third held-out set.

    PYTHONPATH=. python benchmarks/related_rates.py
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from assist import similar  # noqa: E402

DATA = Path(__file__).parent / "data"
SOURCES = ("routing_text_500", "related_labelled", "related_heldout", "related_heldout2")
MIN_COUNT = 3


def main():
    docs = 0
    df: Counter[str] = Counter()
    for name in SOURCES:
        for line in (DATA / f"{name}.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            df.update(similar.features(similar.item_text(row["title"], row["description"])).keys())
            docs += 1
    kept = sorted(((g, k) for g, k in df.items() if k >= MIN_COUNT), key=lambda gk: (-gk[1], gk[0]))
    similar.RATES_PATH.write_text(f"{docs}\n" + "".join(f"{g}\t{k}\n" for g, k in kept), encoding="utf-8")
    print(f"{docs} texts, {len(kept)} features in at least {MIN_COUNT} -> {similar.RATES_PATH}")


if __name__ == "__main__":
    main()
