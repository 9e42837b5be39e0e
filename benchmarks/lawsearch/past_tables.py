"""Train the learned ranker on each question set featurized with the concept table *as it was
before that set was written* (issue 20, fourth round), and compare with the shipped training.

    .venv/bin/python benchmarks/lawsearch/past_tables.py                  # CV + heldout2
    .venv/bin/python benchmarks/lawsearch/past_tables.py --heldout heldout2.tsv,heldout3.tsv
    .venv/bin/python benchmarks/lawsearch/past_tables.py --write past_current  # write that model

Why: the concept table (legalqa/search/concepts.py, SEED) was revised against the misses of
every training set. Featurized with today's table, a training question looks as if the table
had been written for it, so the ranker learns to trust the concept features more than they
deserve on a question nobody has seen. The table as it was just before a set was committed
is the table that set's first, untouched run met: with it, the training data says how far
the concepts carry on new wording.

The table before a set is ``git show <commit>^:legalqa/search/concepts.py`` where <commit>
added the set (PAST_TABLE below; `git log --diff-filter=A -- benchmarks/lawsearch/<set>`);
its SEED is parsed with the current parser and used in place of the database's table while
that set is featurized (candidates and features). Staff-added concepts are not in the history;
the database here holds the seed only.

Training conditions (each question set featurized once per condition):
  current  the shipped table (what the shipped model trains on)
  past     the table before the set was written
  none     no table (the shipped training's augmentation)
Variants are the unions of conditions the ranker trains on. Cross-validation holds out one
whole set (train on the 13 others, memory without the held-out set) and scores the held-out
set with its *past* table (the condition of new questions: the honest estimate), with the
current table (how the shipped CV scored it) and without a table. Held-out scoring sets
(heldout2.tsv, heldout3.tsv) are never trained on; they are scored with the current table,
the memory holding the 14 training sets, as the shipped search would run."""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from evaluate import load_questions  # noqa: E402
from train_ranker import HELDOUT, NOT_TRAINED_HERE, TRAIN_SETS, metrics  # noqa: E402

from legalqa.search import concepts as concepts_mod  # noqa: E402
from legalqa.search import rank  # noqa: E402
from legalqa.search.concepts import Concept  # noqa: E402
from legalqa.search.engine import CANDIDATES  # noqa: E402
from legalqa.search.index import load_index  # noqa: E402
from legalqa.search.tokens import normalize  # noqa: E402
from legalqa.search.training import Featurizer  # noqa: E402

CONCEPTS_PATH = "legalqa/search/concepts.py"
# set → the commit whose concepts.py is the table before the set was written (the parent of
# the commit that added the set). questions.tsv and heldout.tsv were added with the first
# table itself (683801d): before them there was only the corpus import's small table.
PAST_TABLE = {
    "questions.tsv": "683801d^", "heldout.tsv": "683801d^", "blind.tsv": "7051fec^",
    "fresh.tsv": "0efae55^", "final.tsv": "ba3003c^", "round6.tsv": "710e064^", "round7.tsv": "9743537^",
    "round8.tsv": "5cea8b0^", "round9.tsv": "05a6d9a^", "round10.tsv": "bd7fea8^", "round11.tsv": "1d99a25^",
    "round12.tsv": "b796d46^", "round13.tsv": "10bdad8^", "untouched.tsv": "f055862^",
}
VARIANTS = {
    "shipped": ("current", "none"),
    "past_none": ("past", "none"),
    "past_current": ("past", "current", "none"),
    "past_only": ("past",),
    # the shipped training, without the features that read the concept table directly
    "shipped_noconcept": ("current", "none"),
    "past_current_noconcept": ("past", "current", "none"),
}
# features computed from the hand-written table (its terms' BM25 and coverage, the laws and
# chapters it prefers, how many concepts prefer a law); zeroed in the *_noconcept variants.
# The candidates and the lexical score (final_*, inv_rank) still include the table's terms.
CONCEPT_FEATURES = ["concept_ratio", "concept_log", "soft_ratio", "soft_log", "concept_cover",
                    "heading_concept_cover", "law_preferred", "chapter_preferred", "outside_table",
                    "law_concepts_log", "no_concept"]


def masked(rows, variant):
    """``rows`` with the concept features zeroed when the variant does without them."""
    if not variant.endswith("_noconcept"):
        return rows
    cols = [rank.FEATURES.index(f) for f in CONCEPT_FEATURES]
    out = []
    for row in rows:
        x = row[0].copy()
        x[:, cols] = 0.0
        out.append((x, *row[1:]))
    return out


