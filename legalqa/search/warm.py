"""Load the law search once in a pre-forking server's master (config/wsgi.py, WSGI_WARM_UP)."""

from __future__ import annotations

import gc
import logging

from django.db import connections

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Load the index, the ranker and the caches a first search builds, close the database
    connections (a forked child must open its own), and move everything loaded so far out of
    the garbage collector's reach, so collections in the workers do not write to (and so copy)
    the shared pages."""
    from .engine import search

    try:
        search("房东不退押金怎么办")
    except Exception:  # noqa: BLE001 — a server without laws yet still starts; workers load lazily
        logger.warning("law search warm-up failed; workers will load it on first use", exc_info=True)
    finally:
        connections.close_all()
    gc.collect()
    gc.freeze()
