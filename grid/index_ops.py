"""Indexes added to big tables by migrations without blocking writes (issues 16–18).

``add_indexes_concurrently(indexes, replaces=())`` is the one migration operation for it: the
migration state gains ``indexes`` (and loses ``replaces``), and the database work runs as
Python. On PostgreSQL each index is built ``CONCURRENTLY`` (so the migration must be
``atomic = False``): the table keeps taking writes while it builds; an index already there
and valid (built by hand beforehand, as on the benchmark databases) is kept; one left invalid
by an interrupted build is dropped and built again; the replaced indexes are dropped
concurrently after. Other databases build and drop them the ordinary way. Reversible.

Migrations import this module, so its behaviour must not change for indexes already built;
add options rather than change these steps.
"""

from __future__ import annotations

from django.db import migrations


def _valid(cursor, name: str) -> bool | None:
    cursor.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
                   [name])
    row = cursor.fetchone()
    return None if row is None else row[0]


def _create(cursor, schema_editor, model, index) -> None:
    state = _valid(cursor, index.name)
    if state is True:
        return
    if state is False:
        cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')
    cursor.execute(str(index.create_sql(model, schema_editor, concurrently=True)))


def _swap(apps, schema_editor, app_label, add, drop) -> None:
    """Build the ``add`` indexes, then drop the ``drop`` ones; both lists of (model name, Index)."""
    if schema_editor.connection.vendor != "postgresql":
        for model_name, index in add:
            schema_editor.add_index(apps.get_model(app_label, model_name), index)
        for model_name, index in drop:
            schema_editor.remove_index(apps.get_model(app_label, model_name), index)
        return
    with schema_editor.connection.cursor() as cursor:
        for model_name, index in add:
            _create(cursor, schema_editor, apps.get_model(app_label, model_name), index)
        for _model_name, index in drop:
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')


def add_indexes_concurrently(app_label: str, indexes, replaces=()):
    """The operation: ``indexes`` and ``replaces`` are lists of (model name, Index)."""
    indexes, replaces = list(indexes), list(replaces)

    def forward(apps, schema_editor):
        _swap(apps, schema_editor, app_label, indexes, replaces)

    def backward(apps, schema_editor):
        _swap(apps, schema_editor, app_label, replaces, indexes)

    return migrations.SeparateDatabaseAndState(
        state_operations=[
            *[migrations.RemoveIndex(model_name=model_name, name=index.name) for model_name, index in replaces],
            *[migrations.AddIndex(model_name=model_name, index=index) for model_name, index in indexes],
        ],
        database_operations=[migrations.RunPython(forward, backward)],
    )
