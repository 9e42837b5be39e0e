"""Walk the chain in ``seq`` order, a chunk at a time (keyset on the primary key), so ten
million rows never sit in memory; stop at the first bad row and say what is wrong with it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast

from audit import chain, witnesses
from audit.heads import Head
from audit.models import AuditEntry, ChainHead
from grievances.models import GrievanceEvent

FIELDS = ("seq", "at", "kind", "actor_id", "actor_name", "ip", "object_type", "object_id", "object_hash",
          "summary", "data", "prev_hash", "row_hash")


@dataclass
class Report:
    rows: int = 0
    last_seq: int = 0
    last_hash: str = chain.GENESIS
    witnessed_events: int = 0
    bad_seq: int | None = None
    problem: str = ""
    heads_checked: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem

    def fail(self, seq: int | None, problem: str) -> Report:
        self.bad_seq, self.problem = seq, problem
        return self


def _check_row(row: dict, prev_seq: int, prev_hash: str) -> str:
    seq = row["seq"]
    if seq != prev_seq + 1:
        return ""  # reported by the caller as missing rows
    computed = chain.row_hash(
        seq=seq, at=row["at"], kind=row["kind"], actor_id=row["actor_id"], actor=row["actor_name"], ip=row["ip"],
        object_type=row["object_type"], object_id=row["object_id"], object_hash=row["object_hash"],
        summary=row["summary"], data=row["data"], prev=row["prev_hash"],
    )
    if computed != row["row_hash"]:
        return "its content does not match its hash: the row was edited"
    if row["prev_hash"] != prev_hash:
        return f"its prev_hash does not match row {prev_seq}: a row before it was replaced or moved"
    return ""


def walk(*, heads: Sequence[Head] = (), chunk_size: int = 10_000, check_events: bool = True,
         progress: Callable[[int], None] | None = None) -> Report:
    """Verify every row, the witnesses of grievance events and, optionally, signed heads."""
    report = Report()
    by_seq = {h.seq: h for h in heads}
    prev_seq, prev_hash = 0, chain.GENESIS
    first_event_id = None
    while True:
        batch = [dict(zip(FIELDS, row, strict=True)) for row in AuditEntry.objects.filter(
            seq__gt=prev_seq).order_by("seq").values_list(*FIELDS)[:chunk_size]]
        if not batch:
            break
        chain_bad: tuple[int, str] | None = None
        watched: dict[int, tuple[int, str]] = {}
        for row in batch:
            seq = row["seq"]
            if seq != prev_seq + 1:
                chain_bad = (prev_seq + 1, f"row {prev_seq + 1} is missing (rows {prev_seq + 1}–{seq - 1} deleted)")
                break
            problem = _check_row(row, prev_seq, prev_hash)
            if problem:
                chain_bad = (seq, problem)
                break
            head = by_seq.get(seq)
            if head is not None:
                if head.row_hash != row["row_hash"]:
                    chain_bad = (seq, f"its hash differs from the signed head of {head.day}: the chain was "
                                      f"rewritten at or before this row")
                    break
                report.heads_checked.append(head.day)
            if check_events and row["object_type"] == witnesses.EVENT_TYPE and row["object_hash"]:
                event_id = int(row["object_id"])
                watched[event_id] = (seq, row["object_hash"])
                first_event_id = event_id if first_event_id is None else min(first_event_id, event_id)
            prev_seq, prev_hash = seq, row["row_hash"]
            report.rows += 1
        if watched:
            current = witnesses.event_hashes(watched)
            limit = chain_bad[0] if chain_bad else None
            for event_id, (seq, expected) in sorted(watched.items(), key=lambda item: item[1][0]):
                if limit is not None and seq >= limit:
                    break
                found = current.get(event_id)
                if found is None:
                    return report.fail(seq, f"grievance event {event_id} it records was deleted")
                if found != expected:
                    return report.fail(seq, f"grievance event {event_id} it records was edited")
            report.witnessed_events += len(watched)
        if chain_bad:
            return report.fail(*chain_bad)
        if progress:
            progress(prev_seq)
    report.last_seq, report.last_hash = prev_seq, prev_hash
    for head in heads:
        if head.seq > prev_seq:
            return report.fail(prev_seq + 1, f"rows {prev_seq + 1}–{head.seq} are missing: the signed head of "
                                             f"{head.day} says the chain reached row {head.seq}")
    stored = ChainHead.objects.filter(pk=1).first()
    if stored is not None and stored.seq > prev_seq:
        return report.fail(prev_seq + 1, f"rows {prev_seq + 1}–{stored.seq} are missing: the chain head "
                                         f"says the chain reached row {stored.seq}")
    if check_events and first_event_id is not None:
        unrecorded = _unwitnessed_event(first_event_id, report.witnessed_events)
        if unrecorded is not None:
            return report.fail(None, f"grievance event {unrecorded} has no audit row: it was inserted "
                                     f"around the service layer")
    return report


def _unwitnessed_event(first_id: int, witnessed: int) -> int | None:
    """The first event since the trail began that no audit row records (one COUNT when all
    are recorded; the anti-join only when the counts differ)."""
    events = GrievanceEvent.objects.filter(pk__gte=first_id)
    if events.count() <= witnessed:
        return None
    recorded = AuditEntry.objects.filter(
        object_type=witnesses.EVENT_TYPE, object_id=Cast(OuterRef("pk"), CharField()))
    return events.filter(~Exists(recorded)).order_by("pk").values_list("pk", flat=True).first()
