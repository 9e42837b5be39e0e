"""Set-based writes of many rows at once (the deadline scan's chunks, batched listeners).

On PostgreSQL the rows travel as ONE parameter, a JSON array of objects, unpacked by
``jsonb_to_recordset`` into typed columns: a short constant statement whatever the number of
rows. ``json.dumps`` (C) encodes them; psycopg's client-side binding then quotes one string.
(A ``CASE WHEN`` per row and field, as Django's ``bulk_update`` writes, or a VALUES list costs
more to build, send and plan than to run; one array parameter per column is shorter but
psycopg quotes every element of every array in Python, which cost more CPU than the rest of
a rollup refresh.) Elsewhere (SQLite) Django's ``bulk_update``.

- ``update_rows(Model, objs, fields)``: write these fields of every object, by primary key
  (no ``save()``, no signals; ``auto_now`` fields are the caller's business).
- ``insert_rows(Model, objs, ignore_conflicts=…)``: ``bulk_create`` without Django's per-value
  preparation (which cost more CPU than the rest of a chunk's outbox write): every concrete
  column but an automatic key, ``auto_now_add`` filled as ``bulk_create`` fills it, in one
  ``INSERT … SELECT … FROM jsonb_to_recordset``; the new keys are not read back.
- ``recordset(types)``: the SQL ``jsonb_to_recordset(%s::jsonb) AS v(c0 type, …)`` and
  ``rows_param(rows)`` its parameter; ``dumps`` for rows of one's own keys (the rollup upsert).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

from django.db import connections, router
from django.db.models import AutoField
from django.utils.functional import Promise


def _default(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()  # full precision (microseconds and offset kept)
    if isinstance(value, (decimal.Decimal, uuid.UUID, Promise)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value) -> str:
    """JSON text for ``jsonb_to_recordset`` (dates and times in full precision)."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))


def rows_param(rows: list[list]) -> str:
    """The JSON text of rows given as lists of column values (keys c0, c1 …)."""
    return dumps([{f"c{i}": v for i, v in enumerate(row) if v is not None} for row in rows])


def recordset(types: list[str]) -> str:
    """``jsonb_to_recordset(%s::jsonb) AS v(c0 type0, c1 type1, …)``: absent keys read NULL."""
    return f"jsonb_to_recordset(%s::jsonb) AS v({', '.join(f'c{i} {t}' for i, t in enumerate(types))})"


def update_rows(model, objs, fields) -> int:
    objs = list(objs)
    if not objs:
        return 0
    fields = [model._meta.get_field(f) if isinstance(f, str) else f for f in fields]
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._base_manager.using(alias).bulk_update(objs, [f.name for f in fields])
        return len(objs)
    pk = model._meta.pk
    qn = connection.ops.quote_name
    columns = [pk, *fields]
    rows = [[getattr(obj, c.attname) for c in columns] for obj in objs]
    sets = ", ".join(f"{qn(c.column)} = v.c{i}" for i, c in enumerate(fields, start=1))
    table = qn(model._meta.db_table)
    sql = (f"UPDATE {table} SET {sets} FROM {recordset([c.db_type(connection) for c in columns])} "
           f"WHERE {table}.{qn(pk.column)} = v.c0")
    with connection.cursor() as cursor:
        cursor.execute(sql, [rows_param(rows)])
        return cursor.rowcount


def insert_rows(model, objs, *, ignore_conflicts: bool = False, returning_pk: bool = False,
                returning: list[str] | None = None) -> list[tuple] | None:
    """Insert the objects. ``ignore_conflicts`` skips a row that breaks a unique constraint,
    as ``bulk_create(ignore_conflicts=True)`` does; ``returning_pk`` sets each object's new
    automatic key (the keys come from one sequence in the rows' order, so the sorted keys
    returned are the rows' keys in order); ``returning`` (column names) returns those columns
    of the rows written, in no particular order. Elsewhere than PostgreSQL: ``bulk_create``,
    and None for ``returning``."""
    objs = list(objs)
    if not objs:
        return [] if returning else None
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._base_manager.using(alias).bulk_create(objs, ignore_conflicts=ignore_conflicts)
        return None
    pk = model._meta.pk
    auto_pk = isinstance(pk, AutoField)
    columns = [f for f in model._meta.concrete_fields if not (f is pk and auto_pk)]
    stamped = [f for f in columns if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)]
    for obj in objs:
        # What bulk_create does: a related object saved after it was assigned gives its key,
        # an unsaved one is refused; auto_now(_add) columns are stamped.
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        for f in stamped:
            f.pre_save(obj, add=True)
    names = [f.attname for f in columns]
    rows = [[getattr(obj, name) for name in names] for obj in objs]
    # varchar(n) read from the JSON as text: too long a value fails on the INSERT, as it does
    # through Django, instead of being cut by a cast.
    types = ["text" if f.db_type(connection).startswith("varchar") else f.db_type(connection) for f in columns]
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in columns)}) "
           f"SELECT {', '.join(f'v.c{i}' for i in range(len(columns)))} FROM {recordset(types)}")
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning_pk and auto_pk:
        if ignore_conflicts:
            raise ValueError("returning_pk with ignore_conflicts cannot tell which rows were written")
        sql += f" RETURNING {qn(pk.column)}"
    elif returning:
        sql += f" RETURNING {', '.join(qn(model._meta.get_field(name).column) for name in returning)}"
    result = None
    with connection.cursor() as cursor:
        cursor.execute(sql, [rows_param(rows)])
        if returning_pk and auto_pk:
            for obj, (key,) in zip(objs, sorted(cursor.fetchall()), strict=True):
                setattr(obj, pk.attname, key)
        elif returning:
            result = cursor.fetchall()
    for obj in objs:
        obj._state.adding, obj._state.db = False, alias
    return result
