"""The two plans of the admin and inbox text search (issue 18, goal 3): a common term is
walked (the list's own index in order, the substring rechecked, no bigram index), a rare one
is answered from the bigram GIN index. Both must give the same rows in the same order; the
plan is chosen from the bigram statistics; a walked search's count stops at the end of the
current page and is shown as "more than N" with a link to the next page."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grievances import selectors
from grievances.models import Grievance

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:grievances_grievance_changelist"
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans exist only on PostgreSQL")
TERMS = ("漏水", "电梯故障", "水", "漏", "卫生间漏水", "事项", "楼上", "没有这个词")


@pytest.fixture
def appeals(loop, world):
    """About 1,200 appeals in the two counties: 漏水 in one of eight (title or description
    only), 电梯故障 in three, due times spread out and some without one; ANALYZEd on
    PostgreSQL so the plan choice reads real statistics."""
    template = loop.dispatched(title="模板事项")
    loop.submit(title="电梯故障", description="三栋电梯停了。")
    now = timezone.now()
    rows = []
    for i in range(1200):
        if i % 16 == 0:
            title, description = f"楼上卫生间漏水{i}", "天花板发霉。"
        elif i % 16 == 8:
            title, description = f"其他事项{i}", "楼上漏水两周了，墙皮脱落。"
        elif i in (401, 802):
            title, description = f"小区电梯故障{i}", "困人。"
        else:
            title, description = f"其他事项{i}", "诉求内容。"
        g = Grievance(**{f.attname: getattr(template, f.attname) for f in Grievance._meta.concrete_fields
                         if not f.primary_key})
        g.tracking_no = f"T{i:012d}"
        g.title, g.description = title, description
        west = i % 3 == 0
        g.region_id = (world.west_village if west else world.east_village).pk
        g.region_code = (world.west_village if west else world.east_village).code
        g.due_at = None if i % 7 == 0 else now + timedelta(hours=(i * 37) % 500)
        rows.append(g)
    Grievance.objects.bulk_create(rows, batch_size=500)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE grievances_grievance")
    selectors._search_stats.clear()
    selectors._scope_rows.clear()
    yield
    selectors._search_stats.clear()
    selectors._scope_rows.clear()


def _expected(qs, term):
    """The truth: Python's own substring test over every row, in queue order."""
    t = term.upper()
    return [pk for pk, title, description in qs.order_by(F("due_at").asc(nulls_last=True), "-id")
            .values_list("pk", "title", "description") if t in title.upper() or t in description.upper()]


def _queue_order(qs):
    return list(qs.order_by(F("due_at").asc(nulls_last=True), "-id").values_list("pk", flat=True))


def test_both_plans_give_the_rows_python_finds_in_the_same_order(appeals, east_centre_staff, city_centre_staff):
    for user in (east_centre_staff, city_centre_staff):
        base = selectors.queue(user)
        for term in TERMS:
            truth = _expected(base, term)
            index = _queue_order(selectors.text_search(base, term, plan=selectors.SEARCH_INDEX))
            with selectors.search_walk():
                walk = _queue_order(selectors.text_search(base, term, plan=selectors.SEARCH_WALK))
            assert index == walk == truth, term
    assert len(_expected(selectors.queue(east_centre_staff), "漏水")) > 50


def _page_ids(client, **params):
    body = client.get(reverse(CHANGELIST), params).content.decode()
    ids = []
    for pk in re.findall(r"/admin/grievances/grievance/(\d+)/change/", body):
        if int(pk) not in ids:
            ids.append(int(pk))
    return ids, body


@pytest.mark.parametrize("term", ["漏水", "电梯故障", "水"])
def test_the_admin_pages_are_the_same_under_both_plans(appeals, client, east_centre_staff, monkeypatch, term):
    client.force_login(east_centre_staff)
    truth = _expected(selectors.queue(east_centre_staff), term)
    pages, counts = {}, {}
    for plan in (selectors.SEARCH_INDEX, selectors.SEARCH_WALK):
        monkeypatch.setattr(selectors, "search_plan", lambda term, *args, plan=plan, **kw: plan)
        pages[plan] = []
        for p in (1, 2):
            _page_ids(client, q=term, p=p)  # per-process caches (bigram statistics) warm
            with CaptureQueriesContext(connection) as ctx:
                pages[plan].append(_page_ids(client, q=term, p=p)[0])
            if p == 1 or len(truth) > 50:  # (a page past the end is answered as before)
                # One read of the page and one row more serves the capped count and the rows.
                assert len(_grievance_queries(ctx)) == 1, _grievance_queries(ctx)
                counts[plan, p] = len(ctx.captured_queries)
    assert pages[selectors.SEARCH_INDEX] == pages[selectors.SEARCH_WALK]
    # The same number of queries whichever plan the term's share chooses (at 10 k as at 10 M).
    assert len(set(counts.values())) == 1, counts
    assert pages[selectors.SEARCH_WALK][0] == truth[:50]
    if len(truth) > 50:
        assert pages[selectors.SEARCH_WALK][1] == truth[50:100]


