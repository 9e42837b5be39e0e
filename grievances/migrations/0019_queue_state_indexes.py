"""Issue 18, the centre queue filtered by state: (city or county prefix, state, due_at, id DESC),
so the filtered queue's first page is an index walk and its capped count an index-only count
of that state's items of the region, at any size.

Built CONCURRENTLY on PostgreSQL as in 0018; a build left invalid by an interruption is
dropped and made again.
"""

import django.db.models.functions.text
from django.db import migrations, models

from grid.index_ops import add_indexes_concurrently

INDEXES = [
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 4), models.F('state'), models.F('due_at'),
                 models.OrderBy(models.F('id'), descending=True), name='grv_city_state_queue_idx'),
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 6), models.F('state'), models.F('due_at'),
                 models.OrderBy(models.F('id'), descending=True), name='grv_county_state_queue_idx'),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('grievances', '0018_queue_due_and_cohandling_state'),
    ]

    operations = [
        add_indexes_concurrently("grievances", [("grievance", index) for index in INDEXES]),
    ]
