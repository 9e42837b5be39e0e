"""Reading the commands' JSON-lines input: one rule for a malformed line (stop with its line
number, before anything is printed) shared by find_related and evaluate_routing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from django.core.management.base import CommandError


def json_objects(path: str, fields: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; every object must hold ``fields``."""
    try:
        fh = open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    with fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise CommandError(f"line {n}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise CommandError(f"line {n}: expected a JSON object")
            missing = [f for f in fields if f not in row]
            if missing:
                raise CommandError(f"line {n}: missing {', '.join(missing)}")
            yield n, row


def require_strings(row: dict, names: tuple[str, ...], n: int) -> None:
    for name in names:
        if not isinstance(row[name], str):
            raise CommandError(f"line {n}: {name} must be a string")


def created_at(row: dict, n: int) -> datetime:
    """``created`` as a naive UTC date-time (a value without an offset is taken as UTC)."""
    try:
        created = datetime.fromisoformat(str(row["created"]))
    except ValueError:
        raise CommandError(f"line {n}: created {row['created']!r} is not an ISO date-time") from None
    if created.tzinfo is not None:
        created = created.replace(tzinfo=None) - (created.utcoffset() or 0)
    return created
