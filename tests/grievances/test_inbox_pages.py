"""The department inbox over a unit's own and co-handled items: keyset pages, tabs and the
newly-supervised count (issue 18: the page's queries must not read the whole province)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from grievances import selectors, services
from grievances.models import SupervisionOrder
from tests.grievances.factories import accepted, dispatched, handling

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(world, citizen, east_centre_staff, east_handler, east_handler2):
    """east_dept2 leads some items and co-handles others (led by east_dept), interleaved by id."""
    own, co = [], []
    for i in range(7):
        if i % 2:
            g = accepted(citizen, world.east_village, east_centre_staff)
            services.dispatch_grievance(actor=east_centre_staff, grievance=g, unit=world.east_dept,
                                        co_units=[world.east_dept2])
            if i == 3:
                services.sign_grievance(actor=east_handler, grievance=g)
            co.append(g)
        elif i == 4:
            own.append(handling(citizen, world.east_village, east_centre_staff, world.east_dept2, east_handler2))
        else:
            own.append(dispatched(citizen, world.east_village, east_centre_staff, world.east_dept2))
    dispatched(citizen, world.east_village, east_centre_staff, world.east_dept)  # not east_dept2's
    return own, co


def _walk(user, **kw):
    ids, before, pages = [], None, 0
    while True:
        page = selectors.inbox(user, before=before, size=3, **kw)
        ids += [g.pk for g in page.items]
        pages += 1
        if not page.has_next:
            return ids, pages
        before = page.next_before


def test_keyset_pages_list_own_and_co_handled_items_newest_first(mixed, east_handler2):
    own, co = mixed
    expected = sorted((g.pk for g in own + co), reverse=True)
    assert _walk(east_handler2) == (expected, 3)
    handling_ids = sorted((g.pk for g in own + co if g.state == "handling"), reverse=True)
    assert len(handling_ids) == 2  # one led, one co-handled
    assert _walk(east_handler2, filter_name="handling") == (handling_ids, 1)
    counts = selectors.unit_workbench_counts(east_handler2)
    assert (counts["total"], counts["todo"], counts["handling"]) == (7, 5, 2)


def test_new_supervision_counts_only_this_weeks_orders_on_the_units_open_items(
        world, citizen, east_centre_staff, east_centre_leader, east_handler):
    recent = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept)
    old = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept)
    other = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept2)
    for g in (recent, old, other):
        services.supervise_grievance(actor=east_centre_leader, grievance=g, note="请加快办理")
    SupervisionOrder.objects.filter(grievance=old).update(created_at=timezone.now() - timedelta(days=8))
    assert selectors.unit_workbench_counts(east_handler)["new_supervision"] == 1
    assert [g.pk for g in selectors.inbox(east_handler, filter_name="new_supervision").items] == [recent.pk]
    # A second order on the recent item does not count it twice.
    services.supervise_grievance(actor=east_centre_leader, grievance=recent, note="再次督办")
    assert selectors.unit_workbench_counts(east_handler)["new_supervision"] == 1
    assert selectors.centre_workbench_counts(east_centre_staff)["new_supervision"] == 2


def test_mine_count_is_an_index_only_count_of_the_handlers_open_items(
        client, world, citizen, east_centre_staff, east_handler2):
    """PostgreSQL: 我的办理事项's count of the open items this person signed reads the
    (handler, state) index (grv_handler_state_idx, migration 0022) alone, both conditions in its
    key: not the person's items of every year ANDed with the province's open items (6–12 ms at
    10 M)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    handling(citizen, world.east_village, east_centre_staff, world.east_dept2, east_handler2)
    assert selectors.inbox_counts(east_handler2)["mine"] == 1
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans only")
    client.force_login(east_handler2)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("grievances:inbox_mine")).status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries
              if f'"handler_id" = {east_handler2.pk} AND' in q["sql"] and "COUNT(*)" in q["sql"]]
    assert len(counts) == 1, [q["sql"] for q in ctx.captured_queries]
    with connection.cursor() as cursor:
        # A table of a few rows is cheaper to scan: forbid the scans that do not use an index
        # fitting the whole condition, so the plan shows whether the (handler, state) index fits it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + counts[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_bitmapscan")
    # Both columns come from the index (an index-only scan); on a table of a few rows the
    # planner may test the states as a filter on the index entries instead of as key ranges.
    assert "Index Only Scan using grv_handler_state_idx" in plan and re.search(r"Index Cond: \(+handler_id = ", plan), plan
    assert "Heap" not in plan and "BitmapAnd" not in plan, plan
