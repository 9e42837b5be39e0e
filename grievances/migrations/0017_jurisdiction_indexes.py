"""Open311 requests.json?jurisdiction_id=: a city's or a county's appeals newest first from an
index of their own (a small jurisdiction walked the province's 90 days in the time index).
Built CONCURRENTLY on PostgreSQL, as in 0016."""

import django.db.models.functions.text
from django.db import migrations, models

NEW = [
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 4), models.F('created_at'), models.F('id'),
                 include=('kind', 'category', 'state', 'region_code'), name='grv_city_created_idx'),
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 6), models.F('created_at'), models.F('id'),
                 include=('kind', 'category', 'state', 'region_code'), name='grv_county_created_idx'),
]


def _valid(cursor, name):
    cursor.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
                   [name])
    row = cursor.fetchone()
    return None if row is None else row[0]


def build(apps, schema_editor):
    model = apps.get_model("grievances", "Grievance")
    if schema_editor.connection.vendor != "postgresql":
        for index in NEW:
            schema_editor.add_index(model, index)
        return
    with schema_editor.connection.cursor() as cursor:
        for index in NEW:
            state = _valid(cursor, index.name)
            if state is True:
                continue
            if state is False:
                cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')
            cursor.execute(str(index.create_sql(model, schema_editor, concurrently=True)))


def unbuild(apps, schema_editor):
    model = apps.get_model("grievances", "Grievance")
    for index in NEW:
        if schema_editor.connection.vendor != "postgresql":
            schema_editor.remove_index(model, index)
        else:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('grievances', '0016_open311_and_suggestion_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name='grievance', index=index) for index in NEW],
            database_operations=[migrations.RunPython(build, unbuild)],
        ),
    ]
