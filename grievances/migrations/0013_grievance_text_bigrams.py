"""Character-bigram search for the appeals' title and description on PostgreSQL (issue 18).

pg_trgm gets no trigram from a one- or two-character term (漏水, 噪音, 欠薪), so those searches
read the whole table. Each appeal now carries ``search_bigrams``, a tsvector of every
character and every pair of adjacent characters of its upper-cased title and description
(pairs across whitespace left out), kept by a trigger on INSERT and on UPDATE of either
column (``grv_bigrams(title, description)``; the column is not a model field, Django never
writes it). A GIN index on it answers a term of any length: its bigrams (or its single
character) ANDed as a tsquery, then ``icontains`` rechecks the exact substring
(``grievances.selectors.text_search``). The two trigram indexes of 0006 are dropped: the
bigram index answers the same searches and one GIN index costs less on every write than two.

On a large existing table the backfill UPDATE and the index take a while (about 2.5 minutes
per million appeals here) and block writes; run the migration in a quiet hour.
benchmarks/fill.py writes the column itself (the trigger is off during its COPY).
SQLite: nothing (the admin search stays ``icontains``).
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION grv_bigrams(a text, b text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    c text[] := string_to_array(regexp_replace(upper(coalesce(a, '') || ' ' || coalesce(b, '')), '\s+', ' ', 'g'),
                                NULL);
    n int := cardinality(c);
    o text[] := array_remove(c, ' ');
    x text;
    y text;
BEGIN
    FOR i IN 1 .. n - 1 LOOP
        x := c[i];
        y := c[i + 1];
        IF x <> ' ' AND y <> ' ' THEN
            o := o || (x || y);
        END IF;
    END LOOP;
    RETURN array_to_tsvector(o);
END
$$;
CREATE OR REPLACE FUNCTION grv_bigrams_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_bigrams := grv_bigrams(NEW.title, NEW.description);
    RETURN NEW;
END
$$;
"""
FORWARD = (
    "ALTER TABLE grievances_grievance ADD COLUMN IF NOT EXISTS search_bigrams tsvector",
    "DROP TRIGGER IF EXISTS grv_bigrams_sync ON grievances_grievance",
    "CREATE TRIGGER grv_bigrams_sync BEFORE INSERT OR UPDATE OF title, description ON grievances_grievance "
    "FOR EACH ROW EXECUTE FUNCTION grv_bigrams_sync()",
    "UPDATE grievances_grievance SET search_bigrams = grv_bigrams(title, description) WHERE search_bigrams IS NULL",
    "CREATE INDEX IF NOT EXISTS grv_text_bigram_idx ON grievances_grievance USING gin (search_bigrams)",
    "DROP INDEX IF EXISTS grv_title_trgm_idx",
    "DROP INDEX IF EXISTS grv_description_trgm_idx",
)
BACKWARD = (
    'CREATE INDEX IF NOT EXISTS grv_title_trgm_idx ON grievances_grievance USING gin ((UPPER(("title")::text)) gin_trgm_ops)',
    'CREATE INDEX IF NOT EXISTS grv_description_trgm_idx ON grievances_grievance '
    'USING gin ((UPPER(("description")::text)) gin_trgm_ops)',
    "DROP TRIGGER IF EXISTS grv_bigrams_sync ON grievances_grievance",
    "ALTER TABLE grievances_grievance DROP COLUMN IF EXISTS search_bigrams",
    "DROP FUNCTION IF EXISTS grv_bigrams_sync()",
    "DROP FUNCTION IF EXISTS grv_bigrams(text, text)",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for statement in FORWARD:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0012_open_api"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
