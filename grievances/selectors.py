"""Every read of grievances for pages and the admin, already scoped to the user.

Lists are keyset-paginated on the primary key (``before=<id>``), never OFFSET, and load
their related rows with joins so a page costs a fixed number of queries whatever its size.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connections, transaction
from django.db.models import BooleanField, Count, Exists, Func, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from grid import permissions, privacy
from grid.models import Region
from grid.replica import heavy_reads
from grievances.models import (
    OPEN_STATES,
    QUEUE_PREFIX_LENGTHS,
    Attachment,
    CategoryGroup,
    CoHandling,
    Grievance,
    GrievanceEvent,
    ReturnRequest,
    ReturnStatus,
    State,
    SupervisionOrder,
)
from grievances.tracking import normalise

PAGE_SIZE = 20


@dataclass
class KeysetPage:
    items: list
    next_before: int | None
    has_next: bool


def keyset(qs, *, before: int | None, size: int = PAGE_SIZE) -> KeysetPage:
    """Newest first, ``before`` is the last id of the previous page."""
    if before:
        qs = qs.filter(pk__lt=before)
    items = list(qs.order_by("-pk")[: size + 1])
    has_next = len(items) > size
    items = items[:size]
    return KeysetPage(items=items, next_before=items[-1].pk if has_next and items else None, has_next=has_next)


def parse_before(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


def visible_grievances(user):
    return Grievance.objects.visible_to(user)


def queue(user) -> QuerySet:
    """The centre's queue (the grievances admin list): the items the user may see. For a city
    or county centre the scope ``region_code LIKE 'prefix%'`` of ``visible_to`` is stated as
    ``substr(region_code, 1, n) = prefix`` instead: the same rows (region codes have 12 digits;
    tests/grievances/test_admin.py checks it), and the key of the queue indexes
    (grievances.models.QUEUE_INDEXES), so the first page ordered by due time is an index walk
    of about one page at any size. Both conditions together would make PostgreSQL multiply
    their selectivities, expect one row and sort the whole region instead."""
    prefix = permissions.region_prefix(user)
    if (not permissions.is_admin(user) and permissions.is_centre(user) and prefix
            and len(prefix) in QUEUE_PREFIX_LENGTHS):
        return Grievance.objects.filter(Exact(Substr("region_code", 1, len(prefix)), prefix))
    return Grievance.objects.visible_to(user)


def get_grievance(user, pk) -> Grievance:
    """One grievance the user may see, with what its page shows, or 404."""
    g = (
        visible_grievances(user)
        .select_related("category", "region", "centre", "handling_unit", "first_unit", "reporter", "grid", "handler")
        .filter(pk=pk)
        .first()
    )
    if g is None:
        raise Http404
    return g


def page_for(user, grievance: Grievance) -> str:
    """The page where this person opens this item: the admin workbench for centre staff,
    leaders and administrators, the work page for the units handling it, the item page for
    the citizen. Every notification links to ``grievances:open``, which sends each
    recipient here, so one SMS text sent to a leader and a handler opens for both."""
    if permissions.is_centre_or_admin(user):
        return reverse("admin:grievances_grievance_change", args=[grievance.pk])
    if permissions.is_department(user) or permissions.is_mediator(user):
        return reverse("grievances:work_item", args=[grievance.pk])
    return reverse("grievances:detail", args=[grievance.pk])


def get_by_tracking(user, tracking_no: str) -> Grievance | None:
    return visible_grievances(user).filter(tracking_no=normalise(tracking_no)).first()


# What an inbox row shows beside the item's own columns (grievances/inbox.html): joining the
# lead unit and the centre too built a hash of every unit of the province per page (1 ms).
LIST_RELATED = ("category", "region")


# ---- department inbox (我的办理事项 / 我们的工作任务) ----

INBOX_FILTERS = {
    "todo": Q(state=State.DISPATCHED),
    "handling": Q(state=State.HANDLING),
    "done": Q(state__in=[State.COMPLETED, State.VERIFIED, State.CLOSED]),
    "supervised": Q(supervision_count__gt=0, state__in=OPEN_STATES) | Q(has_leader_instruction=True,
                                                                         state__in=OPEN_STATES),
    "joint": Q(is_joint=True),
}


# Due within this long counts as "即将超期" everywhere (queue cells, lists, workbench counts).
DUE_SOON = timedelta(hours=24)
# A supervision order this recent is "新督办".
NEW_SUPERVISION = timedelta(days=7)


def timed_filters(now: datetime) -> dict[str, Q]:
    """Filters on grievances that depend on the time: due soon, overdue (the item's clock,
    kept by grievances.deadlines) and newly supervised. The same filter feeds a list and
    the workbench count that links to it, so the two always agree.

    "new_supervision" is a correlated EXISTS on the item's own orders (index grievance, id),
    not ``pk IN (orders of the last week)``: inside a count's FILTER PostgreSQL cannot turn
    the IN into a join and hashes every recent order of the province first (a sequential
    scan of the order table, 52 ms at 10 M appeals), while a unit's open items are a few."""
    return {
        "soon": Q(clock__is_open=True, clock__due_at__gte=now, clock__due_at__lt=now + DUE_SOON),
        "overdue": Q(clock__is_open=True, clock__due_at__lt=now),
        "new_supervision": Q(Exists(SupervisionOrder.objects.filter(
            grievance_id=OuterRef("pk"), created_at__gte=now - NEW_SUPERVISION)), state__in=OPEN_STATES),
    }


