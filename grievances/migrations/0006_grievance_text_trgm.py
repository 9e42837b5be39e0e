"""Trigram indexes for the admin's free-text search (title, description) on PostgreSQL.

The admin searches with ``icontains``, which Django's PostgreSQL backend writes as
``UPPER(col::text) LIKE UPPER('%term%')``; the GIN indexes are on exactly those
expressions so the planner can use them (pg_trgm, with CJK characters counted as word
characters under the database's UTF-8 ctype). SQLite and other databases are left as they
are: the migration does nothing there.
"""

from django.db import migrations

INDEXES = (
    ("grv_title_trgm_idx", "title"),
    ("grv_description_trgm_idx", "description"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON grievances_grievance '
            f'USING gin ((UPPER(("{column}")::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0005_alter_grievanceevent_action"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