def test_a_walked_search_counts_to_the_end_of_its_page_and_says_more_than(appeals, client, east_centre_staff, monkeypatch):
    monkeypatch.setattr(selectors, "search_plan", lambda term, *args, **kw: selectors.SEARCH_WALK)
    client.force_login(east_centre_staff)
    matches = len(_expected(selectors.queue(east_centre_staff), "事项"))
    assert matches > 150
    _, body = _page_ids(client, q="事项")
    assert "超过 50 件" in body and "p=2" in body and "p=3" not in body
    assert "all=" not in body  # no "show all" of a count we did not make
    _, body = _page_ids(client, q="事项", p=2)
    assert "超过 100 件" in body and "p=3" in body and "p=4" not in body
    # A rare term's count is exact while small.
    monkeypatch.setattr(selectors, "search_plan", lambda term, *args, **kw: selectors.SEARCH_INDEX)
    ids, body = _page_ids(client, q="电梯故障")
    assert len(ids) == 3 and "超过" not in body


def test_the_capped_count_reads_more_than_in_english(appeals, client, east_centre_staff, monkeypatch):
    monkeypatch.setattr(selectors, "search_plan", lambda term, *args, **kw: selectors.SEARCH_WALK)
    client.force_login(east_centre_staff)
    body = client.get(reverse(CHANGELIST), {"q": "事项"}, headers={"accept-language": "en"}).content.decode()
    assert "more than 50" in body


def test_a_plan_is_chosen_on_postgresql_only():
    if connection.vendor == "postgresql":
        assert selectors.search_plan("漏水") in (selectors.SEARCH_WALK, selectors.SEARCH_INDEX)
        return
    assert selectors.search_plan("漏水") is None
    assert selectors.search_plan("漏水", Grievance.objects.all()) is None


@on_postgres
def test_the_plan_follows_the_terms_share(appeals, monkeypatch):
    # 漏水 is in 1 of 8 appeals, 电梯故障 in 4 of ~1,200; with ~1,200 rows either plan is
    # cheap, so the cost of an index entry is set to nothing, then to ten rows.
    monkeypatch.setattr(selectors, "SEARCH_ENTRIES_PER_ROW", 1e9)
    assert selectors.search_plan("漏水") == selectors.SEARCH_INDEX
    assert 0.09 < selectors.search_share("漏水") < 0.16
    assert (selectors.search_share("电梯故障") or 0) < 0.01
    assert selectors.search_share("没有这个词") == 0  # in no appeal: never walked
    monkeypatch.setattr(selectors, "SEARCH_ENTRIES_PER_ROW", 0.1)
    assert selectors.search_plan("漏水") == selectors.SEARCH_WALK
    assert selectors.search_plan("电梯故障") == selectors.SEARCH_INDEX
    assert selectors.search_plan("没有这个词") == selectors.SEARCH_INDEX


def _explain(sql, params=None):
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def _grievance_queries(ctx):
    return [q["sql"] for q in ctx.captured_queries
            if 'FROM "grievances_grievance"' in q["sql"] and "LIKE" in q["sql"]]


@on_postgres
def test_a_common_term_walks_the_queue_index_and_never_the_bigram_index(
        appeals, client, east_centre_staff, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_ENTRIES_PER_ROW", 0.1)
    client.force_login(east_centre_staff)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(CHANGELIST), {"q": "漏水"}).status_code == 200
    queries = _grievance_queries(ctx)
    assert len(queries) == 1, queries  # the page and one row more: the capped count too
    for sql in queries:
        assert "search_bigrams" not in sql, sql  # the GIN index cannot even be considered
        with selectors.search_walk():
            plan = _explain(sql)
        assert "grv_county_queue_idx" in plan and "Sort" not in plan and "Bitmap" not in plan, plan
    # The settings are gone after the block.
    assert _explain(queries[0]).count("grv_county_queue_idx") <= 1
    with connection.cursor() as cur:
        cur.execute("SHOW enable_bitmapscan")
        assert cur.fetchone()[0] == "on"