def inbox_filter(name: str, now: datetime | None = None) -> Q | None:
    if name in INBOX_FILTERS:
        return INBOX_FILTERS[name]
    return timed_filters(now or timezone.now()).get(name)


def centre_workbench_counts(user) -> dict[str, int]:
    """The centre workbench: items to accept, due soon, overdue, returned by a unit and
    waiting to be dispatched again, and newly supervised; scoped like the queue."""
    timed = timed_filters(timezone.now())
    return Grievance.objects.visible_to(user).filter(state__in=OPEN_STATES).aggregate(
        submitted=Count("pk", filter=Q(state=State.SUBMITTED)),
        soon=Count("pk", filter=timed["soon"]),
        overdue=Count("pk", filter=timed["overdue"]),
        returned=Count("pk", filter=Q(state=State.ACCEPTED, return_count__gt=0)),
        new_supervision=Count("pk", filter=timed["new_supervision"]),
    )


def unit_workbench_counts(user) -> dict[str, int]:
    """A unit's workbench: the inbox counts plus due soon, overdue and newly supervised
    among the items it leads (what the inbox filters of the same names list)."""
    counts = inbox_counts(user)
    timed = timed_filters(timezone.now())
    if not user.unit_id:
        return {**counts, **{name: 0 for name in timed}}
    counts.update(Grievance.objects.filter(handling_unit_id=user.unit_id, state__in=OPEN_STATES).aggregate(
        **{name: Count("pk", filter=q) for name, q in timed.items()}))
    return counts


def unit_grievances(user):
    """Items of the user's unit, as lead or co-handling unit."""
    return visible_grievances(user)


def _inbox_sources(user, scope: str):
    """The inbox as a union of index-bound sources, each ordered by id: the lead unit's
    items (index handling_unit, id), the co-handled ones (cohandling unit index) and, for
    "mine", the ones this person signed (index handler, id). An OR across them would make
    PostgreSQL scan the table; separate keyset queries each read one page."""
    unit_id = user.unit_id
    base = Grievance.objects.all()
    if scope == "mine":
        return [base.filter(handler_id=user.pk),
                base.filter(handling_unit_id=unit_id, state=State.DISPATCHED)]
    co = CoHandling.objects.filter(unit_id=unit_id).values("grievance_id")
    return [base.filter(handling_unit_id=unit_id), base.filter(pk__in=co).exclude(handling_unit_id=unit_id)]


def _bigram_tokens(term: str) -> list[str]:
    """Every pair of adjacent characters of each word of ``term`` (a word of one character
    stands for itself), upper-cased like ``search_bigrams`` (migration 0013), once each."""
    lexemes: list[str] = []
    for word in (term or "").upper().split():
        for token in ([word] if len(word) == 1 else [word[i:i + 2] for i in range(len(word) - 1)]):
            if token not in lexemes:
                lexemes.append(token)
    return lexemes


def bigram_tsquery(term: str) -> str:
    """The tsquery that ``grievances_grievance.search_bigrams`` must match for ``term`` to occur
    in the title or description: its bigrams (``_bigram_tokens``) ANDed."""
    return " & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in _bigram_tokens(term))


class _BigramMatch(Func):
    """``search_bigrams @@ '<query>'::tsquery`` on the grievance table (PostgreSQL only)."""

    output_field = BooleanField()

    def __init__(self, query: str):
        super().__init__(Value(query))

    def as_sql(self, compiler, connection, **extra):
        value_sql, params = compiler.compile(self.source_expressions[0])
        table = connection.ops.quote_name(Grievance._meta.db_table)
        return f"{table}.search_bigrams @@ ({value_sql})::tsquery", params


