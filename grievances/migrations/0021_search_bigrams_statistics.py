"""Issue 18, goal 3: finer statistics for ``search_bigrams`` (PostgreSQL only).

``grievances.selectors.search_plan`` chooses how a text search runs from the share of appeals
holding the term's rarest bigram, read from pg_stats. At the default statistics target (100)
ANALYZE lists the 1,000 most common bigrams, which in these texts stops at a share of about
1.8 %: every rarer bigram (欠薪, 电梯) looks the same, and the planner guesses half that
share for each. At 1,000 it lists 10,000 (a sample of 300,000 rows), so shares are known
down to a few hundredths of a percent. Catalogue change plus an ANALYZE of that one column
(tens of seconds on ten million appeals; it takes no lock that blocks reads or writes).
"""

from django.db import migrations

TARGET = 1000


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE grievances_grievance ALTER COLUMN search_bigrams SET STATISTICS {TARGET}")
    schema_editor.execute("ANALYZE grievances_grievance (search_bigrams)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE grievances_grievance ALTER COLUMN search_bigrams SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [
        ('grievances', '0020_handler_open_index'),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
