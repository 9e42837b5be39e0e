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
    for array in (idx["weights"].data, idx["weights"].indices, idx["vocab"].tokens):
        assert _mapped(array)
    assert path.stat().st_size < sum(p.stat().st_size for p in tmp_path.glob("index.*.npy"))
    tid = idx["vocab"].get("押金")
    assert tid is None or 0 <= tid < idx["weights"].shape[1]
    assert idx["vocab"].get("不存在的词语xyz") is None
    assert search("劳动合同").hits


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