# How a text search is answered on PostgreSQL (issue 18, goal 3). "index": the bigram GIN
# index finds every appeal of the province holding the term's rarest bigram, ANDed with the
# scope's index (a county's, a unit's), then the matches are read and sorted: it decodes
# share × appeals posting entries, and reads share × scope rows (7 % for 漏水: 687 k entries
# at 10 M for a 50-row page). "walk": no bigram condition at all (so the GIN index cannot be
# used), and the list is read in its own order (the queue indexes, the inbox's unit index)
# with the substring rechecked row by row, stopping when the page is full: about rows ÷
# share rows (at most the scope's), whatever the province's size. search_plan compares the
# two in rows read, an entry costing 1/SEARCH_ENTRIES_PER_ROW of a row (measured at 10 M:
# 0.24–0.73 µs an entry, 3–6.8 µs a row walked; 10 is the geometric middle of those
# ratios), and walks when that is cheaper. The share of a bigram comes from pg_stats when
# ANALYZE listed it; one it did not list is counted in a block sample of the table
# (``_sampled_shares``): ANALYZE's list of a tsvector's elements is lossy, and at 10 M it
# left out 占道 (in 1.1 % of appeals) in one ANALYZE and listed it in the next, so the list
# cannot tell a rare bigram from a mid-frequency one it happened to drop.
SEARCH_WALK = "walk"
SEARCH_INDEX = "index"
SEARCH_ENTRIES_PER_ROW = 10.0
SEARCH_STATS_SECONDS = 600
SEARCH_SAMPLE_ROWS = 10_000
_search_stats: dict[str, tuple[float, dict[str, float], float, float]] = {}
_scope_rows: dict[tuple, tuple[float, float]] = {}
_sample_shares: dict[tuple[str, str], tuple[float, float]] = {}


def _bigram_stats(using: str) -> tuple[dict[str, float], float, float]:
    """(share of appeals holding each of the most common bigrams, the lowest listed share,
    the table's estimated rows) from pg_stats and pg_class, read at most every
    SEARCH_STATS_SECONDS per process and database."""
    now = time.monotonic()
    cached = _search_stats.get(using)
    if cached and now - cached[0] < SEARCH_STATS_SECONDS:
        return cached[1], cached[2], cached[3]
    shares: dict[str, float] = {}
    floor, rows = 0.0, 0.0
    with connections[using].cursor() as cur:
        cur.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = %s AND attname = 'search_bigrams' AND schemaname = ANY(current_schemas(false))",
            [Grievance._meta.db_table])
        row = cur.fetchone()
        if row and row[0] and row[1]:
            elems, freqs = row
            shares = dict(zip(elems, freqs[: len(elems)], strict=True))
            floor = float(freqs[len(elems)])  # ts_typanalyze appends the lowest and highest share
        cur.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Grievance._meta.db_table])
        row = cur.fetchone()
        rows = max(float(row[0]), 0.0) if row else 0.0
    _search_stats[using] = (now, shares, floor, rows)
    return shares, floor, rows


def _sampled_shares(tokens: list[str], using: str, table_rows: float) -> dict[str, float]:
    """Share of appeals holding each of ``tokens`` (bigrams), counted in a block sample of
    about SEARCH_SAMPLE_ROWS rows (``TABLESAMPLE SYSTEM … REPEATABLE``: the same blocks for
    every term and process; the whole table when it is smaller), one query for the tokens
    not known yet, each kept for SEARCH_STATS_SECONDS per process. At 10,000 rows a bigram
    in 0.2 % of appeals is seen about 20 times: enough to choose a plan, whose costs differ
    ten-fold around the choice. A token the sample does not hold gets 0 (rare)."""
    now = time.monotonic()
    out: dict[str, float] = {}
    missing = []
    for token in tokens:
        cached = _sample_shares.get((using, token))
        if cached and now - cached[0] < SEARCH_STATS_SECONDS:
            out[token] = cached[1]
        else:
            missing.append(token)
    if not missing:
        return out
    percent = 100.0 if table_rows <= SEARCH_SAMPLE_ROWS else max(100.0 * SEARCH_SAMPLE_ROWS / table_rows, 0.001)
    table = connections[using].ops.quote_name(Grievance._meta.db_table)
    hits = ", ".join("count(*) FILTER (WHERE search_bigrams @@ %s::tsquery)" for _ in missing)
    with connections[using].cursor() as cur:
        cur.execute(f"SELECT count(*), {hits} FROM {table} TABLESAMPLE SYSTEM (%s) REPEATABLE (18)",
                    [bigram_tsquery(t) for t in missing] + [percent])
        sampled, *counts = cur.fetchone()
    if len(_sample_shares) > 5000:
        _sample_shares.clear()
    for token, n in zip(missing, counts, strict=True):
        share = n / sampled if sampled else 0.0
        _sample_shares[(using, token)] = (now, share)
        out[token] = share
    return out


