"""Latency and memory of the law search in one web-worker-like process.

    .venv/bin/python benchmarks/lawsearch/latency.py [--sets untouched.tsv,round13.tsv] [--rounds 3]

Reports, for every question of the sets (warm, one thread):
- in-process search time p50/p95 for the lexical path (rerank=False) and the shipped
  re-ranked path;
- the same through Django's request handling (test client: middleware, view, template/JSON)
  for /laws/api/search/ and the answer page /laws/search/, beside a bare "hello" view served
  the same way in the same run;
- resident memory (VmRSS) of the process after Django start-up and after the index and the
  ranker model are loaded (with the dense memory's embedder when it is on).

With the dense memory of answered questions on (legalqa/search/dense.py), the re-ranked path
embeds every question as a new one (the embedding cache is cleared before each search), and
the bigram-only model is timed beside it."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_parts() -> str:
    """Anonymous and file-backed resident memory: file pages (the memory-mapped index arrays
    and e5 weights) are the page cache's, shared by every worker of the host."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("RssAnon:", "RssFile:")):
            name, value = line.split(":")
            fields[name] = int(value.split()[0]) / 1024
    return f"anonymous {fields.get('RssAnon', 0):.0f} MB, file-backed {fields.get('RssFile', 0):.0f} MB"


def pct(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# a bare view and this module as the URLconf of the "hello" requests
urlpatterns: list = []


def main():
    import django

    django.setup()
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import include, path
    from evaluate import load_questions

    from legalqa.search import dense
    from legalqa.search.engine import search
    from legalqa.search.index import load_index
    from legalqa.search.rank import load_model

    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="untouched.tsv,round13.tsv,round12.tsv")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    questions = [q["q"] for name in args.sets.split(",") for q in load_questions(name)]

    base = rss_mb()
    t = time.perf_counter()
    load_index()
    load_model()
    search("预热", model=load_model())
    load_ms = (time.perf_counter() - t) * 1000
    loaded = rss_mb()
    t = time.perf_counter()
    ranker = dense.dense_ranker()
    search("预热一下")
    dense_ms = (time.perf_counter() - t) * 1000
    dense_loaded = rss_mb()

    def fresh(q):
        dense.query_vector.cache_clear()
        return search(q, limit=10)

    def timed(fn):
        out = []
        for _ in range(args.rounds):
            for q in questions:
                t0 = time.perf_counter()
                fn(q)
                out.append((time.perf_counter() - t0) * 1000)
        return out

    rows = [
        ("search(), lexical path (rerank=False)", timed(lambda q: search(q, limit=10, rerank=False))),
        ("search(), re-ranked path, bigram memory only", timed(lambda q: search(q, limit=10, model=load_model()))),
        ("search(), re-ranked path (shipped" + (", dense memory on)" if ranker else ", dense memory off)"),
         timed(fresh)),
    ]
    mapped = None
    if ranker:
        rows.append(("e5 embedding of the question alone", timed(lambda q: (dense.query_vector.cache_clear(),
                                                                          dense.query_vector(q)))))
        # the article channel's added work: the question's cosine with every article (the int8
        # codes of the memory-mapped aligned file, in blocks, times the scales; random vectors of the same
        # shape in a temporary file when the corpus is not embedded yet)
        import tempfile

        import numpy as np

        from legalqa.search import vectors

        idx = load_index()
        mat = dense.dense_ranker(idx).articles if dense.dense_ranker(idx) is not None else None
        label = "article channel: cosine with every article (aligned file)"
        if mat is None:
            tmp = tempfile.NamedTemporaryFile(suffix=".npy", delete=False)
            rng = np.random.default_rng(0)
            np.save(tmp, vectors.quantise(rng.standard_normal((len(idx["article_id"]), vectors.DIM))))
            tmp.close()
            mat = np.load(tmp.name, mmap_mode="r")
            os.unlink(tmp.name)
            label = "article channel: cosine with every article (random vectors in a file of the same shape)"
        vec = dense.query_vector("预热") if dense.query_vector("预热") is not None else np.ones(vectors.DIM, np.float32)
        rows.append((label, timed(lambda q: vectors.cosines(mat, vec))))
        mapped = rss_mb()
    global urlpatterns
    urlpatterns = [path("hello/", lambda request: HttpResponse("hello")), path("", include("config.urls"))]
    client = Client()
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"]):
        client.get("/hello/")
        rows.append(("bare Django hello view (same client)", timed(lambda q: client.get("/hello/"))))
        rows.append(("GET /laws/api/search/?q=…&limit=5", timed(lambda q: (dense.query_vector.cache_clear(), client.get("/laws/api/search/", {"q": q, "limit": 5})))))
        rows.append(("GET /laws/search/?q=… (answer page)", timed(lambda q: (dense.query_vector.cache_clear(), client.get("/laws/search/", {"q": q})))))
    print(f"{len(questions)} questions × {args.rounds} rounds; sets {args.sets}\n")
    print("| path | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|")
    for name, values in rows:
        print(f"| {name} | {statistics.median(values):.1f} | {pct(values, 95):.1f} | {max(values):.1f} |")
    print(f"\nRSS after Django start-up {base:.0f} MB; with the index and ranker loaded {loaded:.0f} MB "
          f"(+{loaded - base:.0f} MB; first load and first search {load_ms:.0f} ms); with the dense memory "
          f"{'on' if ranker else 'off'} {dense_loaded:.0f} MB (+{dense_loaded - loaded:.0f} MB, {dense_ms:.0f} ms); "
          f"after the runs {rss_mb():.0f} MB ({rss_parts()})"
          + (f"; after the article-channel product {mapped:.0f} MB" if mapped else ""))


if __name__ == "__main__":
    main()