@on_postgres
def test_a_rare_term_is_answered_from_the_bigram_index(appeals, client, east_centre_staff, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_ENTRIES_PER_ROW", 0.1)
    client.force_login(east_centre_staff)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(CHANGELIST), {"q": "电梯故障"}).status_code == 200
    queries = _grievance_queries(ctx)
    assert queries and all("search_bigrams" in sql for sql in queries), queries
    for sql in queries:
        # The rare term's page is asked with the bigram condition the GIN index answers
        # (tests/grievances/test_search_index.py shows EXPLAIN using it). Which index the planner
        # then prefers is not asserted here: in the whole suite the table and the GIN's pending
        # list carry every rolled-back test's rows, and the county's queue index was preferred
        # (CI on 61afb5e), which says nothing about a real table.
        assert "@@" in sql and "LIKE" in sql, sql


@on_postgres
def test_the_inbox_search_of_a_common_term_has_no_bigram_condition(
        appeals, east_handler, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_ENTRIES_PER_ROW", 0.05)
    counts = []
    for term in ("漏水", "电梯故障"):
        selectors.inbox(east_handler, q=term)  # per-process caches warm
        with CaptureQueriesContext(connection) as ctx:
            page = selectors.inbox(east_handler, q=term)
        counts.append(len(ctx.captured_queries))
        texts = [q["sql"] for q in ctx.captured_queries if "LIKE" in q["sql"]]
        assert texts
        assert all(("search_bigrams" in sql) == (term == "电梯故障") for sql in texts), texts
        truth = [pk for pk in Grievance.objects.filter(handling_unit_id=east_handler.unit_id, title__icontains=term)
                 .order_by("-pk").values_list("pk", flat=True)[:20]]
        assert [g.pk for g in page.items] == truth
    assert counts[0] == counts[1], counts  # walked or from the index: the same queries


def test_a_search_sorted_by_a_column_is_not_walked(appeals, client, east_centre_staff, monkeypatch):
    monkeypatch.setattr(selectors, "search_plan", lambda term, *args, **kw: selectors.SEARCH_WALK)
    client.force_login(east_centre_staff)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(reverse(CHANGELIST), {"q": "事项", "o": "2"}).content.decode()
    assert "超过 50 件" in body  # its page and one row more, as any text search
    assert not any("enable_bitmapscan" in q["sql"] for q in ctx.captured_queries)


@on_postgres
def test_a_bigram_analyze_did_not_list_is_counted_in_a_sample(appeals, client, east_centre_staff, monkeypatch):
    # ANALYZE's list of a tsvector's elements is lossy: at 10 M one ANALYZE left out 占道
    # (1.1 % of appeals), and the term then fell back to the GIN plan over the province.
    # Here ANALYZE's list loses 漏水: its share is counted in the table instead (the
    # suite's table is smaller than the sample: all of it), once per process.
    shares, floor, rows = selectors._bigram_stats("default")
    assert "漏水" in shares
    dropped = {k: v for k, v in shares.items() if k != "漏水"}
    monkeypatch.setitem(selectors._search_stats, "default", (selectors.time.monotonic(), dropped, floor, rows))
    selectors._sample_shares.clear()
    monkeypatch.setattr(selectors, "SEARCH_ENTRIES_PER_ROW", 0.1)
    with CaptureQueriesContext(connection) as ctx:
        share = selectors.search_share("漏水")
    assert len(ctx.captured_queries) == 1 and "TABLESAMPLE" in ctx.captured_queries[0]["sql"]
    truth = len(_expected(Grievance.objects.all(), "漏水")) / Grievance.objects.count()
    assert share == pytest.approx(truth, rel=0.05)
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.search_plan("漏水") == selectors.SEARCH_WALK  # as when it is listed
    assert not any("TABLESAMPLE" in q["sql"] for q in ctx.captured_queries)  # kept
    # A term in no appeal is sampled as 0: the bigram index, never a walk of the whole list.
    assert selectors.search_share("没有这个词") == 0
    assert selectors.search_plan("没有这个词") == selectors.SEARCH_INDEX
    # The admin's page walks it and lists what Python finds.
    client.force_login(east_centre_staff)
    with CaptureQueriesContext(connection) as ctx:
        ids, _ = _page_ids(client, q="漏水")
    assert not any("search_bigrams" in sql for sql in _grievance_queries(ctx))
    assert ids == _expected(selectors.queue(east_centre_staff), "漏水")[:50]
