"""Adapter to the law library's citation check (legalqa), which another app owns.

Until legalqa provides find_citations / validate_citations / record_citations, these
functions do nothing: pufa_media never carries its own citation checker.
"""

from __future__ import annotations

import importlib


def _optional(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def validate(text: str) -> None:
    """Raise django.core.exceptions.ValidationError when text cites an article that does not exist."""
    validator = _optional("legalqa.fields", "validate_citations")
    if validator is not None and text:
        validator(text)


def record(obj, text: str) -> None:
    """Remember which articles obj cites (so the article page can link back to it)."""
    recorder = _optional("legalqa.services", "record_citations") or _optional("legalqa.citations",
                                                                             "record_citations")
    if recorder is not None:
        recorder(obj, text or "")


def available() -> bool:
    return _optional("legalqa.fields", "validate_citations") is not None
