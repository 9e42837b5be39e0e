"""Year rollup rows beside the month rows (issue 15: a long period read flat from 10 k
appeals): for every (scope, dim, value) with month rows in a year, a row dated 1 January
with dim "y:<dim>" holding the sum of that year's month rows (analysis.facts.YEAR_PREFIX).
From now on the rollup writer (analysis.rollups.add_to_rollups) keeps them with the day
and month rows; this backfills them from the existing month rows in SQL, one
INSERT … SELECT … GROUP BY per year, under the refresher's advisory lock so no refresh adds
to a year while it is summed. A deployed site needs nothing else (no ``rebuild_rollups``):
the month rows it has are what the year rows are made of. Idempotent (a year that has year
rows is skipped: benchmarks/fill.py writes them itself); backward deletes the year rows."""

from datetime import date

from django.db import migrations

MONTH_PREFIX, YEAR_PREFIX = "m:", "y:"
LOCK_KEY = 150_015  # analysis.rollups._LOCK_KEY (the refresher's lock)


def _metrics(apps) -> list[str]:
    rollup = apps.get_model("analysis", "Rollup")
    return [f.column for f in rollup._meta.concrete_fields if f.name not in ("id", "day", "scope", "dim", "value")]


def _years(cursor, table: str, dim: str) -> set[int]:
    """The years that have a row of this dim in the scope "" (every fact counts there): a
    range of the rollup key, not a scan."""
    cursor.execute(f"SELECT DISTINCT day FROM {table} WHERE scope = '' AND dim = %s", [dim])
    return {(d if isinstance(d, date) else date.fromisoformat(str(d)[:10])).year for (d,) in cursor.fetchall()}


def forward(apps, schema_editor):
    conn = schema_editor.connection
    table = conn.ops.quote_name("analysis_rollup")
    metrics = _metrics(apps)
    cols = ", ".join(metrics)
    sums = ", ".join(f"SUM({m})" for m in metrics)
    sets = ", ".join(f"{m} = excluded.{m}" for m in metrics)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute("SET LOCAL work_mem = '256MB'")
        todo = _years(cursor, table, MONTH_PREFIX + "total") - _years(cursor, table, YEAR_PREFIX + "total")
        for year in sorted(todo):
            first = date(year, 1, 1)
            cursor.execute(
                f"INSERT INTO {table} (day, scope, dim, value, {cols}) "
                f"SELECT %s, scope, %s || substr(dim, {len(MONTH_PREFIX) + 1}), value, {sums} FROM {table} "
                # month rows are dated the 1st: twelve days of the day index, not the whole year
                f"WHERE day IN ({', '.join(['%s'] * 12)}) AND dim LIKE %s GROUP BY scope, dim, value "
                # in key order: consecutive inserts land on neighbouring index pages
                f"ORDER BY scope, dim, value "
                f"ON CONFLICT (scope, dim, day, value) DO UPDATE SET {sets}",
                [first, YEAR_PREFIX, *(date(year, m, 1) for m in range(1, 13)), MONTH_PREFIX + "%"],
            )


def backward(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {conn.ops.quote_name('analysis_rollup')} WHERE dim LIKE %s", [YEAR_PREFIX + "%"])


class Migration(migrations.Migration):
    dependencies = [("analysis", "0005_month_rollups")]

    operations = [migrations.RunPython(forward, backward, elidable=True)]
