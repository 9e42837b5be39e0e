"""Issue 15, the dashboard flat from 10 k: analysis.selectors.mediation_figures counts the cases
of a region ended in a period (``region_code LIKE 'prefix%' AND ended_at in [lo, hi)``). On
medcase_region_idx alone PostgreSQL fetched every case of the region from the heap and
dropped those ended outside the period: at 10 M appeals 1,950 cases (1,691 buffers) for the
city's 60 of one month, ten times the 1 M figure. This index keeps ``ended_at`` beside the
region code and ``state`` as a payload, so the count is an index-only scan: the period is
checked on the index entries and no case row is read.

Built CONCURRENTLY on PostgreSQL (grid.index_ops), so the table keeps taking writes.
"""

from django.db import migrations, models

from grid.index_ops import add_indexes_concurrently

INDEXES = [
    models.Index(fields=['region_code', 'ended_at'], name='medcase_region_ended_idx',
                 opclasses=['varchar_pattern_ops', 'timestamptz_ops'], include=['state']),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('mediation', '0003_video_room'),
    ]

    operations = [
        add_indexes_concurrently("mediation", [("mediationcase", index) for index in INDEXES]),
    ]