def search_share(term: str, using: str = "default") -> float | None:
    """Share of appeals holding the term's rarest bigram: as ANALYZE listed it, or for a
    bigram ANALYZE did not list, as counted in a sample of the table (``_sampled_shares``);
    0 for a term none of the sample holds; None for an empty term, an empty table or off
    PostgreSQL."""
    if connections[using].vendor != "postgresql":
        return None
    tokens = _bigram_tokens(term)
    if not tokens:
        return None
    shares = _token_shares(tokens, using)
    return min(shares.values()) if shares else None


def _token_shares(tokens: list[str], using: str) -> dict[str, float]:
    """Share of appeals holding each token: pg_stats, else the sample; {} for a table
    never analysed or empty."""
    shares, _, rows = _bigram_stats(using)
    if rows <= 0:
        return {}
    known = {t: shares[t] for t in tokens if t in shares}
    if len(known) < len(tokens):
        known.update(_sampled_shares([t for t in tokens if t not in known], using, rows))
    return known


def _estimated_rows(qs: QuerySet) -> float:
    """PostgreSQL's estimate of the rows of ``qs`` (EXPLAIN, no execution), kept for
    SEARCH_STATS_SECONDS per query text."""
    sql, params = qs.order_by().query.sql_with_params()
    key = (qs.db, sql, tuple(map(str, params)))
    now = time.monotonic()
    cached = _scope_rows.get(key)
    if cached and now - cached[0] < SEARCH_STATS_SECONDS:
        return cached[1]
    with connections[qs.db].cursor() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    rows = float(plan[0]["Plan"]["Plan Rows"])
    if len(_scope_rows) > 1000:
        _scope_rows.clear()
    _scope_rows[key] = (now, rows)
    return rows


def search_plan(term: str, scope: QuerySet | None = None, *, rows: int = 51, queries: int = 2,
                whole_scope: bool = False) -> str | None:
    """SEARCH_WALK or SEARCH_INDEX for searching ``scope`` (the list before the search; the
    whole table by default) for ``term``, when ``rows`` matches are wanted in list order by
    each of ``queries`` queries (the admin's first page: a count capped at 51 and a page of
    50; the inbox: one page of 21); None where there is no choice (SQLite, empty term).
    ``whole_scope``: count the walk as reading the whole scope, for a scope whose share of
    the term may be far below the province's (a unit's items are of a few categories: 欠薪
    is in 1.2 % of appeals and in 3 of the 424 items of a housing bureau at 1 M)."""
    using = scope.db if scope is not None else "default"
    if connections[using].vendor != "postgresql" or not _bigram_tokens(term):
        return None
    share = search_share(term, using)
    if share is None or share <= 0:
        return SEARCH_INDEX
    table_rows = _bigram_stats(using)[2]
    scope_rows = min(_estimated_rows(scope), table_rows) if scope is not None else table_rows
    walk = scope_rows if whole_scope else min(scope_rows, rows / share)
    index = queries * share * (table_rows / SEARCH_ENTRIES_PER_ROW + scope_rows)
    return SEARCH_WALK if walk < index else SEARCH_INDEX


@contextmanager
def search_walk(using: str = "default", *, sort: bool = False, plan: str = SEARCH_WALK):
    """Run the queries inside in a transaction where PostgreSQL may not use bitmap scans,
    sequential scans, parallel workers or JIT compilation (a walk stops after a few thousand
    rows, but the planner prices it as the whole index, so at 10 M it compiled the page's
    query for ~1 s) or (unless ``sort``) sorts (``SET LOCAL``, undone at the end even
    inside an outer transaction): a walked search's list and count then read an index in the
    list's order and stop after their LIMIT; without the bigram condition there is nothing
    else cheap. The inbox keeps sorts (its co-handled source joins a few rows and sorts
    them) and loses the bitmap of all the unit's items. ``plan=SEARCH_INDEX``: only JIT is
    switched off (the same statements, so a search page makes the same number of queries
    whichever plan the term's share chooses, at 10 k as at 10 M). A no-op elsewhere and
    for ``plan=None``."""
    connection = connections[using]
    if connection.vendor != "postgresql" or plan is None:
        yield
        return
    if plan == SEARCH_WALK:
        names = ("enable_bitmapscan", "enable_seqscan", "max_parallel_workers_per_gather", "jit") + (
            () if sort else ("enable_sort",))
    else:
        names = ("jit",)
    nested = connection.in_atomic_block
    with transaction.atomic(using=using):
        with connection.cursor() as cur:
            before = None
            if nested:
                cur.execute("SELECT " + ", ".join(f"current_setting('{n}')" for n in names))
                before = cur.fetchone()
            cur.execute("SELECT " + ", ".join(f"set_config('{n}', '{'0' if n.startswith('max') else 'off'}', true)"
                                              for n in names))
        yield
        # Our own transaction's COMMIT ends SET LOCAL; inside an outer one the old values are
        # put back (an exception rolls the savepoint back, which undoes SET LOCAL too).
        if before is not None:
            with connection.cursor() as cur:
                cur.execute("SELECT " + ", ".join(f"set_config('{n}', %s, true)" for n in names), list(before))


