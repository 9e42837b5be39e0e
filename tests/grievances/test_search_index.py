"""Admin free-text search can use trigram indexes on PostgreSQL (SQLite has none)."""

import pytest
from django.db import connection

from grievances.models import Grievance

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm indexes exist only on PostgreSQL")
def test_title_and_description_search_is_answered_from_the_trigram_indexes(loop):
    from django.db.models import Q

    loop.submit()
    # Unordered, and with plain index scans off: on a tiny table the planner would otherwise
    # walk the primary key backwards; what matters is that the trigram indexes can answer.
    qs = Grievance.objects.filter(Q(title__icontains="路灯不亮") | Q(description__icontains="路灯坏了")).order_by()
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_indexscan = off")
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "grv_title_trgm_idx" in plan and "grv_description_trgm_idx" in plan, plan
