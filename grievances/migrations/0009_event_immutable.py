"""Grievance events are immutable in the database too.

The ORM refuses bulk update/delete (``ImmutableQuerySet``); the item and the actor of an
event are protected so deleting them cannot rewrite or remove events; on PostgreSQL a
trigger refuses UPDATE and DELETE on the table from any client (TRUNCATE stays the table
owner's: run the application with a role that does not own the tables).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION grievances_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: grievance events are immutable', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
DROP TRIGGER IF EXISTS grievances_grievanceevent_immutable ON grievances_grievanceevent;
CREATE TRIGGER grievances_grievanceevent_immutable BEFORE UPDATE OR DELETE ON grievances_grievanceevent
    FOR EACH ROW EXECUTE FUNCTION grievances_event_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS grievances_grievanceevent_immutable ON grievances_grievanceevent;
DROP FUNCTION IF EXISTS grievances_event_refuse_change();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the % of RAISE stays as written

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('grievances', '0008_attachments_private'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='grievanceevent',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人'),
        ),
        migrations.AlterField(
            model_name='grievanceevent',
            name='grievance',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='grievances.grievance'),
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
