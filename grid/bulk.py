"""Set-based writes of many model rows at once (the deadline scan's chunks, batched listeners).

``update_rows(Model, objs, fields)`` writes the given fields of every object in one statement:
on PostgreSQL ``UPDATE … FROM unnest(one array per column)``, a short constant statement
whatever the number of rows (a ``CASE WHEN`` per row and field, as Django's ``bulk_update``
writes, costs more to build, send and plan than to run); elsewhere ``bulk_update``.
Like ``bulk_update``, it calls no ``save()`` and sends no signals, and ``auto_now`` fields
are the caller's business.
"""

from __future__ import annotations

from django.db import connections, router


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
    arrays = [[c.get_db_prep_save(getattr(obj, c.attname), connection) for obj in objs] for c in columns]
    names = [f"c{i}" for i in range(len(columns))]
    select = ", ".join(f"%s::{c.db_type(connection)}[]" for c in columns)
    sets = ", ".join(f"{qn(c.column)} = v.{n}" for c, n in zip(fields, names[1:], strict=True))
    table = qn(model._meta.db_table)
    sql = (f"UPDATE {table} SET {sets} FROM unnest({select}) AS v({', '.join(names)}) "
           f"WHERE {table}.{qn(pk.column)} = v.{names[0]}")
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.rowcount
