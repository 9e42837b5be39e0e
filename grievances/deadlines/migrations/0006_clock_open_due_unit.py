"""Issue 18, the province-wide 督办 page: the open-items due-time index gains the unit as a
second key column, so the per-unit overdue counts (``overdue_counts_by_unit``: GROUP BY unit
over the open clocks due before now) read the index alone. With the unit only in the table,
at 10 M appeals the administrator's page fetched the row of each of its 2,290 overdue clocks
with a unit (~18 ms of its SQL). The province-wide list still reads the index in due-time
order (2e7861a).

Built CONCURRENTLY on PostgreSQL as in grievances 0018/0022, then the old index is dropped
concurrently.
"""

from django.db import migrations, models

from grid.index_ops import add_indexes_concurrently

INDEXES = [models.Index(fields=['due_at', 'unit'], name='clock_open_due_unit_idx', condition=models.Q(('is_open', True)))]
REPLACES = [models.Index(fields=['due_at'], name='clock_open_due_idx', condition=models.Q(('is_open', True)))]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('deadlines', '0005_grievance_due_from_clocks'),
    ]

    operations = [
        add_indexes_concurrently("deadlines", [("clock", index) for index in INDEXES],
                                 replaces=[("clock", index) for index in REPLACES]),
    ]
