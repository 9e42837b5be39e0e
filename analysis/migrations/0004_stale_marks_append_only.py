# StaleFact becomes append-only (issue 15): the upsert on the appeal's id made two
# transactions marking the same appeal wait for each other (two deadline scans of one item
# deadlocked with a foreign-key check at commit). 0003 landed on 2026-11-29 and no
# deployment ran it, so the table is recreated rather than altered; a database that holds
# marks from 0003 should run `refresh_stale_rollups` (or `rebuild_rollups`) before this.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("analysis", "0003_stale_facts"),
    ]

    operations = [
        migrations.DeleteModel(name="StaleFact"),
        migrations.CreateModel(
            name="StaleFact",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("grievance_id", models.BigIntegerField(verbose_name="诉求件")),
                ("marked_at", models.DateTimeField(verbose_name="标记时间")),
            ],
            options={
                "verbose_name": "待刷新统计",
                "verbose_name_plural": "待刷新统计",
            },
        ),
    ]
