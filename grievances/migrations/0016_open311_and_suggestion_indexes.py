"""Indexes of the Open311 reads and the duplicate suggestions at 10 M appeals (issues 16, 17;
plans and figures in benchmarks/README.md).

On PostgreSQL they are built CONCURRENTLY (the migration is not atomic): the table keeps
taking writes while they build, and an index already built by hand with the same
definition (as on the benchmark databases) is kept; one left invalid by an interrupted
build is dropped and built again. Other databases build them the ordinary way.
"""

import django.db.models.functions.text
from django.db import migrations, models

from grid.index_ops import add_indexes_concurrently

NEW = [
    models.Index(fields=['created_at', 'id'], include=('kind', 'category', 'state', 'region_code'),
                 name='grv_created_cover_idx'),
    models.Index(condition=models.Q(('state__in', ('submitted', 'accepted', 'dispatched', 'handling', 'completed',
                                                   'verified'))),
                 fields=['created_at', 'id'], include=('kind', 'category', 'region_code'), name='grv_open_created_idx'),
    models.Index(fields=['kind', 'category', 'created_at', 'id'], include=('state', 'region_code'),
                 name='grv_kind_cat_created_idx'),
    models.Index(fields=['kind', 'created_at', 'id'], include=('category', 'state', 'region_code'),
                 name='grv_kind_created_idx'),
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 9), models.F('created_at'), models.F('id'),
                 name='grv_town_created_idx'),
]
OLD = models.Index(fields=['created_at', 'id'], name='grv_created_idx')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('grievances', '0015_links_co_reporters'),
    ]

    operations = [
        add_indexes_concurrently("grievances", [("grievance", index) for index in NEW], replaces=[("grievance", OLD)]),
    ]
