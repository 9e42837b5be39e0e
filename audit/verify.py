"""Walk the chain in ``seq`` order, streaming (a server-side cursor on PostgreSQL, keyset
chunks elsewhere), so ten million rows never sit in memory; stop at the first bad row and
say what is wrong with it. ``workers`` > 1 splits the chain into segments verified in
parallel processes (benchmarks/README.md, "verify_audit at 10 M rows")."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, connections, transaction
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
    first_event_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problem

    def fail(self, seq: int | None, problem: str) -> Report:
        self.bad_seq, self.problem = seq, problem
        return self


def _hash_of(row) -> str:
    seq, at_text, kind, actor_id, actor, ip, object_type, object_id, object_hash, summary, data, prev = row[:12]
    fields = dict(seq=seq, kind=kind, actor_id=actor_id, actor=actor, ip=ip, object_type=object_type,
                  object_id=object_id, object_hash=object_hash, summary=summary, data=data, prev=prev)
    try:
        return chain.row_hash_from_text(at_text=at_text, **fields)
    except TypeError:
        return _slow_hash_of(row)


def _slow_hash_of(row) -> str:
    """The reference serialisation (chain._dumps of chain.row_content), with the timestamp
    text as read."""
    seq, at_text, kind, actor_id, actor, ip, object_type, object_id, object_hash, summary, data, prev = row[:12]
    content = {"v": chain.FORMAT_VERSION, "seq": seq, "at": at_text, "kind": kind, "actor_id": actor_id,
               "actor": actor, "ip": ip, "object_type": object_type, "object_id": object_id,
               "object_hash": object_hash, "summary": summary, "data": data, "prev": prev}
    return chain.sha256_hex(chain._dumps(content))


# Rows come as tuples in FIELDS order, with ``at`` already in canonical text.
_PG_SELECT = (
    "SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), kind, actor_id, "
    "actor_name, ip, object_type, object_id, object_hash, summary, data::text, prev_hash, row_hash "
    "FROM audit_auditentry WHERE seq > %s AND seq <= %s ORDER BY seq"
)
_NO_LIMIT = 2**62


def _pg_rows(after: int, upto: int | None, chunk_size: int) -> Iterator[tuple]:
    """PostgreSQL: one server-side cursor streaming the range in ``seq`` order (one index
    scan, ``chunk_size`` rows per round trip), the timestamp formatted by the server."""
    raw = connection.connection
    with raw.cursor(name=f"audit_verify_{after}") as cur:
        cur.itersize = chunk_size
        cur.execute(_PG_SELECT, [after, _NO_LIMIT if upto is None else upto])
        loads = json.loads
        for row in cur:
            yield (*row[:10], loads(row[10]), row[11], row[12])


def _orm_rows(after: int, upto: int | None, chunk_size: int) -> Iterator[tuple]:
    """Other databases (SQLite in the embedded profile and tests): keyset chunks."""
    last = after
    while True:
        qs = AuditEntry.objects.filter(seq__gt=last)
        if upto is not None:
            qs = qs.filter(seq__lte=upto)
        batch = list(qs.order_by("seq").values_list(*FIELDS)[:chunk_size])
        if not batch:
            return
        for row in batch:
            yield (row[0], chain.format_time(row[1]), *row[2:])
        last = batch[-1][0]


def _rows(after: int, upto: int | None, chunk_size: int) -> Iterator[tuple]:
    if connection.vendor == "postgresql":
        return _pg_rows(after, upto, chunk_size)
    return _orm_rows(after, upto, chunk_size)


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _walk_range(after: int, upto: int | None, prev_hash: str | None, *, by_seq: dict, chunk_size: int,
                check_events: bool, progress: Callable[[int], None] | None) -> Report:
    """Verify rows ``after`` < seq <= ``upto`` (to the end when None), the first one chained
    to ``prev_hash`` (None: not checked here, because the segment before checks that row).
    ``report.last_seq``/``last_hash`` say where it stopped; ``first_event_id`` is set on it."""
    report = Report()
    report.first_event_id = None
    prev_seq = after
    for batch in _batches(_rows(after, upto, chunk_size), chunk_size):
        chain_bad: tuple[int, str] | None = None
        watched: dict[int, tuple[int, str]] = {}
        for row in batch:
            seq = row[0]
            if seq != prev_seq + 1:
                chain_bad = (prev_seq + 1, f"row {prev_seq + 1} is missing (rows {prev_seq + 1}–{seq - 1} deleted)")
                break
            stored_hash = row[12]
            if _hash_of(row) != stored_hash and _slow_hash_of(row) != stored_hash:
                chain_bad = (seq, "its content does not match its hash: the row was edited")
                break
            if prev_hash is not None and row[11] != prev_hash:
                chain_bad = (seq, f"its prev_hash does not match row {prev_seq}: a row before it was replaced "
                                  f"or moved")
                break
            head = by_seq.get(seq)
            if head is not None:
                if head.row_hash != stored_hash:
                    chain_bad = (seq, f"its hash differs from the signed head of {head.day}: the chain was "
                                      f"rewritten at or before this row")
                    break
                report.heads_checked.append(head.day)
            if check_events and row[6] == witnesses.EVENT_TYPE and row[8]:
                event_id = int(row[7])
                watched[event_id] = (seq, row[8])
                first = report.first_event_id
                report.first_event_id = event_id if first is None else min(first, event_id)
            prev_seq, prev_hash = seq, stored_hash
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
    if upto is not None and prev_seq < upto:
        return report.fail(prev_seq + 1, f"rows {prev_seq + 1}–{upto} are missing")
    report.last_seq, report.last_hash = prev_seq, prev_hash or chain.GENESIS
    return report


def _segment_worker(args) -> Report:
    after, upto, prev_hash, by_seq, chunk_size, check_events = args
    connections.close_all()  # a forked child opens its own connection
    try:
        with transaction.atomic():
            return _walk_range(after, upto, prev_hash, by_seq=by_seq, chunk_size=chunk_size,
                               check_events=check_events, progress=None)
    finally:
        connections.close_all()


def _walk_parallel(end: int, workers: int, *, by_seq: dict, chunk_size: int, check_events: bool) -> Report:
    """Segments of the chain verified at once by ``workers`` processes. Each checks every
    row's hash and link inside its segment; its first row is checked against the stored
    hash of the row before it, which the previous segment verifies as its last row, so
    together they check exactly what one walk checks. The last segment runs to the end."""
    bounds = [end * i // workers for i in range(workers + 1)]
    starts = dict(AuditEntry.objects.filter(seq__in=bounds[1:-1]).values_list("seq", "row_hash"))
    tasks = []
    for i in range(workers):
        after, upto = bounds[i], (bounds[i + 1] if i < workers - 1 else None)
        prev = chain.GENESIS if after == 0 else starts.get(after)
        tasks.append((after, upto, prev, by_seq, chunk_size, check_events))
    connections.close_all()
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_segment_worker, tasks))
    total = Report()
    total.first_event_id = None
    for part in parts:
        total.rows += part.rows
        total.witnessed_events += part.witnessed_events
        total.heads_checked += part.heads_checked
        if part.first_event_id is not None:
            total.first_event_id = min(filter(None, [total.first_event_id, part.first_event_id]))
        if not part.ok:
            return total.fail(part.bad_seq, part.problem)
    total.last_seq, total.last_hash = parts[-1].last_seq, parts[-1].last_hash
    return total


def walk(*, heads: Sequence[Head] = (), chunk_size: int = 10_000, check_events: bool = True,
         progress: Callable[[int], None] | None = None, workers: int = 1) -> Report:
    """Verify every row, the witnesses of grievance events and, optionally, signed heads.

    On PostgreSQL the rows stream through one server-side cursor inside a REPEATABLE READ
    transaction (the chain head is read in the same snapshot, so appends made meanwhile are
    not mistaken for missing rows); ``workers`` > 1 verifies segments in parallel processes."""
    by_seq = {h.seq: h for h in heads}
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as c:
                c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        stored = ChainHead.objects.filter(pk=1).first()
        end = stored.seq if stored is not None else 0
        if workers > 1 and connection.vendor == "postgresql" and end >= workers * chunk_size:
            report = None
        else:
            report = _walk_range(0, None, chain.GENESIS, by_seq=by_seq, chunk_size=chunk_size,
                                 check_events=check_events, progress=progress)
    if report is None:
        report = _walk_parallel(end, workers, by_seq=by_seq, chunk_size=chunk_size, check_events=check_events)
    if not report.ok:
        return report
    prev_seq = report.last_seq
    for head in heads:
        if head.seq > prev_seq:
            return report.fail(prev_seq + 1, f"rows {prev_seq + 1}–{head.seq} are missing: the signed head of "
                                             f"{head.day} says the chain reached row {head.seq}")
    if stored is not None and stored.seq > prev_seq:
        return report.fail(prev_seq + 1, f"rows {prev_seq + 1}–{stored.seq} are missing: the chain head "
                                         f"says the chain reached row {stored.seq}")
    if check_events and report.first_event_id is not None:
        unrecorded = _unwitnessed_event(report.first_event_id, report.witnessed_events)
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
