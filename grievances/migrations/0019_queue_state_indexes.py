"""Issue 18, the centre queue filtered by state: (city or county prefix, state, due_at, id DESC),
so the filtered queue's first page is an index walk and its capped count an index-only count
of that state's items of the region, at any size.

Built CONCURRENTLY on PostgreSQL as in 0018; a build left invalid by an interruption is
dropped and made again.
"""

import django.db.models.functions.text
from django.db import migrations, models

INDEXES = [
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 4), models.F('state'), models.F('due_at'),
                 models.OrderBy(models.F('id'), descending=True), name='grv_city_state_queue_idx'),
    models.Index(django.db.models.functions.text.Substr('region_code', 1, 6), models.F('state'), models.F('due_at'),
                 models.OrderBy(models.F('id'), descending=True), name='grv_county_state_queue_idx'),
]


def _valid(cursor, name):
    cursor.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
                   [name])
    row = cursor.fetchone()
    return None if row is None else row[0]


def build(apps, schema_editor):
    model = apps.get_model("grievances", "grievance")
    if schema_editor.connection.vendor != "postgresql":
        for index in INDEXES:
            schema_editor.add_index(model, index)
        return
    with schema_editor.connection.cursor() as cursor:
        for index in INDEXES:
            state = _valid(cursor, index.name)
            if state is True:
                continue
            if state is False:
                cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')
            cursor.execute(str(index.create_sql(model, schema_editor, concurrently=True)))


def unbuild(apps, schema_editor):
    model = apps.get_model("grievances", "grievance")
    for index in INDEXES:
        if schema_editor.connection.vendor != "postgresql":
            schema_editor.remove_index(model, index)
        else:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('grievances', '0018_queue_due_and_cohandling_state'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name='grievance', index=index) for index in INDEXES],
            database_operations=[migrations.RunPython(build, unbuild)],
        ),
    ]
