"""The seam to the law library (legalqa): citation check, citation index, article search.

Every answer, guide and template description passes ``check_citations`` before it is
published (DOMAIN.md §7); ``record`` fills the library's citation index. The library's
functions are looked up when called, so this app works while they are being built.
"""

from __future__ import annotations

import importlib


def _attr(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def check_citations(text: str) -> None:
    """Raise ValidationError when the text cites a law or article that does not exist or
    has been repealed (the law library's rule)."""
    validate = _attr("legalqa.fields", "validate_citations")
    if validate is None or not text:
        return
    validate(text)


def record(obj, text: str) -> None:
    """Write the citation index rows for a published text."""
    fn = _attr("legalqa.library_services", "record_citations")
    if fn is not None:
        fn(obj, text or "")


def search_articles(query: str, limit: int = 5) -> list[dict]:
    """Law-library articles for a question (the "before you post" suggestions): a list of
    dicts with label and url. Empty when the library or its index is unavailable."""
    query = (query or "").strip()[:300]
    search = _attr("legalqa.search.engine", "search")
    if search is None or not query:
        return []
    try:
        result = search(query, limit=limit)
    except Exception:  # noqa: BLE001 — no index built yet: the page still works without suggestions
        return []
    return [{"label": f"《{h.law}》{h.label}", "law": h.law, "url": h.url} for h in result.hits]