def _rarest_tsquery(term: str, using: str) -> str:
    """The tsquery of the term's rarest bigram alone ('' without statistics). All of its
    bigrams ANDed would find fewer candidates, but PostgreSQL multiplies their shares as if
    independent (电梯, 梯故, 故障: 1 row expected, 10,799 found at 1 M) and then skips ANDing
    the scope's index: it rechecks the region of every candidate in the province on the heap
    (10,427 pages at 1 M, 1.1 s at 10 M). One bigram is estimated as PostgreSQL counts it,
    and ``icontains`` keeps the exact matches either way."""
    tokens = _bigram_tokens(term)
    shares = _token_shares(tokens, using) if tokens else {}
    if not shares:
        return ""
    return bigram_tsquery(min(tokens, key=lambda t: shares.get(t, 0.0)))


def text_search(qs: QuerySet, term: str, fields: tuple[str, ...] = ("title", "description"),
                plan: str | None = None) -> QuerySet:
    """Appeals whose given text fields contain ``term`` (case-insensitive substring). On
    PostgreSQL a rare term is narrowed by the character-bigram GIN index first (any length,
    one- or two-character Chinese terms too), then ``icontains`` keeps the exact matches; a
    common one (``search_plan``) gets no bigram condition, to be read in list order inside
    ``search_walk``. Either way the rows are the same."""
    term = (term or "").strip()
    if not term:
        return qs
    # A term without cased characters (Chinese, digits) matches the same rows case-sensitively:
    # ``contains`` spares PostgreSQL an UPPER() of every title and description it reads (at
    # 10 M, a county's 电梯故障 walk over 5,900 rows: 11.7 ms with UPPER, 6.5 ms without).
    lookup = "contains" if all(ch.lower() == ch == ch.upper() for ch in term) else "icontains"
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__{lookup}": term})
    qs = qs.filter(condition)
    query = bigram_tsquery(term)
    if not query or connections[qs.db].vendor != "postgresql" or not set(fields) <= {"title", "description"}:
        return qs
    if (plan or search_plan(term, qs)) == SEARCH_WALK:
        return qs
    return qs.filter(_BigramMatch(_rarest_tsquery(term, qs.db) or query))


def inbox(user, *, scope: str = "unit", filter_name: str = "", q: str = "", before: int | None = None,
          size: int = PAGE_SIZE) -> KeysetPage:
    """One keyset page of the department inbox: newest first, a fixed number of queries."""
    if not user.unit_id:
        return KeysetPage(items=[], next_before=None, has_next=False)
    q = (q or "").strip()
    ids: set[int] = set()
    tracking = len(normalise(q)) >= 14
    sources = _inbox_sources(user, scope)
    plan = search_plan(q, sources[0], rows=size + 1, queries=1, whole_scope=True) if q and not tracking else None
    with search_walk(Grievance.objects.db, sort=True, plan=plan):
        for qs in sources:
            condition = inbox_filter(filter_name)
            if condition is not None:
                qs = qs.filter(condition)
            if q:
                qs = qs.filter(tracking_no=normalise(q)) if tracking else text_search(qs, q, ("title",), plan=plan)
            if before:
                qs = qs.filter(pk__lt=before)
            ids.update(qs.order_by("-pk").values_list("pk", flat=True)[: size + 1])
    top = sorted(ids, reverse=True)[: size + 1]
    has_next = len(top) > size
    top = top[:size]
    items = list(Grievance.objects.filter(pk__in=top).select_related(*LIST_RELATED).order_by("-pk"))
    return KeysetPage(items=items, next_before=top[-1] if has_next and top else None, has_next=has_next)


