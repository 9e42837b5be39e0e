"""A handling unit's own rollup rows move from scope "" (dims ukind/ucategory/useverity/
uchannel, values "<unit id>:<value>") to their own scope "u<unit id>" (dims total, kind,
category, severity, channel), so a department leader's dashboard reads only its unit's rows
through the rollup key instead of every unit's rows of the period (analysis.facts.keys)."""

from django.db import migrations

UNIT_DIMS = ("ukind", "ucategory", "useverity", "uchannel")


def _metrics(apps) -> list[str]:
    rollup = apps.get_model("analysis", "Rollup")
    return [f.column for f in rollup._meta.concrete_fields if f.name not in ("id", "day", "scope", "dim", "value")]


def forward(apps, schema_editor):
    conn = schema_editor.connection
    table = conn.ops.quote_name("analysis_rollup")
    cols = ", ".join(_metrics(apps))
    pos = "strpos(value, ':')" if conn.vendor == "postgresql" else "instr(value, ':')"
    dims = ", ".join(f"'{d}'" for d in UNIT_DIMS)
    with conn.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, scope, dim, value, {cols}) "
            f"SELECT day, 'u' || value, 'total', '', {cols} FROM {table} "
            f"WHERE scope = '' AND dim = 'unit' AND value <> '' "
            # rows already in the new layout (a fill made by the newer benchmarks/fill.py)
            f"ON CONFLICT (scope, dim, day, value) DO NOTHING")
        cursor.execute(
            f"UPDATE {table} SET scope = 'u' || substr(value, 1, {pos} - 1), dim = substr(dim, 2), "
            f"value = substr(value, {pos} + 1) WHERE scope = '' AND dim IN ({dims})")


def backward(apps, schema_editor):
    conn = schema_editor.connection
    table = conn.ops.quote_name("analysis_rollup")
    dims = ", ".join(f"'{d[1:]}'" for d in UNIT_DIMS)
    with conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE scope LIKE 'u%' AND dim = 'total'")
        cursor.execute(
            f"UPDATE {table} SET dim = 'u' || dim, value = substr(scope, 2) || ':' || value, scope = '' "
            f"WHERE scope LIKE 'u%' AND dim IN ({dims})")


class Migration(migrations.Migration):
    dependencies = [("analysis", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=True)]