def _seed_text(rev: str) -> str:
    source = subprocess.run(["git", "show", f"{rev}:{CONCEPTS_PATH}"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SEED" for t in node.targets):
            return node.value.value
    raise ValueError(f"no SEED in {rev}:{CONCEPTS_PATH}")


def table_at(rev: str) -> list[Concept]:
    """The seed concept table of ``rev``, built as concepts._load builds the database's rows."""
    out = []
    for line in _seed_text(rev).strip().splitlines():
        field, name, triggers, terms, laws = (part.strip() for part in line.split("|"))
        trigs = [[p for p in t.split("+") if p] for t in triggers.split()]
        out.append(Concept(
            name=name, field=field,
            triggers=tuple(tuple(tuple(normalize(a) for a in part.split("/") if a.strip()) for part in t)
                           for t in trigs if t),
            terms=tuple(terms.split()), laws=tuple(laws.split()),
        ))
    return out


@contextlib.contextmanager
def using_table(table: list[Concept] | None):
    """Search and featurize with ``table`` instead of the database's (None: the database's)."""
    if table is None:
        yield
        return
    saved = concepts_mod._load
    concepts_mod._load = lambda: table
    try:
        yield
    finally:
        concepts_mod._load = saved


class TableFeaturizer:
    """Candidates and features of every set, each set searched and featurized under a table of
    its own (``tables``; None or missing: the database's). The memory of answered questions is
    the training sets only, as in the shipped model; a training set's own questions are left
    out of its evidence (Featurizer.rows_for's ``exclude``)."""

    def __init__(self, idx, memory_sets: dict[str, list], sets: dict[str, list],
                 tables: dict[str, list[Concept] | None], expand=True):
        from legalqa.search.engine import build_query, memory_candidates, score_candidates
        from legalqa.search.memory import Memory, evidence
        from legalqa.search.training import memory_rows

        self.tables = tables
        feat = Featurizer.__new__(Featurizer)
        feat.idx = idx
        feat.sets = memory_sets
        rows = []
        feat.ids = {}
        for name, questions in memory_sets.items():
            start = len(rows)
            rows.extend(memory_rows(questions))
            feat.ids[name] = set(range(start, len(rows)))
        key = tuple(memory_sets)
        if key not in _memory_cache:
            _memory_cache[key] = Memory.from_rows(rows)
        feat.memory = _memory_cache[key]
        feat.rows = rows
        feat.cands = {}
        for name, questions in sets.items():
            out = []
            with using_table(tables.get(name)):
                for item in questions:
                    q = build_query(item["q"], idx["vocab"], expand=expand)
                    ev = evidence(feat.memory, idx, item["q"], exclude=feat.ids.get(name))
                    cand = score_candidates(idx, item["q"], q, q.prefer, CANDIDATES, memory_candidates(ev))
                    out.append((item, cand))
            feat.cands[name] = out
        self.feat = feat

    def rows_for(self, name, exclude):
        exclude = {n for n in exclude if n in self.feat.ids} or set()
        with using_table(self.tables.get(name)):
            if not exclude:
                # Featurizer.rows_for needs one set to exclude; a held-out set excludes nothing
                self.feat.ids.setdefault("", set())
                exclude = {""}
            return self.feat.rows_for(name, exclude)


_memory_cache: dict = {}


def fmt(m):
    return f"{m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['mrr']:.3f}"


def learned(model):
    return lambda x, lex: model.score(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--l2", default="1")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--heldout", default="heldout2.tsv",
                        help="held-out scoring sets to score (never trained on)")
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--write", default="", help="variant whose model (trained on all 14 sets) to write "
                        "to legalqa/search/ranker_model.json")
    parser.add_argument("--l2-write", type=float, default=1.0)
    args = parser.parse_args()
    started = time.time()
    variants = args.variants.split(",")
    l2s = [float(v) for v in args.l2.split(",")]
    held = [h for h in args.heldout.split(",") if h]
    for h in held:
        assert h in NOT_TRAINED_HERE + HELDOUT, h
    idx = load_index()
    sets = {name: load_questions(name) for name in TRAIN_SETS + held}
    past = {name: table_at(PAST_TABLE[name]) for name in TRAIN_SETS}
    print("tables before each set (concepts):", ", ".join(f"{n} {len(t)}" for n, t in past.items()))
    train = {n: sets[n] for n in TRAIN_SETS}
    feats = {
        "current": TableFeaturizer(idx, train, sets, {}),
        "past": TableFeaturizer(idx, train, train, past),
        "none": TableFeaturizer(idx, train, sets, {}, expand=False),
    }
    print(f"featurized in {time.time() - started:.0f} s; features {len(rank.FEATURES)}\n")

    def train_rows(conds, train_sets, exclude_extra):
        out = []
        for c in conds:
            for n in train_sets:
                ex = {n} | exclude_extra
                out += [g[:2] for g in feats[c].rows_for(n, ex) if len(g[1])]
        return out

    results = {}
    if not args.no_cv:
        tot = {}
        total_n = 0
        for fold in TRAIN_SETS:
            others = [n for n in TRAIN_SETS if n != fold]
            tests = {c: feats[c].rows_for(fold, {fold})
                     for c in ("past", "current", "none")}
            n = len(tests["past"])
            total_n += n
            line = [fold, str(n)]
            for v in variants:
                for l2 in l2s:
                    model = rank.train_pairwise(masked(train_rows(VARIANTS[v], others, {fold}), v), l2=l2)
                    for c, rows in tests.items():
                        m = metrics(masked(rows, v), learned(model))
                        key = (v, l2, c)
                        tot.setdefault(key, np.zeros(3))
                        tot[key] += n * np.array([m["recall@1"], m["recall@5"], m["mrr"]])
                        if c == "past":
                            line.append(f"{v}/{l2}: {fmt(m)}")
            print(" | ".join(line), flush=True)
        print("\nCV, leave one set out, question-weighted over", total_n, "questions:")
        print("| variant | l2 | past table R@1 | R@5 | MRR | current table R@1 | R@5 | MRR | no table R@1 | R@5 | MRR |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for v in variants:
            for l2 in l2s:
                cells = []
                for c in ("past", "current", "none"):
                    a = tot[(v, l2, c)] / total_n
                    cells.append(f"{a[0]:.3f} | {a[1]:.3f} | {a[2]:.3f}")
                    results[f"cv/{v}/{l2}/{c}"] = a.round(3).tolist()
                print(f"| {v} | {l2} | " + " | ".join(cells) + " |")
    if held:
        print("\nheld-out scoring sets (current table; memory = the 14 training sets):")
        print("| set | variant | l2 | R@1 | R@5 | MRR | no table R@1 | R@5 | MRR |")
        print("|---|---|---|---|---|---|---|---|---|")
        for v in variants:
            for l2 in l2s:
                model = rank.train_pairwise(masked(train_rows(VARIANTS[v], TRAIN_SETS, set()), v), l2=l2)
                for h in held:
                    m = metrics(masked(feats["current"].rows_for(h, set()), v), learned(model))
                    mn = metrics(masked(feats["none"].rows_for(h, set()), v), learned(model))
                    results[f"{h}/{v}/{l2}"] = [m["recall@1"], m["recall@5"], m["mrr"]]
                    print(f"| {h} | {v} | {l2} | {fmt(m)} | {fmt(mn)} |", flush=True)
    if args.write:
        v = args.write
        names = ["recall@1", "recall@5", "mrr"]
        cv = {label: dict(zip(names, results[f"cv/{v}/{args.l2_write}/{c}"], strict=True))
              for c, label in (("current", "learned"), ("past", "learned_past_table"), ("none", "learned_no_table"))
              if f"cv/{v}/{args.l2_write}/{c}" in results}
        meta = {
            "version": 1, "trained_at": datetime.date.today().isoformat(), "trained_on": TRAIN_SETS,
            "questions": sum(len(sets[n]) for n in TRAIN_SETS), "candidates": CANDIDATES, "l2": args.l2_write,
            "augmented": True, "conditions": list(VARIANTS[v]), "past_tables": PAST_TABLE,
            "cv_leave_one_set_out": cv,
            "retrain": f"python benchmarks/lawsearch/past_tables.py --variants {v} --l2 {args.l2_write:g} "
                       f"--heldout '' --write {v}",
        }
        model = rank.train_pairwise(masked(train_rows(VARIANTS[v], TRAIN_SETS, set()), v), l2=args.l2_write, meta=meta)
        # the memory rows of the 14 training sets only, in TRAIN_SETS order (as train_ranker.py writes them)
        from legalqa.search.training import memory_rows
        mem = [r for n in TRAIN_SETS for r in memory_rows(sets[n])]
        rank.MODEL_PATH.write_text(json.dumps(model.to_json(mem), ensure_ascii=False, indent=0) + "\n",
                                   encoding="utf-8")
        top = sorted(zip(rank.FEATURES, model.weights, strict=True), key=lambda t: -abs(t[1]))[:12]
        print("\nwrote", rank.MODEL_PATH, "; largest weights:", ", ".join(f"{n} {w:+.2f}" for n, w in top))
    print(f"\ndone in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
