"""Month rollup rows beside the day rows (issue 15: pages flat from 10 k appeals): for every
(scope, dim, value) with day rows in a month, a row dated the month's first day with dim
"m:<dim>" holding the sum of that month's day rows (analysis.facts.MONTH_PREFIX). From now
on the rollup writer (analysis.rollups.add_to_rollups) keeps them with the day rows; this
backfills them from the existing day rows in SQL, one INSERT … SELECT … GROUP BY per month
(a month's rows are found through the day index; ~628 k day rows a month on bench1m), under
the refresher's advisory lock so no refresh adds to a month while it is summed. Idempotent
(a month that has month rows is skipped: benchmarks/fill.py writes them itself); backward
deletes the month rows. On bench1m (21.2 M day rows, 6.4 M month rows made) it took 12 min 24 s under load 9-11."""

from datetime import timedelta

from django.db import migrations

PREFIX = "m:"
LOCK_KEY = 150_015  # analysis.rollups._LOCK_KEY (the refresher's lock)


def _metrics(apps) -> list[str]:
    rollup = apps.get_model("analysis", "Rollup")
    return [f.column for f in rollup._meta.concrete_fields if f.name not in ("id", "day", "scope", "dim", "value")]


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
        cursor.execute(f"SELECT MIN(day), MAX(day) FROM {table} WHERE dim NOT LIKE %s", [PREFIX + "%"])
        lo, hi = cursor.fetchone()
        if lo is None:
            return
        if isinstance(lo, str):  # SQLite
            from datetime import date

            lo, hi = date.fromisoformat(lo[:10]), date.fromisoformat(hi[:10])
        month = lo.replace(day=1)
        while month <= hi:
            nxt = (month + timedelta(days=31)).replace(day=1)
            # A month that has month rows already was written whole by the newer
            # benchmarks/fill.py (or by this migration run before): left alone.
            cursor.execute(f"SELECT 1 FROM {table} WHERE day = %s AND dim LIKE %s LIMIT 1", [month, PREFIX + "%"])
            if cursor.fetchone() is None:
                cursor.execute(
                    f"INSERT INTO {table} (day, scope, dim, value, {cols}) "
                    f"SELECT %s, scope, %s || dim, value, {sums} FROM {table} "
                    f"WHERE day >= %s AND day < %s AND dim NOT LIKE %s GROUP BY scope, dim, value "
                    # in key order: consecutive inserts land on neighbouring index pages
                    f"ORDER BY scope, dim, value "
                    f"ON CONFLICT (scope, dim, day, value) DO UPDATE SET {sets}",
                    [month, PREFIX, month, nxt, PREFIX + "%"],
                )
            month = nxt


def backward(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {conn.ops.quote_name('analysis_rollup')} WHERE dim LIKE %s", [PREFIX + "%"])


class Migration(migrations.Migration):
    dependencies = [("analysis", "0004_stale_marks_append_only")]

    operations = [migrations.RunPython(forward, backward, elidable=True)]
