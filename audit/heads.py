"""Signed heads: the chain's last row, signed with HMAC-SHA256, in a file to copy off the machine.

A head file ``<AUDIT_HEAD_DIR>/YYYY-MM-DD.json`` holds::

    {"format": "zongzhi-audit-head/1", "day": "2026-11-28", "seq": 12345,
     "row_hash": "<hex>", "written_at": "2026-11-28T16:05:00.000000Z", "hmac": "<hex>"}

``hmac`` = HMAC-SHA256 with ``AUDIT_HMAC_KEY`` (UTF-8) over the canonical JSON (audit.chain)
of every other key. Whoever can rewrite the database but does not hold the key cannot make
a chain that both differs from the one the operator copied and still matches the head: the
row ``seq`` must still hash to ``row_hash``, and that hash covers every row before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit import chain
from audit.models import ChainHead

FORMAT = "zongzhi-audit-head/1"


class BadHead(ValueError):
    pass


@dataclass(frozen=True)
class Head:
    day: str
    seq: int
    row_hash: str
    written_at: str


def _key() -> bytes:
    key = settings.AUDIT_HMAC_KEY
    if not key:
        raise BadHead("AUDIT_HMAC_KEY is not set")
    return key.encode("utf-8")


def sign(document: dict) -> str:
    return hmac.new(_key(), chain.canonical_bytes(document), hashlib.sha256).hexdigest()


def current_head() -> tuple[int, str]:
    head = ChainHead.objects.filter(pk=1).first()
    return (head.seq, head.row_hash) if head else (0, chain.GENESIS)


def head_path(day: dt.date) -> Path:
    return Path(settings.AUDIT_HEAD_DIR) / f"{day:%Y-%m-%d}.json"


def write_head(day: dt.date | None = None) -> tuple[Path, Head]:
    """Sign the current head and write it for ``day`` (today by default). A file already
    there is replaced only by a later head, never by an earlier one."""
    day = day or timezone.localdate()
    seq, row_hash = current_head()
    doc = {"format": FORMAT, "day": f"{day:%Y-%m-%d}", "seq": seq, "row_hash": row_hash,
           "written_at": chain.format_time(timezone.now())}
    path = head_path(day)
    if path.exists():
        try:
            old = read_head(path)
        except BadHead:
            old = None
        if old is not None and old.seq > seq:
            return path, old
    doc["hmac"] = sign(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path, Head(day=doc["day"], seq=seq, row_hash=row_hash, written_at=doc["written_at"])


def read_head(path: Path | str) -> Head:
    """Read a head file and check its signature; ``BadHead`` says what is wrong."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadHead(f"{path}: cannot read the head file ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BadHead(f"{path}: not an audit head file")
    given = doc.pop("hmac", "")
    if not isinstance(given, str) or not hmac.compare_digest(given, sign(doc)):
        raise BadHead(f"{path}: the signature does not match (edited file, or another AUDIT_HMAC_KEY)")
    try:
        return Head(day=str(doc["day"]), seq=int(doc["seq"]), row_hash=str(doc["row_hash"]),
                    written_at=str(doc["written_at"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadHead(f"{path}: incomplete head file") from exc
