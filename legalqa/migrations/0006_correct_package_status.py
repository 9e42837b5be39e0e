"""Correct the package rows whose status is wrong (legalqa.corpus.PACKAGE_CORRECTIONS) in a
database imported before the correction: the import skips a package file it has already
imported, so without this the row would stay as it was.

农村土地承包法 (package law id 73d7adef5eaf, the text as amended on 2018-12-29) is marked 已废止
by the package although no law repeals it: it becomes 有效 from 2019-01-01, and the name is
dropped from the repealed laws the import derived from that mark (one without a successor).
``updated_at`` moves, so the search index sees the change and rebuilds. Reversing does nothing."""

import datetime

from django.db import migrations
from django.utils import timezone

# legalqa.corpus.PACKAGE_CORRECTIONS as it stood when this migration was written.
CORRECTIONS = {"73d7adef5eaf": ("中华人民共和国农村土地承包法", "有效", datetime.date(2019, 1, 1))}


def correct(apps, schema_editor):
    Law = apps.get_model("legalqa", "Law")
    RepealedLaw = apps.get_model("legalqa", "RepealedLaw")
    for source_id, (title, status, in_force_from) in CORRECTIONS.items():
        fixed = Law.objects.filter(source="package", source_id=source_id, title=title, status="已废止").update(
            status=status, in_force_from=in_force_from, updated_at=timezone.now())
        if fixed:
            RepealedLaw.objects.filter(name=title, successor__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("legalqa", "0005_merge_fields_of_law")]

    operations = [migrations.RunPython(correct, migrations.RunPython.noop)]
