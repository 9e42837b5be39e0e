"""Idempotency keys for citizens' submissions (offline drafts, issue 21).

A form carries a random key (``idempotency_key``, made by the page, kept with the draft on the
phone). The service claims the key at the start of its transaction, before it writes anything:

    existing = idempotency.claim(user, "grievance", key)
    if existing is not None:
        return Grievance.objects.get(pk=existing)   # filed before: the same thing back
    ... file it ...
    idempotency.bind(user, "grievance", key, g.pk)

Two copies of the same draft racing each other: the second's INSERT waits on the first's row
lock and fails on the unique constraint once the first commits; it then reads what the first
filed. A key without a filed thing (the first transaction rolled back) is free again.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from grid.models import SubmissionKey

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class StillFiling(Exception):
    """The same key is being filed by a transaction that has not finished."""


def normalise(key) -> str:
    """The key as posted, or "" when absent or malformed (then no deduplication)."""
    key = (key or "").strip()
    return key if KEY_RE.match(key) else ""


def claim(user, scope: str, key: str) -> int | None:
    """Reserve ``key`` for this submission; the primary key already filed with it, if any."""
    key = normalise(key)
    if not key or user is None or not getattr(user, "pk", None):
        return None
    try:
        with transaction.atomic():
            SubmissionKey.objects.create(user=user, scope=scope, key=key)
        return None
    except IntegrityError:
        ref = SubmissionKey.objects.filter(user=user, scope=scope, key=key).values_list("ref", flat=True).first()
        if ref is None:
            raise StillFiling(key) from None
        return ref


def bind(user, scope: str, key: str, ref: int) -> None:
    key = normalise(key)
    if key and user is not None and getattr(user, "pk", None):
        SubmissionKey.objects.filter(user=user, scope=scope, key=key).update(ref=ref)


def filed(user, scope: str, key) -> int | None:
    """What this person already filed with ``key`` (a view answers a resent draft with it
    before validating the form again: its staged files are gone, the version has moved)."""
    key = normalise(key)
    if not key or user is None or not getattr(user, "pk", None):
        return None
    return SubmissionKey.objects.filter(user=user, scope=scope, key=key).values_list("ref", flat=True).first()
