import pytest

from tests.legalqa.factories import law_corpus  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_law_caches():
    """Per-process caches of the citation name table, the concept table and the index."""
    from legalqa import citations
    from legalqa.search import concepts, index

    citations._table.clear()
    concepts.reset_cache()
    index._cache.update(path=None, mtime=None, index=None)
    yield
    citations._table.clear()
    concepts.reset_cache()
    index._cache.update(path=None, mtime=None, index=None)
