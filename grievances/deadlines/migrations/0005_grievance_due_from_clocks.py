"""Issue 18: fill ``Grievance.due_at`` (grievances 0018) from the clocks, in one UPDATE: on
PostgreSQL a join over the clocks that have a due time (the open ones; the column starts
NULL everywhere, which is right for the others); elsewhere a correlated subquery.
From now on grievances.deadlines.services keeps it (``_keep_item_due``, ``save_dirty_clocks``)."""

from django.db import migrations


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE grievances_grievance g SET due_at = c.due_at FROM deadlines_clock c "
                "WHERE c.grievance_id = g.id AND c.due_at IS NOT NULL AND g.due_at IS DISTINCT FROM c.due_at")
        else:
            cursor.execute(
                "UPDATE grievances_grievance SET due_at = (SELECT c.due_at FROM deadlines_clock c "
                "WHERE c.grievance_id = grievances_grievance.id) "
                "WHERE id IN (SELECT grievance_id FROM deadlines_clock WHERE due_at IS NOT NULL)")


class Migration(migrations.Migration):

    dependencies = [
        ('deadlines', '0004_clock_open_region_due'),
        ('grievances', '0018_queue_due_and_cohandling_state'),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
