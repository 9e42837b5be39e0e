"""The law index's large arrays are memory-mapped files shared by every worker, not copies in
each process; a rebuild never pairs a main file with another build's arrays."""

import mmap

import numpy as np

from legalqa.search import index
from legalqa.search.engine import search
from tests.legalqa.factories import law_corpus  # noqa: F401  (fixture)


def _mapped(array) -> bool:
    """True when the array's memory is a file mapping (directly or through views)."""
    while array is not None:
        if isinstance(array, (np.memmap, mmap.mmap)):
            return True
        array = getattr(array, "base", None)
    return False


def test_weights_and_vocabulary_are_memory_mapped_and_searches_still_answer(law_corpus, tmp_path):  # noqa: F811
    path = index.build_index()
    idx = index.load_index()
    for array in (idx["weights"].tf, idx["weights"].indices, *idx["vocab"]._arrays):
        assert _mapped(array)
    assert path.stat().st_size < sum(p.stat().st_size for p in tmp_path.glob("index.*.npy"))
    tid = idx["vocab"].get("押金")
    assert tid is None or 0 <= tid < idx["weights"].shape[1]
    assert idx["vocab"].get("不存在的词语xyz") is None
    assert search("劳动合同").hits


def _reference_bm25(laws_by_id):
    """BM25 weight of every (token, article) of the index, computed here from the articles'
    text the way build_index stored it before (float32, one matrix of weights)."""
    from collections import Counter

    from legalqa.models import Article
    from legalqa.search.tokens import doc_tokens

    idx = index.load_index()
    counts, lengths = [], []
    for aid in idx["article_id"].tolist():
        a = Article.objects.select_related("law").get(pk=aid)
        tokens = doc_tokens(f"{a.law.short_title} {a.chapter} {a.section} {a.text}")
        counts.append(Counter(tokens))
        lengths.append(len(tokens))
    dl = np.asarray(lengths, dtype=np.float32)
    norm = index.K1 * (1 - index.B + index.B * dl / float(dl.mean()))
    df = Counter(t for c in counts for t in c)
    n = len(counts)
    out = {}
    for doc, c in enumerate(counts):
        for tok, k in c.items():
            d = np.float32(df[tok])  # document frequencies in float32, as build_index counts them
            idf = np.log(1.0 + (n - d + 0.5) / (d + 0.5))
            tf = np.float32(k)
            out[tok, doc] = tf * np.float32(index.K1 + 1) / (tf + norm[doc]) * idf
    return out


def test_every_weight_is_bm25_of_the_articles_text_to_the_bit(law_corpus):  # noqa: F811
    """The columns hold counts and the weights are computed when read: they must be exactly
    the float32 BM25 weights, for every token of the vocabulary."""
    index.build_index()
    idx = index.load_index()
    ref = _reference_bm25(law_corpus)
    vocab, weights = idx["vocab"], idx["weights"]
    tokens = sorted({tok for tok, _ in ref})
    assert len(vocab) == len(tokens)
    ids = np.asarray([vocab[t] for t in tokens])
    assert sorted(ids.tolist()) == list(range(len(tokens)))
    got = weights.columns(ids)
    seen = 0
    for tok, rows, vals in zip(tokens, got.rows, got.vals, strict=True):
        for doc, val in zip(rows.tolist(), vals.tolist(), strict=True):
            assert np.float32(val).tobytes() == np.float32(ref[tok, doc]).tobytes(), (tok, doc)
            seen += 1
    assert seen == len(ref)


def test_vocabulary_finds_every_token_and_nothing_else():
    tokens = sorted({"a", "ab", "abc", "b", "劳动", "劳动合同", "合同", "z9", "押金", "𠀀字"})
    vocab = index.Vocabulary(*index.Vocabulary.arrays(tokens))
    assert len(vocab) == len(tokens)
    assert [vocab[t] for t in tokens] == list(range(len(tokens)))
    for missing in ("", "aa", "abd", "劳", "劳动合", "zz", "\uffff", "押金金"):
        assert vocab.get(missing) is None and missing not in vocab
    empty = index.Vocabulary(*index.Vocabulary.arrays([]))
    assert len(empty) == 0 and empty.get("劳动") is None


def test_a_rebuild_replaces_the_arrays_of_the_previous_build(law_corpus, tmp_path):  # noqa: F811
    index.build_index()
    first = {p.name for p in tmp_path.glob("index.*.npy")}
    index.build_index()
    second = {p.name for p in tmp_path.glob("index.*.npy")}
    assert len(first) == len(second) == len(index.SIDECARS)
    assert not first & second
    assert index.load_index()["build"] in next(iter(second))


def test_the_search_modules_do_not_import_scipy():
    """scipy.sparse costs a web worker 22 MB of RSS (benchmarks/README.md, "Memory of a web
    worker"); only building the index needs it."""
    import os
    import subprocess
    import sys

    code = ("import django, sys; django.setup(); "
            "import legalqa.search.engine, legalqa.search.index, legalqa.search.memory, legalqa.search.dense, "
            "legalqa.search.rank, legalqa.views; print(sorted(m for m in sys.modules if m.startswith('scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"})
    assert out.stdout.strip() == "[]"


def test_models_trained_on_the_same_questions_share_one_memory():
    """The dense and the articles model hold the same answered questions: one Memory (its
    sets and postings are about 3.6 MB in a web worker), and it answers as a fresh one does."""
    from legalqa.search.memory import Memory
    from legalqa.search.rank import Model

    rows = [{"q": "房东不退押金怎么办", "a": ["民法典:703"]}, {"q": "朋友借钱一直不还", "a": ["民法典:675", "民法典:667"]}]
    data = {"features": ["a"], "mean": [0.0], "scale": [1.0], "weights": [1.0], "memory": rows}
    first, second = Model.from_json(data), Model.from_json(dict(data))
    assert first.memory is second.memory
    other = Model.from_json({**data, "memory": rows[:1]})
    assert other.memory is not first.memory
    fresh = Memory.from_rows(rows)
    assert first.memory.neighbours("押金不退") == fresh.neighbours("押金不退")
    assert first.memory.answers == fresh.answers


def test_a_process_reading_the_index_file_first_checks_it_against_the_database(law_corpus, monkeypatch):  # noqa: F811
    """A migration (or another process's import) changes a law after the file was written: a
    process that starts afterwards must not search the old file, not even for a few seconds."""
    from django.utils import timezone

    from legalqa.models import Law, LawStatus
    from legalqa.search import index

    index.build_index()
    civil = law_corpus["civil"]
    assert civil.pk in [law["id"] for law in index.load_index()["laws"]]
    Law.objects.filter(pk=civil.pk).update(status=LawStatus.REPEALED, updated_at=timezone.now())
    index._cache.update(path=None, mtime=None, index=None, checked=0.0)  # a new process
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # the freshness interval of a real process, not the tests' 0
    assert civil.pk not in [law["id"] for law in index.load_index()["laws"]]