def inbox_counts(user) -> dict[str, int]:
    """The inbox tab counts from index-only scans: per state for lead items (index
    handling_unit, state) and co-handled ones (index unit, state of CoHandling, which keeps
    its item's state; a co-handling unit is never the item's lead unit: dispatch drops the
    lead from the co-units and every change of lead replaces them), plus the flagged and
    joint ones (partial indexes)."""
    unit_id = user.unit_id
    counts = {"total": 0, "mine": 0, "pending_returns": 0, **{name: 0 for name in INBOX_FILTERS}}
    if not unit_id:
        return counts
    by_state: dict[str, int] = {}
    for qs in (Grievance.objects.filter(handling_unit_id=unit_id), CoHandling.objects.filter(unit_id=unit_id)):
        for row in qs.order_by().values("state").annotate(n=Count("*")):
            by_state[row["state"]] = by_state.get(row["state"], 0) + row["n"]
    counts["total"] = sum(by_state.values())
    counts["todo"] = by_state.get(State.DISPATCHED, 0)
    counts["handling"] = by_state.get(State.HANDLING, 0)
    counts["done"] = sum(by_state.get(s, 0) for s in (State.COMPLETED, State.VERIFIED, State.CLOSED))
    lead = Grievance.objects.filter(handling_unit_id=unit_id)
    counts["supervised"] = lead.filter(INBOX_FILTERS["supervised"]).count()
    counts["joint"] = lead.filter(is_joint=True).count()
    counts["mine"] = Grievance.objects.filter(handler_id=user.pk, state__in=OPEN_STATES).count() + counts["todo"]
    if permissions.is_department_leader(user):
        counts["pending_returns"] = ReturnRequest.objects.filter(
            unit_id=unit_id, status=ReturnStatus.PENDING).count()
    return counts


def pending_returns(user):
    """Return requests of the leader's own unit awaiting a decision."""
    if not (permissions.is_department_leader(user) or permissions.is_mediator(user)):
        return ReturnRequest.objects.none()
    return (
        ReturnRequest.objects.filter(unit_id=user.unit_id, status=ReturnStatus.PENDING)
        .select_related("grievance", "requested_by", "grievance__category")
        .order_by("-id")
    )


def get_return_request(user, pk) -> ReturnRequest:
    rr = pending_returns(user).filter(pk=pk).first() or ReturnRequest.objects.filter(
        pk=pk, unit_id=getattr(user, "unit_id", None)
    ).select_related("grievance").first()
    if rr is None:
        raise Http404
    return rr


# ---- one item's page ----


@dataclass
class SecondRound:
    """What the citizen sees after rating 不满意: the second supervision (二次督办) started,
    who handles it now, and the result they were not satisfied with."""

    started_at: object
    unit_name: str
    comment: str
    previous_result: str


@dataclass
class GrievanceDetail:
    grievance: Grievance
    events: list
    attachments: list
    supervisions: list
    co_units: list
    pending_return: ReturnRequest | None
    joint: object | None
    show_identity: bool
    second_round: SecondRound | None = None


def second_round(grievance: Grievance, events: list) -> SecondRound | None:
    """The round opened by the latest 不满意 rating, while it is being handled again."""
    if grievance.state not in OPEN_STATES or grievance.state == State.VERIFIED:
        return None
    unsatisfied = [e for e in events if e.action == "rated_unsatisfied"]
    if not unsatisfied:
        return None
    rated = unsatisfied[-1]
    if any(e.action == "verified" and e.pk > rated.pk for e in events):
        return None
    fed_back = [e for e in events if e.action == "verified" and e.pk < rated.pk]
    rating = grievance.ratings.order_by("-id").first()
    return SecondRound(
        started_at=rated.created_at, unit_name=grievance.handling_unit.name if grievance.handling_unit_id else "",
        comment=rating.comment if rating else "", previous_result=fed_back[-1].note if fed_back else "",
    )


# What a citizen's page of an item shows: public material; material of an internal step (a
# unit's completion report) only once the centre has checked the result.
CITIZEN_ATTACHMENTS = Q(public=True) & (
    Q(event__isnull=True) | Q(event__public=True) | Q(grievance__state__in=[State.VERIFIED, State.CLOSED])
)


def attachments_visible_to(user, *, lookup_ids=()) -> QuerySet[Attachment]:
    """Attachments whose file this person may open (grid.files asks this before serving).

    Staff who may see an item (centre, department, mediator, administrator) open all its
    material, as on their work pages; citizens and grid workers, and anyone who found the
    item by tracking number and phone in this session (``lookup_ids``), open exactly what
    the item's public page shows (CITIZEN_ATTACHMENTS).
    """
    if user.is_authenticated and not (permissions.is_citizen(user) or permissions.is_grid_worker(user)):
        return Attachment.objects.filter(grievance__in=Grievance.objects.visible_to(user))
    own = Grievance.objects.visible_to(user) if user.is_authenticated else Grievance.objects.none()
    return Attachment.objects.filter(CITIZEN_ATTACHMENTS).filter(
        Q(grievance__in=own) | Q(grievance_id__in=list(lookup_ids)))


