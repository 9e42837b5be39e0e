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
- ``recordset(types)``: the SQL ``jsonb_to_recordset(%s::jsonb) AS v(c0 type, …)`` and
  ``rows_param(rows)`` its parameter; ``dumps`` for rows of one's own keys (the rollup upsert).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

from django.db import connections, router


def _default(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()  # full precision (microseconds and offset kept)
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
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
