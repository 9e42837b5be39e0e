"""Pooled judgment of first answers (issue 20, fifteenth round): a second reading of recall@1 that
does not depend on whether a set's writer listed every article that answers a question.

A set's key usually names one or two articles; a search's first hit outside the key may still be an
article whose own text answers the question (the employer's duty beside the worker's right, the
general rule beside the special one). The confusion analysis of the fourteenth round found 159 of
467 first places lost to another law's article, many such. Scoring every system against the same
extended key is the pooling of TREC: the first hits of *every* ranker of an ``evaluate.py --dump``
run that are not in the key are pooled, shuffled and judged by someone who sees only the question
and the article (not which ranker proposed it, nor the key), and each ranker's recall@1 is then
counted against the key plus the articles judged to answer. The figures with the set's own key
stay the measured ones; this is reported beside them, for every ranker alike.

    .venv/bin/python benchmarks/lawsearch/evaluate.py --sets heldout14.tsv --rankers char,full,learned_dense,learned \\
        --dump /tmp/h14.jsonl
    .venv/bin/python benchmarks/lawsearch/pooled.py make /tmp/h14.jsonl --out benchmarks/lawsearch/judged_heldout14.tsv
    (the judge writes 是 or 否 in the verdict column of every row)
    .venv/bin/python benchmarks/lawsearch/pooled.py score /tmp/h14.jsonl --judged benchmarks/lawsearch/judged_heldout14.tsv
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

HEADER = ("# pooled first answers outside the key; verdict 是 when the article's own text gives the rule that "
          "answers the question (what a lawyer would cite for it), 否 otherwise; columns: id, question, article, "
          "verdict, text")


def article_texts(keys: list[str]) -> dict[str, str]:
    """Each answer key's article text, resolved as the search and its memory resolve keys (the
    indexed version in force: memory.KeyRows), in one query; "" for a key the index lacks."""
    import django

    django.setup()
    from legalqa.models import Article
    from legalqa.search.index import load_index
    from legalqa.search.memory import _key_rows, parse_answers

    idx = load_index()
    rows = _key_rows(idx)
    found = {k: rows.get(parsed) for k, parsed in zip(keys, parse_answers([{"a": keys}])[0], strict=True)}
    ids = {k: int(idx["article_id"][d]) for k, d in found.items() if d is not None}
    texts = Article.objects.in_bulk(set(ids.values()))
    return {k: texts[ids[k]].text.replace("\t", " ").replace("\n", " ") if k in ids else "" for k in keys}


def make(rows: list[dict], out: Path, k: int, controls: int) -> int:
    pool = {}
    for r in rows:
        for hit in r["top5"][:k]:
            if hit not in r["gold"]:
                pool[(r["q"], hit)] = True
    # controls: the key's own first article for some questions, mixed in unmarked, so the judge's agreement
    # with the set's writer is measured too (score ignores them for recall)
    golds = list({r["q"]: r["gold"][0] for r in rows if r["gold"]}.items())
    for q, g in random.Random(11).sample(golds, min(controls, len(golds))):
        pool[(q, g)] = True
    items = list(pool)
    random.Random(20261130).shuffle(items)  # no ranker's order shows through
    texts = article_texts(sorted({hit for _, hit in items}))
    lines = [HEADER]
    for i, (q, hit) in enumerate(items, 1):
        lines.append(f"{i}\t{q}\t{hit}\t\t{texts[hit]}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(items)


def read_judged(path: Path) -> dict[tuple[str, str], bool]:
    """(question, article) → judged to answer."""
    judged = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        _, q, hit, verdict, *_ = line.split("\t")
        if verdict.strip() not in ("是", "否"):
            raise SystemExit(f"not judged: {q} {hit}")
        judged[(q, hit)] = verdict.strip() == "是"
    return judged


def score(rows: list[dict], judged: dict[tuple[str, str], bool]) -> dict[str, tuple[int, float, float]]:
    """ranker → (questions, recall@1 with the key, recall@1 with the key and the judged answers)."""
    out: dict[str, list] = {}
    for r in rows:
        top = r["top5"][:1]
        own = bool(top) and top[0] in r["gold"]
        pooled = own or (bool(top) and judged.get((r["q"], top[0]), False))
        acc = out.setdefault(r["ranker"], [0, 0, 0])
        acc[0] += 1
        acc[1] += own
        acc[2] += pooled
    return {name: (n, a / n, b / n) for name, (n, a, b) in out.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["make", "score"])
    parser.add_argument("dump", help="evaluate.py --dump file")
    parser.add_argument("--out", default="")
    parser.add_argument("--judged", default="")
    parser.add_argument("--k", type=int, default=1, help="pool each ranker's first k hits")
    parser.add_argument("--controls", type=int, default=30, help="key articles mixed in unmarked (make)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.dump).read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.mode == "make":
        print(f"{make(rows, Path(args.out), args.k, args.controls)} pooled hits to judge written to {args.out}")
        return
    judged = read_judged(Path(args.judged))
    gold = {(r["q"], g) for r in rows for g in r["gold"]}
    controls = [v for pair, v in judged.items() if pair in gold]
    if controls:
        print(f"controls (the set's own key, unmarked): {sum(controls)} of {len(controls)} judged to answer")
    judged = {pair: v for pair, v in judged.items() if pair not in gold}
    missing = {(r["q"], r["top5"][0]) for r in rows if r["top5"] and r["top5"][0] not in r["gold"]} - set(judged)
    if missing:
        raise SystemExit(f"{len(missing)} first hits outside the key were not judged (another dump?)")
    print(f"{sum(judged.values())} of {len(judged)} pooled hits judged to answer")
    print("| ranker | questions | recall@1 (set's key) | recall@1 (key + judged) |")
    print("|---|---|---|---|")
    for name, (n, own, pooled) in score(rows, judged).items():
        print(f"| {name} | {n} | {own:.3f} | {pooled:.3f} |")


if __name__ == "__main__":
    main()