def detail(user, grievance: Grievance, *, public_only: bool = False) -> GrievanceDetail:
    events = GrievanceEvent.objects.filter(grievance=grievance).select_related("unit", "actor").order_by("id")
    attachments = Attachment.objects.filter(grievance=grievance).order_by("id")
    if public_only:
        events = events.filter(public=True)
        attachments = attachments.filter(CITIZEN_ATTACHMENTS)
    # The item's own flags say whether it has orders or a joint handling to read: the
    # services write an order together with supervision_count / has_leader_instruction
    # (supervise, instruct, reopen) and a joint handling together with is_joint, in one
    # transaction; most items have neither (two statements fewer on their pages).
    supervised = grievance.supervision_count > 0 or grievance.has_leader_instruction
    supervisions = [] if public_only or not supervised else list(
        SupervisionOrder.objects.filter(grievance=grievance).select_related("issued_by").order_by("-id")
    )
    joint = None if public_only or not grievance.is_joint else grievance.joint_handlings.select_related(
        "lead_unit").prefetch_related("co_units", Prefetch("sessions")).order_by("-id").first()
    pending = None if public_only else grievance.return_requests.filter(status=ReturnStatus.PENDING).select_related(
        "requested_by").first()
    show_identity = not grievance.hide_identity or not (
        permissions.is_department(user) or permissions.is_mediator(user)
    )
    events = list(events)
    for e in events:
        # The reporter asked departments not to see who they are: not even as an actor.
        e.hide_actor = not show_identity and e.actor_id is not None and e.actor_id == grievance.reporter_id
    return GrievanceDetail(
        grievance=grievance, events=events, attachments=list(attachments), supervisions=supervisions,
        co_units=list(grievance.co_units.all()), pending_return=pending, joint=joint, show_identity=show_identity,
        second_round=second_round(grievance, events) if public_only else None,
    )


def privacy_subject(grievance: Grievance) -> privacy.Subject:
    return privacy.Subject("grievances.grievance", grievance.pk, grievance.tracking_no, grievance.reporter_id)


def staff_contact(request, grievance: Grievance, info: GrievanceDetail) -> privacy.ShownContact:
    """The reporter's name and phone on the item page of someone who handles the item (the
    centre's admin page, the department's work page): in full unless the citizen hid their
    identity from departments (then no name and a masked number), each full view recorded."""
    return privacy.reveal_contact(
        request, name=grievance.contact_name, phone=grievance.contact_phone, subject=privacy_subject(grievance),
        handles=True, hidden=not info.show_identity,
    )


# ---- citizen ----


def my_grievances(user, *, before: int | None = None, size: int = PAGE_SIZE) -> KeysetPage:
    """A citizen's own items (filed from the account, or registered for the account's phone
    number by the hotline, a walk-in desk or a grid worker); a grid worker also follows the
    items of their grids.

    For citizens the page is a union of two index-bound keyset reads (reporter, id) and
    (contact_phone): an OR across them would let PostgreSQL walk the whole id index."""
    if permissions.is_grid_worker(user):
        qs = Grievance.objects.visible_to(user).select_related("category", "region")
        return keyset(qs, before=before, size=size)
    sources = [Grievance.objects.filter(reporter_id=user.pk),
               Grievance.objects.registered_for_phone(getattr(user, "phone", "") or "")]
    ids: set[int] = set()
    for qs in sources:
        if before:
            qs = qs.filter(pk__lt=before)
        ids.update(qs.order_by("-pk").values_list("pk", flat=True)[: size + 1])
    top = sorted(ids, reverse=True)[: size + 1]
    has_next = len(top) > size
    top = top[:size]
    items = list(Grievance.objects.filter(pk__in=top).select_related("category", "region").order_by("-pk"))
    return KeysetPage(items=items, next_before=top[-1] if has_next and top else None, has_next=has_next)


def lookup(tracking_no: str, phone: str) -> Grievance | None:
    """进度查询 without logging in: both the tracking number and the contact phone must match."""
    number = normalise(tracking_no)
    phone = normalise(phone)
    if len(number) < 14 or len(phone) != 11:
        return None
    return Grievance.objects.select_related("category", "region").filter(
        tracking_no=number, contact_phone=phone
    ).first()


# ---- 同类案例查询: closed items, anonymised ----

_PHONE_RE = re.compile(r"1[3-9]\d{9}")
_ID_RE = re.compile(r"\d{17}[\dXx]")
_LONG_DIGITS_RE = re.compile(r"\d{7,}")
_HOUSE_RE = re.compile(r"\d+\s*(号楼|栋|单元|室|号)")
_DIGIT_RE = re.compile(r"\d")


