"""Second half of the move to legalqa.FieldOfLaw (see legalqa 0005): drop the old links and
the old table, and give the new columns the old name ``field``."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pufa_media", "0005_field_of_law_add"),
        ("legalqa", "0005_merge_fields_of_law"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="video", name="pufa_video_field_idx"),
        migrations.RemoveField(model_name="video", name="field"),
        migrations.RemoveField(model_name="caseexplanation", name="field"),
        migrations.RenameField(model_name="video", old_name="field_of_law", new_name="field"),
        migrations.RenameField(model_name="caseexplanation", old_name="field_of_law", new_name="field"),
        migrations.AlterField(
            model_name="video", name="field",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="videos",
                                    to="legalqa.fieldoflaw", verbose_name="法律领域"),
        ),
        migrations.AlterField(
            model_name="caseexplanation", name="field",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="articles",
                                    to="legalqa.fieldoflaw", verbose_name="法律领域"),
        ),
        migrations.AddIndex(
            model_name="video", index=models.Index(fields=["field", "-published_at"], name="pufa_video_field_idx"),
        ),
        migrations.DeleteModel(name="LegalField"),
    ]
