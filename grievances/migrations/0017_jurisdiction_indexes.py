"""Open311 requests.json?jurisdiction_id=: a city's or a county's appeals newest first from an
index of their own (a small jurisdiction walked the province's 90 days in the time index).
Built CONCURRENTLY on PostgreSQL, as in 0016."""

import django.db.models.functions.text
from django.db import migrations, models

from grid.index_ops import add_indexes_concurrently

NEW = [
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 4), models.F('created_at'), models.F('id'),
                 include=('kind', 'category', 'state', 'region_code'), name='grv_city_created_idx'),
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 6), models.F('created_at'), models.F('id'),
                 include=('kind', 'category', 'state', 'region_code'), name='grv_county_created_idx'),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('grievances', '0016_open311_and_suggestion_indexes'),
    ]

    operations = [
        add_indexes_concurrently("grievances", [("grievance", index) for index in NEW]),
    ]