def anonymise(text: str, *, names: list[str]) -> str:
    text = text or ""
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, name[0] + "某")
    if _DIGIT_RE.search(text) is None:
        # Every pattern below needs a digit and most texts have none: one scan instead of
        # four (an Open311 page anonymises up to 2000 texts: 4.0 -> 1.3 ms of CPU).
        return text
    text = _ID_RE.sub("***", text)
    text = _PHONE_RE.sub("***", text)
    text = _LONG_DIGITS_RE.sub("***", text)
    text = _HOUSE_RE.sub(r"*\1", text)
    return text


@dataclass
class PublicCase:
    pk: int
    kind_label: str
    category: str
    region: str
    title: str
    result: str
    closed_month: str
    satisfaction: str


@heavy_reads()
def similar_cases(*, category=None, region: Region | None = None, q: str = "", before: int | None = None,
                  size: int = PAGE_SIZE):
    qs = Grievance.objects.filter(state=State.CLOSED).exclude(result="")
    if category is not None:
        qs = qs.filter(category=category)
    if region is not None:
        qs = qs.filter(region_code__startswith=region.prefix)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(result__icontains=q))
    page = keyset(qs.select_related("category", "region", "region__parent"), before=before, size=size)
    cases = []
    for g in page.items:
        names = [g.contact_name]
        # Township level at most: never the village, never the address.
        place = g.region.parent.name if g.region.level >= 5 and g.region.parent_id else g.region.name
        cases.append(PublicCase(
            pk=g.pk, kind_label=g.get_kind_display(), category=g.category.name if g.category else "",
            region=place, title=anonymise(g.title, names=names + [g.address]),
            result=anonymise(g.result, names=names + [g.address]),
            closed_month=f"{g.closed_at:%Y-%m}" if g.closed_at else "", satisfaction=g.get_satisfaction_display(),
        ))
    page.items = cases
    return page


def dispute_categories():
    from grievances.models import Category

    return Category.objects.filter(group=CategoryGroup.DISPUTE, is_active=True)


def routing_suggestion(grievance: Grievance):
    """属地+属事: the rule for the item's category at the most specific region at or above
    the item's place; falls back up the tree (village → township → county → city), skipping
    units that already returned this item."""
    from grid.models import PREFIX_LENGTH
    from grievances.models import RoutingRule

    if grievance.category_id is None:
        return None
    code = grievance.region_code
    level = grievance.region.level
    codes = [code[:n].ljust(12, "0") for lvl, n in sorted(PREFIX_LENGTH.items()) if lvl <= level]
    # A unit whose return of this item was approved is not suggested again.
    returned = ReturnRequest.objects.filter(grievance=grievance, status=ReturnStatus.APPROVED).values("unit_id")
    rules = {
        r.region_code: r.unit
        for r in RoutingRule.objects.filter(category_id=grievance.category_id, region_code__in=codes, is_active=True,
                                            unit__is_active=True).exclude(unit_id__in=returned).select_related("unit")
    }
    for c in reversed(codes):
        if c in rules:
            return rules[c]
    return None


# ---- files uploaded ahead of their form ----


def staged_uploads(user, ids) -> list:
    """The person's own staged files among ``ids`` (a re-shown form lists them again)."""
    ids = [i for i in ids if str(i).isdigit()]
    if not ids or not getattr(user, "is_authenticated", False):
        return []
    from grievances.models import StagedUpload

    return list(StagedUpload.objects.filter(owner=user, pk__in=ids).order_by("pk"))


def staged_uploads_visible_to(user):
    """Whose staged files grid.files may hand out: their owner's only."""
    from grievances.models import StagedUpload

    if not getattr(user, "is_authenticated", False):
        return StagedUpload.objects.none()
    return StagedUpload.objects.filter(owner=user)


def staged_item(st) -> dict:
    from django.urls import reverse

    return {"id": st.pk, "name": st.original_name, "kind": st.kind,
            "thumb": st.thumbnail.url if st.thumbnail else "",
            "discard": reverse("grievances:discard_upload", args=[st.pk])}


def help_contacts(user) -> dict:
    """What the "需要帮助？" panel shows: the centre to call for the reader's place (a citizen's
    place is that of their latest appeal; staff that of their unit) and the urgent legal line."""
    from django.conf import settings

    from grid.selectors import help_centre

    region_code = None
    if user is not None and user.is_authenticated:
        region_code = (Grievance.objects.filter(reporter_id=user.pk).order_by("-id")
                       .values_list("region_code", flat=True).first())
        if region_code is None and getattr(user, "unit_id", None):
            region_code = user.unit.region_code
    centre = help_centre(region_code)
    return {
        "centre": {"name": centre.name, "phone": centre.phone} if centre else None,
        "urgent_line": settings.URGENT_LEGAL_LINE,
    }
