"""Train the learned ranker on every answered question set, heldout2.tsv and heldout3.tsv
included (issue 20, fifth round), and compare with the 14-set training by cross-validation
that holds out one whole set at a time.

    .venv/bin/python benchmarks/lawsearch/all_sets.py                 # CV of both trainings
    .venv/bin/python benchmarks/lawsearch/all_sets.py --write 16      # write the 16-set model
    .venv/bin/python benchmarks/lawsearch/all_sets.py --no-cv --heldout heldout4.tsv

heldout4.tsv (fifth round), heldout5.tsv (sixth round) and heldout6.tsv (seventh round) were untouched
sets, each scored once at the end of its round; since the eighth round (every one of them measured)
they are training sets too (LATER; the "19" training); heldout7.tsv (eighth round, measured once)
since the ninth (the "20" training); heldout8.tsv (ninth round, measured once) since the tenth (the
"21" training), heldout9.tsv (tenth round, measured once at its end, 2026-11-30) since the eleventh (the
"22" training), heldout10.tsv (eleventh round, measured once at its end) since the twelfth (the "23"
trainings), heldout11.tsv (twelfth round, measured once at its end) since the thirteenth (the "24"
trainings), heldout12.tsv (thirteenth round, measured once at its end) since the fourteenth (the "25"
trainings), heldout13.tsv (fourteenth round, measured once at its end) since the fifteenth (the "26"
trainings), heldout14.tsv (fifteenth round, measured once at its end) since the sixteenth (the "27"
trainings), heldout15.tsv and heldout16.tsv (both measured once at the end of the sixteenth) and narrative1.tsv
(NARRATIVE: 200 narratives written as training at its end) since the seventeenth (the "30" trainings),
heldout17.tsv (measured once at the end of the seventeenth) since the eighteenth (the "31" trainings),
heldout18.tsv (measured once at the end of the eighteenth) since the nineteenth (the "32" trainings),
heldout19.tsv (measured once at the end of the nineteenth) since the twentieth (the "33" trainings),
heldout20.tsv (measured once at the end of the twentieth) since the twenty-first (the "34" trainings). The
untouched sets written after them (train_ranker.HELDOUT: heldout21.tsv and any later one) are never
trained on.

Tenth round: COVERAGE holds answered questions written for articles no earlier set asked about
(two per article, coverage_civil.tsv and coverage_statutes.tsv; doc2query done by writers). They
are training and memory only (the "21cov" training), never a fold's test set, and never count in
a question's novelty (the new-article split stays that of the real sets).
Eleventh round: COVERAGE2 (coverage_civil2.tsv, coverage_statutes2.tsv), written like them but for
any article an ordinary person could ask about that the first coverage sets did not cover (articles
an answered set uses included), memory only (the "22mem2" training). Twelfth round: COVERAGE3
(coverage_social3.tsv, coverage_economy3.tsv), the same rule for laws no coverage round had taken
(the "23mem3" training). Thirteenth round: COVERAGE4 (coverage_procedure4, coverage_commerce4,
coverage_public4: articles no round had covered; coverage_dense4: two more questions each for articles of
the most-asked laws, other situations than the questions that already target them), memory only (the
"24mem4" training). Fourteenth round: COVERAGE5 (coverage_dense5: more phrasings for covered articles of
the most-asked laws; coverage_fill5: a second question for coverage_procedure4's one-question articles, and
articles of the procedure laws and 农村土地承包法 no round had covered; coverage_public5: public-life laws),
memory only (the "25mem5" training).

Both trainings are the shipped kind (past_tables.py, variant past_current: every set
featurized with the concept table before it was written, with today's table and with none;
pairwise logistic loss, L2 1). A fold holds out one of the 16 sets: the "14" training learns
from the other sets of the 14 (heldout2/heldout3 never enter its memory or its training, as
shipped until now), the "16" training from all 15 others, its memory holding them too. The held
out set is scored with the table before it (for heldout2 and heldout3 that is today's: the table
has not changed since 4161a86). The candidate ceiling is the share of questions with an
answering article among the ranker's candidates (lexical top 40 + up to 10 from the memory)."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from evaluate import load_questions  # noqa: E402
from past_tables import PAST_TABLE, TableFeaturizer, fmt, learned, table_at  # noqa: E402
from train_ranker import HELDOUT, TRAIN_SETS, metrics  # noqa: E402

from legalqa.search import engine, memory, rank  # noqa: E402
from legalqa.search.engine import CANDIDATES  # noqa: E402
from legalqa.search.index import load_index  # noqa: E402
from legalqa.search.training import memory_rows  # noqa: E402

EXTRA = ["heldout2.tsv", "heldout3.tsv"]
# measured once each at the end of the fifth, sixth and seventh rounds; training sets since the eighth
# (heldout7: measured once at the end of the eighth round, a training set since the ninth; … heldout13: the
# fourteenth, a training set since the fifteenth)
LATER = ["heldout4.tsv", "heldout5.tsv", "heldout6.tsv", "heldout7.tsv", "heldout8.tsv", "heldout9.tsv",
         "heldout10.tsv", "heldout11.tsv", "heldout12.tsv", "heldout13.tsv", "heldout14.tsv", "heldout15.tsv",
         "heldout16.tsv", "heldout17.tsv", "heldout18.tsv", "heldout19.tsv", "heldout20.tsv"]
# sixteenth round: narratives as residents type them (a story, then the question), written as training
NARRATIVE = ["narrative1.tsv"]
ALL_SETS = TRAIN_SETS + EXTRA + LATER + NARRATIVE
# tenth round: written for unasked articles (training and memory only, never scored)
COVERAGE = ["coverage_civil.tsv", "coverage_statutes.tsv"]
# eleventh round: the second coverage round (memory only)
COVERAGE2 = ["coverage_civil2.tsv", "coverage_statutes2.tsv"]
# twelfth round: the third coverage round (memory only)
COVERAGE3 = ["coverage_social3.tsv", "coverage_economy3.tsv"]
# thirteenth round: the fourth coverage round (memory only): three for articles no round covered yet, one
# more pair of questions for articles of the most-asked laws that have some already (coverage_dense4)
COVERAGE4 = ["coverage_procedure4.tsv", "coverage_commerce4.tsv", "coverage_public4.tsv", "coverage_dense4.tsv"]
# fourteenth round: the fifth coverage round (memory only): more phrasings for covered articles of the most-asked
# laws (coverage_dense5), a second question for coverage_procedure4's one-question articles and the procedure
# laws and 农村土地承包法 (coverage_fill5), public-life laws (coverage_public5)
COVERAGE5 = ["coverage_dense5.tsv", "coverage_fill5.tsv", "coverage_public5.tsv"]
PAST = {**PAST_TABLE, "heldout2.tsv": "c699406^", "heldout3.tsv": "c0d83eb^",
        "heldout4.tsv": "f5b7026^", "heldout5.tsv": "a138ef3^", "heldout6.tsv": "ca0220c^",
        "heldout7.tsv": "063de40^", "heldout8.tsv": "2112f92^", "heldout9.tsv": "6776635^", "heldout10.tsv": "ca0dafb^",
        "heldout11.tsv": "a1441a3^", "heldout12.tsv": "5203144^", "heldout13.tsv": "f8b31a9^", "heldout14.tsv": "87aaf51^",
        "heldout15.tsv": "964ffcf^", "heldout16.tsv": "6bc31b1^", "narrative1.tsv": "a2c6489^",
        "heldout17.tsv": "71b2faa^", "heldout18.tsv": "a6ec452^", "heldout19.tsv": "92103e2^",
        "heldout20.tsv": "c894a36^",
        "coverage_civil.tsv": "36cc395^", "coverage_statutes.tsv": "36cc395^",
        # the concept table has not changed since the first coverage sets
        "coverage_civil2.tsv": "34a5825", "coverage_statutes2.tsv": "34a5825",
        "coverage_social3.tsv": "2f0dae9", "coverage_economy3.tsv": "2f0dae9",
        **{name: "6f82311" for name in COVERAGE4 + COVERAGE5}}
CONDITIONS = ("past", "current", "none")
_33 = [s for s in ALL_SETS if s != "heldout20.tsv"]
_32 = [s for s in _33 if s != "heldout19.tsv"]
_31 = [s for s in _32 if s != "heldout18.tsv"]
_30 = [s for s in _31 if s != "heldout17.tsv"]
_27 = [s for s in _30 if s not in ("heldout15.tsv", "heldout16.tsv", "narrative1.tsv")]
_26 = [s for s in _27 if s != "heldout14.tsv"]
_25 = [s for s in _26 if s != "heldout13.tsv"]
_24 = [s for s in _25 if s != "heldout12.tsv"]
_23 = [s for s in _24 if s != "heldout11.tsv"]
_22 = [s for s in _23 if s != "heldout10.tsv"]
_21 = [s for s in _22 if s != "heldout9.tsv"]
TRAININGS = {"14": TRAIN_SETS, "16": TRAIN_SETS + EXTRA,
             "19": [s for s in _21 if s not in ("heldout7.tsv", "heldout8.tsv")],
             "20": [s for s in _21 if s != "heldout8.tsv"], "21": _21, "21cov": _21 + COVERAGE,
             # the coverage sets in the memory only, never training queries (novelty_cv's split21mem)
             "21mem": _21 + COVERAGE,
             # eleventh round: heldout9 joins; the second coverage round (memory only)
             "22": _22, "22mem": _22 + COVERAGE, "22mem2": _22 + COVERAGE + COVERAGE2,
             # twelfth round: heldout10 joins; the third coverage round (memory only)
             "23mem2": _23 + COVERAGE + COVERAGE2, "23mem3": _23 + COVERAGE + COVERAGE2 + COVERAGE3,
             # thirteenth round: heldout11 joins; the fourth coverage round (memory only)
             "24mem3": _24 + COVERAGE + COVERAGE2 + COVERAGE3,
             "24mem4": _24 + COVERAGE + COVERAGE2 + COVERAGE3 + COVERAGE4,
             # fourteenth round: heldout12 joins; the fifth coverage round (memory only)
             "25mem4": _25 + COVERAGE + COVERAGE2 + COVERAGE3 + COVERAGE4,
             "25mem5": _25 + COVERAGE + COVERAGE2 + COVERAGE3 + COVERAGE4 + COVERAGE5,
             # fifteenth round: heldout13 joins
             "26mem5": _26 + COVERAGE + COVERAGE2 + COVERAGE3 + COVERAGE4 + COVERAGE5,
             # sixteenth round: heldout14 joins
             "27mem5": _27 + COVERAGE + COVERAGE2 + COVERAGE3 + COVERAGE4 + COVERAGE5,
             # seventeenth round: heldout15, heldout16 and the narratives join
             "30mem5": _30 + COVERAGE + COVERAGE2 + COVERAGE3 + COVERAGE4 + COVERAGE5,
             # eighteenth round: heldout17 joins
             "31mem5": _31 + COVERAGE + COVERAGE2 + COVERAGE3 + COVERAGE4 + COVERAGE5,
             # nineteenth round: heldout18 joins
             "32mem5": _32 + COVERAGE + COVERAGE2 + COVERAGE3 + COVERAGE4 + COVERAGE5,
             # twentieth round: heldout19 joins
             "33mem5": _33 + COVERAGE + COVERAGE2 + COVERAGE3 + COVERAGE4 + COVERAGE5,
             # twenty-first round: heldout20 joins
             "34mem5": ALL_SETS + COVERAGE + COVERAGE2 + COVERAGE3 + COVERAGE4 + COVERAGE5}
# trainings whose coverage sets are memory only, never training queries
MEMORY_ONLY = {"21mem", "22mem", "22mem2", "23mem2", "23mem3", "24mem3", "24mem4", "25mem4", "25mem5", "26mem5", "27mem5", "30mem5", "31mem5", "32mem5", "33mem5",
               "34mem5"}


def ceiling(rows):
    n = len(rows)
    return sum(1 for _, y, _ in rows if len(y) and y.max() > 0) / max(n, 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--heldout", default="", help="untouched sets to score (train_ranker.HELDOUT)")
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--trainings", default="16,19")
    parser.add_argument("--write", default="", help="training (14 or 16) whose model to write")
    parser.add_argument("--neighbours", type=int, default=memory.NEIGHBOURS)
    parser.add_argument("--memory-candidates", type=int, default=engine.MEMORY_CANDIDATES)
    args = parser.parse_args()
    memory.NEIGHBOURS, engine.MEMORY_CANDIDATES = args.neighbours, args.memory_candidates
    print(f"memory: {memory.NEIGHBOURS} neighbours, {engine.MEMORY_CANDIDATES} candidates")
    started = time.time()
    held = [h for h in args.heldout.split(",") if h]
    for h in held:
        assert h in HELDOUT and h not in ALL_SETS, h
    trainings = args.trainings.split(",")
    idx = load_index()
    sets = {name: load_questions(name) for name in ALL_SETS + held}
    past = {name: table_at(PAST[name]) for name in ALL_SETS}
    print("tables before each set (concepts):", ", ".join(f"{n} {len(t)}" for n, t in past.items()))
    train = {n: sets[n] for n in ALL_SETS}
    feats = {
        "current": TableFeaturizer(idx, train, sets, {}),
        "past": TableFeaturizer(idx, train, train, past),
        "none": TableFeaturizer(idx, train, sets, {}, expand=False),
    }
    print(f"featurized in {time.time() - started:.0f} s; features {len(rank.FEATURES)}\n", flush=True)

    def train_rows(train_sets, exclude_extra):
        out = []
        for c in CONDITIONS:
            for n in train_sets:
                out += [g[:2] for g in feats[c].rows_for(n, {n} | exclude_extra) if len(g[1])]
        return out

    results = {}
    if not args.no_cv:
        tot = {}
        print("| held-out set | n | training | ceiling | past table R@1 | R@5 | MRR | today's table R@1 | R@5 | MRR | no table R@1 | R@5 | MRR |")
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for fold in ALL_SETS:
            n = len(sets[fold])
            for t in trainings:
                others = [s for s in TRAININGS[t] if s != fold]
                outside = {s for s in ALL_SETS if s not in TRAININGS[t]} | {fold}
                model = rank.train_pairwise(train_rows(others, outside), l2=args.l2)
                cells = []
                for c in CONDITIONS:
                    rows = feats[c].rows_for(fold, outside)
                    m = metrics(rows, learned(model))
                    v = np.array([m["recall@1"], m["recall@5"], m["mrr"], ceiling(rows)])
                    for group in ("all", "h23" if fold in EXTRA else "h456" if fold in LATER else "old"):
                        tot.setdefault((t, c, group), [np.zeros(4), 0])
                        tot[(t, c, group)][0] += n * v
                        tot[(t, c, group)][1] += n
                    cells.append(fmt(m))
                    if c == "past":
                        ceil = v[3]
                print(f"| {fold} | {n} | {t} | {ceil:.3f} | " + " | ".join(cells) + " |", flush=True)
        print("\nquestion-weighted totals (all 19 sets; the 14 older; heldout2+heldout3; heldout4-6):")
        print("| sets | training | ceiling | past table R@1 | R@5 | MRR | today's table R@1 | R@5 | MRR | no table R@1 | R@5 | MRR |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for group in ("all", "old", "h23", "h456"):
            for t in trainings:
                cells = []
                for c in CONDITIONS:
                    s, n = tot[(t, c, group)]
                    a = s / n
                    results[f"cv/{t}/{group}/{c}"] = a.round(3).tolist()
                    cells.append(f"{a[0]:.3f} | {a[1]:.3f} | {a[2]:.3f}")
                ceil = (tot[(t, "past", group)][0] / tot[(t, "past", group)][1])[3]
                print(f"| {group} ({tot[(t, 'past', group)][1]}) | {t} | {ceil:.3f} | " + " | ".join(cells) + " |")
    if held:
        print("\nuntouched sets (today's table; memory = the training's sets):")
        print("| set | training | ceiling | R@1 | R@5 | MRR | no table R@1 | R@5 | MRR |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for t in trainings:
            outside = {s for s in ALL_SETS if s not in TRAININGS[t]}
            model = rank.train_pairwise(train_rows(TRAININGS[t], outside), l2=args.l2)
            for h in held:
                rows = feats["current"].rows_for(h, outside)
                m = metrics(rows, learned(model))
                mn = metrics(feats["none"].rows_for(h, outside), learned(model))
                print(f"| {h} | {t} | {ceiling(rows):.3f} | {fmt(m)} | {fmt(mn)} |", flush=True)
    if args.write:
        t = args.write
        outside = {s for s in ALL_SETS if s not in TRAININGS[t]}
        names = ["recall@1", "recall@5", "mrr"]
        cv = {label: dict(zip(names, results[f"cv/{t}/all/{c}"][:3], strict=True))
              for c, label in (("current", "learned"), ("past", "learned_past_table"), ("none", "learned_no_table"))
              if f"cv/{t}/all/{c}" in results}
        meta = {
            "version": 1, "trained_at": datetime.date.today().isoformat(), "trained_on": TRAININGS[t],
            "questions": sum(len(sets[n]) for n in TRAININGS[t]), "candidates": CANDIDATES, "l2": args.l2,
            "augmented": True, "conditions": list(CONDITIONS), "past_tables": {n: PAST[n] for n in TRAININGS[t]},
            "cv_leave_one_set_out": cv,
            "retrain": f"python benchmarks/lawsearch/all_sets.py --trainings {t} --write {t}",
        }
        model = rank.train_pairwise(train_rows(TRAININGS[t], outside), l2=args.l2, meta=meta)
        mem = [r for n in TRAININGS[t] for r in memory_rows(sets[n])]
        rank.MODEL_PATH.write_text(json.dumps(model.to_json(mem), ensure_ascii=False, indent=0) + "\n",
                                   encoding="utf-8")
        top = sorted(zip(rank.FEATURES, model.weights, strict=True), key=lambda t: -abs(t[1]))[:12]
        print("\nwrote", rank.MODEL_PATH, "; largest weights:", ", ".join(f"{n} {w:+.2f}" for n, w in top))
    print(f"\ndone in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
