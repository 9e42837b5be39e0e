"""Issue 18, pages that grew with the data:

- ``Grievance.due_at``: the item's copy of its clock's nearest deadline, the centre queue's
  order, with the queue indexes (city and county prefix, due_at, id DESC; the whole province:
  due_at, id DESC). Filled from the clocks by deadlines 0005 (grievances.deadlines writes it).
- ``CoHandling.state``: the item's state on its co-handling rows, filled here in one UPDATE,
  with the index (unit, state) that makes the inbox's co-handled count an index count.

The indexes are built after the fill, CONCURRENTLY on PostgreSQL (as in 0016 and 0017), so
the appeals stay writable while they build; a build left invalid by an interruption is
dropped and made again.
"""

import django.db.models.functions.text
from django.db import migrations, models

from grid.index_ops import add_indexes_concurrently

COHANDLING_INDEX = models.Index(fields=['unit', 'state'], name='cohandling_unit_state_idx')
QUEUE_INDEXES = [
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 4), models.F('due_at'),
                 models.OrderBy(models.F('id'), descending=True), include=('region_code',), name='grv_city_queue_idx'),
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 6), models.F('due_at'),
                 models.OrderBy(models.F('id'), descending=True), include=('region_code',), name='grv_county_queue_idx'),
    models.Index(models.F('due_at'), models.OrderBy(models.F('id'), descending=True), name='grv_queue_idx'),
]
INDEXES = [('cohandling', COHANDLING_INDEX)] + [('grievance', index) for index in QUEUE_INDEXES]


def fill_cohandling_state(apps, schema_editor):
    """One UPDATE for every row (a join on PostgreSQL; a correlated subquery elsewhere)."""
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE grievances_cohandling c SET state = g.state FROM grievances_grievance g "
                "WHERE g.id = c.grievance_id AND c.state IS DISTINCT FROM g.state")
        else:
            cursor.execute(
                "UPDATE grievances_cohandling SET state = (SELECT g.state FROM grievances_grievance g "
                "WHERE g.id = grievances_cohandling.grievance_id)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('grid', '0005_submission_keys'),
        ('grievances', '0017_jurisdiction_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='cohandling',
            name='state',
            field=models.CharField(choices=[('submitted', '待受理'), ('accepted', '已受理'), ('rejected', '不予受理'), ('dispatched', '已分流'), ('handling', '办理中'), ('completed', '已办结待核查'), ('verified', '已反馈待评价'), ('closed', '已办结归档')], default='submitted', editable=False, max_length=16, verbose_name='状态'),
        ),
        migrations.AddField(
            model_name='grievance',
            name='due_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='最近截止时间'),
        ),
        migrations.RunPython(fill_cohandling_state, migrations.RunPython.noop),
        add_indexes_concurrently("grievances", INDEXES),
    ]
