"""Train the learned ranker of the law search and report its cross-validation.

    .venv/bin/python benchmarks/lawsearch/train_ranker.py            # CV report + write the model
    .venv/bin/python benchmarks/lawsearch/train_ranker.py --cv-only  # report only

Since the fourth round of issue 20 the shipped model is written by past_tables.py (the same
training, plus every set featurized with the concept table as it was before the set was
written); this script trains the earlier way and is kept for comparison.

Training data: the thirteen question sets of this folder and, since its one untouched run was
recorded, untouched.tsv (TRAIN_SETS; never the held-out sets HELDOUT: heldout2.tsv of the second round,
heldout3.tsv of the third).
For every question the lexical search's first CANDIDATES articles are described by the
features of legalqa/search/rank.py and labelled 1 when they answer it. Cross-validation holds
out one whole set at a time: the model that ranks a set never saw any of its questions. The
final model, trained on all the sets, is written to legalqa/search/ranker_model.json with
its CV figures. Needs the corpus imported (manage.py import_laws)."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
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

from legalqa.search import rank  # noqa: E402
from legalqa.search.engine import CANDIDATES  # noqa: E402
from legalqa.search.index import load_index  # noqa: E402
from legalqa.search.training import Featurizer  # noqa: E402

TRAIN_SETS = ["questions.tsv", "heldout.tsv", "blind.tsv", "fresh.tsv", "final.tsv", "round6.tsv",
              "round7.tsv", "round8.tsv", "round9.tsv", "round10.tsv", "round11.tsv", "round12.tsv",
              "round13.tsv", "untouched.tsv"]
MODEL_VERSION = 1
# Sets this script's 14-set training never uses. heldout2 … heldout8 were untouched scoring sets,
# each measured once, and are training sets of all_sets.py (EXTRA, LATER) since (the coverage sets
# are all_sets.COVERAGE); the untouched
# sets written after them (HELDOUT) are never trained or tuned on by any script.
NOT_TRAINED_HERE = ("heldout2.tsv", "heldout3.tsv", "heldout4.tsv", "heldout5.tsv", "heldout6.tsv", "heldout7.tsv",
                    "heldout8.tsv", "heldout9.tsv", "heldout10.tsv", "coverage_civil.tsv", "coverage_statutes.tsv",
                    "coverage_civil2.tsv", "coverage_statutes2.tsv", "coverage_social3.tsv", "coverage_economy3.tsv",
                    "heldout11.tsv", "coverage_procedure4.tsv", "coverage_commerce4.tsv", "coverage_public4.tsv",
                    "coverage_dense4.tsv", "heldout12.tsv", "coverage_dense5.tsv", "coverage_fill5.tsv",
                    "coverage_public5.tsv", "heldout13.tsv", "heldout14.tsv", "heldout15.tsv",
                    "heldout16.tsv", "narrative1.tsv", "heldout17.tsv", "heldout18.tsv", "heldout19.tsv",
                    "heldout20.tsv")
# heldout8 (measured once at the end of the ninth round) is a training set of all_sets.py since the tenth,
# heldout9 (measured once at the end of the tenth) since the eleventh, heldout10 since the twelfth,
# heldout11 since the thirteenth, heldout12 since the fourteenth
# (heldout13 measured once at the end of the fourteenth round, a training set since the fifteenth; heldout14
# measured once at the end of the fifteenth, a training set since the sixteenth; heldout15 written in the
# fifteenth round, heldout16 in the sixteenth, both measured once at the end of the sixteenth and training
# sets since the seventeenth; heldout17 written at the end of the sixteenth, measured once at the end of the
# seventeenth, when nothing was shipped, a training set since the eighteenth, which wrote heldout18 before any
# change and measured it once at its end; heldout19, the everyday mix, was written at the end of the eighteenth
# for a later round; heldout18 is a training set since the nineteenth, which measures heldout19 once;
# heldout20 was written during the nineteenth for a later round still; heldout19 is a training set since
# the twentieth, which measures heldout20 once; heldout21 was written during the twentieth for a later round;
# heldout20 is a training set since the twenty-first, which measures heldout21 once)
HELDOUT = ("heldout21.tsv",)


def metrics(rows, scorer):
    r1 = r5 = rr = 0.0
    for x, y, lexical in rows:
        if not len(y):
            continue
        s = scorer(x, lexical)
        order = np.argsort(-s, kind="stable")
        ranked = y[order][:10]
        hit = np.flatnonzero(ranked > 0)
        if len(hit):
            rank_ = hit[0] + 1
            r1 += rank_ == 1
            r5 += rank_ <= 5
            rr += 1.0 / rank_
    n = len(rows)
    return {"recall@1": r1 / n, "recall@5": r5 / n, "mrr": rr / n, "n": n}


def lexical(x, lex):
    return lex


def cross_validate(feat, feat_nc, l2, augment, out=print):
    """Leave one set out: train on the other twelve (their memory features without their own
    set and without the held-out one), rank the held-out set (memory without it), with the
    concept table and without it — the condition of a question the table does not cover."""
    out("| held-out set | n | answer among candidates | lexical R@1 | R@5 | MRR | learned R@1 | R@5 | MRR "
        "| no table: lexical R@1 | R@5 | learned R@1 | R@5 |")
    out("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    cv = {}
    tot = {k: np.zeros(3) for k in ("lex", "learn", "lex_nc", "learn_nc")}
    total_n = 0
    for held in TRAIN_SETS:
        train = [g[:2] for n in TRAIN_SETS if n != held for g in feat.rows_for(n, {n, held}) if len(g[1])]
        if augment:
            train += [g[:2] for n in TRAIN_SETS if n != held for g in feat_nc.rows_for(n, {n, held}) if len(g[1])]
        model = rank.train_pairwise(train, l2=l2)
        test = feat.rows_for(held, {held})
        test_nc = feat_nc.rows_for(held, {held})
        res = {
            "lex": metrics(test, lexical), "learn": metrics(test, lambda x, lex, m=model: m.score(x)),
            "lex_nc": metrics(test_nc, lexical), "learn_nc": metrics(test_nc, lambda x, lex, m=model: m.score(x)),
        }
        n = res["lex"]["n"]
        total_n += n
        for k, m in res.items():
            tot[k] += n * np.array([m["recall@1"], m["recall@5"], m["mrr"]])
        ceiling = sum(1 for _, y, _ in test if y.sum() > 0) / n
        cv[held] = {k: {m: round(v, 3) for m, v in r.items() if m != "n"} for k, r in res.items()}
        lx, lr, nl, nr = res["lex"], res["learn"], res["lex_nc"], res["learn_nc"]
        out(f"| {held} | {n} | {ceiling:.2f} | {lx['recall@1']:.3f} | {lx['recall@5']:.3f} | {lx['mrr']:.3f} "
            f"| {lr['recall@1']:.3f} | {lr['recall@5']:.3f} | {lr['mrr']:.3f} "
            f"| {nl['recall@1']:.3f} | {nl['recall@5']:.3f} | {nr['recall@1']:.3f} | {nr['recall@5']:.3f} |")
    mean = {k: (v / total_n).round(3) for k, v in tot.items()}
    out(f"| all (question-weighted) | {total_n} | | {mean['lex'][0]:.3f} | {mean['lex'][1]:.3f} | {mean['lex'][2]:.3f} "
        f"| {mean['learn'][0]:.3f} | {mean['learn'][1]:.3f} | {mean['learn'][2]:.3f} "
        f"| {mean['lex_nc'][0]:.3f} | {mean['lex_nc'][1]:.3f} | {mean['learn_nc'][0]:.3f} | {mean['learn_nc'][1]:.3f} |")
    return cv, mean, total_n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cv-only", action="store_true")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--no-augment", action="store_true",
                        help="train only on the searches with the concept table (by default also on the same "
                             "questions searched without it, the condition of a question the table does not cover)")
    parser.add_argument("--out", default=str(rank.MODEL_PATH))
    parser.add_argument("--sets", default=",".join(TRAIN_SETS),
                        help="training sets (never " + ", ".join(NOT_TRAINED_HERE + HELDOUT) + ")")
    args = parser.parse_args()
    TRAIN_SETS[:] = args.sets.split(",")
    for name in NOT_TRAINED_HERE + HELDOUT:
        if name in TRAIN_SETS:
            parser.error(f"{name} is a held-out set: never train on it")
    augment = not args.no_augment
    idx = load_index()
    sets = {name: load_questions(name) for name in TRAIN_SETS}
    feat = Featurizer(idx, sets)
    feat_nc = Featurizer(idx, sets, expand=False)
    print(f"features: {len(rank.FEATURES)}; candidates per question: {CANDIDATES}; l2 {args.l2}; "
          f"augmented with table-less searches: {augment}\n")
    cv, mean, total_n = cross_validate(feat, feat_nc, args.l2, augment)
    if args.cv_only:
        return
    train = [g[:2] for n in TRAIN_SETS for g in feat.rows_for(n, {n}) if len(g[1])]
    if augment:
        train += [g[:2] for n in TRAIN_SETS for g in feat_nc.rows_for(n, {n}) if len(g[1])]
    # (legalqa.search.training.fit does the same; kept inline to reuse the featurized sets)
    names = ["recall@1", "recall@5", "mrr"]
    meta = {
        "version": MODEL_VERSION,
        "trained_at": datetime.date.today().isoformat(),
        "trained_on": TRAIN_SETS,
        "questions": total_n,
        "candidates": CANDIDATES,
        "l2": args.l2,
        "augmented": augment,
        "cv_leave_one_set_out": {label: dict(zip(names, mean[k].tolist(), strict=True)) for k, label in (
            ("lex", "lexical"), ("learn", "learned"), ("lex_nc", "lexical_no_table"), ("learn_nc", "learned_no_table"))},
        "retrain": "python benchmarks/lawsearch/train_ranker.py",
    }
    model = rank.train_pairwise(train, l2=args.l2, meta=meta)
    Path(args.out).write_text(json.dumps(model.to_json(feat.rows), ensure_ascii=False, indent=0) + "\n",
                              encoding="utf-8")
    top = sorted(zip(rank.FEATURES, model.weights, strict=True), key=lambda t: -abs(t[1]))[:12]
    print("\nwrote", args.out, "; largest weights:", ", ".join(f"{n} {w:+.2f}" for n, w in top))


if __name__ == "__main__":
    main()
