"""Indexes of the Open311 reads and the duplicate suggestions at 10 M appeals (issues 16, 17;
plans and figures in benchmarks/README.md).

On PostgreSQL they are built CONCURRENTLY (the migration is not atomic): the table keeps
taking writes while they build, and an index already built by hand with the same
definition (as on the benchmark databases) is kept; one left invalid by an interrupted
build is dropped and built again. Other databases build them the ordinary way.
"""

import django.db.models.functions.text
from django.db import migrations, models

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


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def _valid(cursor, name):
    cursor.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
                   [name])
    row = cursor.fetchone()
    return None if row is None else row[0]


def build(apps, schema_editor):
    model = apps.get_model("grievances", "Grievance")
    if not _postgres(schema_editor):
        for index in NEW:
            schema_editor.add_index(model, index)
        schema_editor.remove_index(model, OLD)
        return
    with schema_editor.connection.cursor() as cursor:
        for index in NEW:
            state = _valid(cursor, index.name)
            if state is True:
                continue
            if state is False:
                cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')
            cursor.execute(str(index.create_sql(model, schema_editor, concurrently=True)))
        cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{OLD.name}"')


def unbuild(apps, schema_editor):
    model = apps.get_model("grievances", "Grievance")
    if not _postgres(schema_editor):
        schema_editor.add_index(model, OLD)
        for index in NEW:
            schema_editor.remove_index(model, index)
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(str(OLD.create_sql(model, schema_editor, concurrently=True)))
        for index in NEW:
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('grievances', '0015_links_co_reporters'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name='grievance', name='grv_created_idx'),
                *[migrations.AddIndex(model_name='grievance', index=index) for index in NEW],
            ],
            database_operations=[migrations.RunPython(build, unbuild)],
        ),
    ]
