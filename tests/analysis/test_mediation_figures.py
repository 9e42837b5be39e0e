"""The dashboard's mediation figures (issue 15, flat from 10 k): the cases of the scope ended
in the period, counted from medcase_region_ended_idx (region_code, ended_at INCLUDE state,
migration mediation/0004) alone on PostgreSQL — not every case of the region fetched from the
heap and filtered by the period (1,950 cases for 60 at 10 M)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analysis import selectors
from mediation import services
from mediation.models import MediationCase
from tests.mediation.factories import taken_case

pytestmark = pytest.mark.django_db


def _figures(scope, period):
    """(succeeded, ended) of the success rate."""
    rate = selectors.mediation_figures(scope, period)["success_rate"]
    return rate.numerator, rate.denominator


def test_counts_only_the_scopes_cases_ended_in_the_period(world, citizen, east_centre_staff, mediator):
    ended = taken_case(world, citizen, east_centre_staff, mediator, title="漏水纠纷一")
    services.conclude_failed(actor=mediator, case=ended, reason="双方分歧过大", guidance="可向东湖区人民法院起诉。")
    earlier = taken_case(world, citizen, east_centre_staff, mediator, title="漏水纠纷二")
    services.terminate_case(actor=mediator, case=earlier, reason="申请人撤回调解申请")
    MediationCase.objects.filter(pk=earlier.pk).update(ended_at=timezone.now() - timedelta(days=400))
    taken_case(world, citizen, east_centre_staff, mediator, title="漏水纠纷三")  # still open
    this_month = selectors.period_for("month")
    east = selectors.Scope(label="东湖区", region=world.east)
    west = selectors.Scope(label="西山县", region=world.west)
    assert _figures(east, this_month) == (0, 1)
    assert _figures(west, this_month) == (0, 0)
    longer = selectors.period_for("custom", (timezone.localdate() - timedelta(days=500)).isoformat(),
                                       timezone.localdate().isoformat())
    assert _figures(east, longer) == (0, 2)


def test_the_ended_count_is_an_index_only_scan_of_region_and_end_time(world, citizen, east_centre_staff, mediator):
    case = taken_case(world, citizen, east_centre_staff, mediator)
    services.conclude_failed(actor=mediator, case=case, reason="双方分歧过大", guidance="可向东湖区人民法院起诉。")
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans only")
    scope = selectors.Scope(label="清源市", region=world.city)
    with CaptureQueriesContext(connection) as ctx:
        selectors.mediation_figures(scope, selectors.period_for("month"))
    counts = [q["sql"] for q in ctx.captured_queries if 'FROM "mediation_mediationcase" WHERE' in q["sql"]]
    assert len(counts) == 1, [q["sql"] for q in ctx.captured_queries]
    with connection.cursor() as cursor:
        # A table of a few rows is cheaper to scan: forbid the scans that do not use an index
        # fitting the whole condition, so the plan shows whether the new index fits it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + counts[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_bitmapscan")
    assert "Index Only Scan using medcase_region_ended_idx" in plan, plan
    cond = plan[plan.index("Index Cond:"):]
    assert "region_code" in cond and "ended_at >=" in cond and "ended_at <" in cond, plan
