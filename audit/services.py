"""Every write to the audit trail: ``append`` (one row, chained) and ``write_signed_head``.

Appends run inside the caller's transaction, so an entry commits or rolls back with what it
records (a grievance event and its audit row are one unit). The chain head row is locked
with ``SELECT … FOR UPDATE`` from the append until that transaction ends: appends are
serialised, ``seq`` has no gaps, and two concurrent appends can never both chain onto the
same previous row. Keep the append the last write of a transaction so the lock is short.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit import chain
from audit.models import AuditEntry, ChainHead
from grid import bulk


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # First append ever (or after the test database was flushed): create the head;
        # two first appenders race harmlessly, one insert is ignored.
        ChainHead.objects.bulk_create([ChainHead(id=1, seq=0, row_hash=chain.GENESIS)], ignore_conflicts=True)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def actor_name(actor) -> str:
    if actor is None or not actor.pk:
        return ""
    return (actor.display_name or actor.username)[:150]


def append(
    *, kind: str, summary: str, actor=None, ip: str | None = "", object_type: str = "", object_id="",
    object_hash: str = "", data: dict | None = None, at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one row to the chain (audit.chain documents what its hash covers)."""
    return append_many([dict(kind=kind, summary=summary, actor=actor, ip=ip, object_type=object_type,
                             object_id=object_id, object_hash=object_hash, data=data, at=at)])[0]


def append_many(entries: list[dict]) -> list[AuditEntry]:
    """Append rows in the order given (each a dict of ``append``'s arguments): the head is
    locked and updated once and the rows are written in one INSERT, so a batch of N events
    costs three statements, not 3 × N. The chain is the same as N single appends."""
    prepared = []
    for entry in entries:
        data = dict(entry.get("data") or {})
        chain.canonical_bytes(data)  # refuse a float or an object before taking the lock
        actor = entry.get("actor")
        actor_id = actor.pk if actor is not None and actor.pk else None
        object_type = entry.get("object_type", "")
        object_hash = entry.get("object_hash", "")
        prepared.append({
            "at": entry.get("at") or timezone.now(), "kind": str(entry["kind"]), "actor_id": actor_id,
            "actor": actor_name(actor), "ip": chain.normalise_ip(entry.get("ip", "")), "object_type": object_type,
            "object_id": str(entry.get("object_id") or ""), "object_hash": object_hash,
            "summary": str(entry["summary"])[:300], "data": data,
        })
    if not prepared:
        return []
    rows = []
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        seq, prev = head.seq, head.row_hash
        for fields in prepared:
            seq += 1
            row_hash = chain.row_hash(seq=seq, prev=prev, **fields)
            rows.append(AuditEntry(
                seq=seq, at=fields["at"], kind=fields["kind"], actor_id=fields["actor_id"],
                actor_name=fields["actor"], ip=fields["ip"], object_type=fields["object_type"],
                object_id=fields["object_id"], object_hash=fields["object_hash"], summary=fields["summary"],
                data=fields["data"], prev_hash=prev, row_hash=row_hash,
            ))
            prev = row_hash
        bulk.insert_rows(AuditEntry, rows)
        ChainHead.objects.filter(pk=1).update(seq=seq, row_hash=prev)
    return rows
