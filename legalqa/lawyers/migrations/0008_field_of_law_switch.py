"""Second half of the move to legalqa.FieldOfLaw (see legalqa 0005): drop the old links and
the old table, and give the new columns the old names (``field``, ``fields``)."""

import django.db.models.deletion
from django.db import migrations, models

FKS = ["callbackrequest", "calllog", "commission", "documenttemplate", "question"]


class Migration(migrations.Migration):
    dependencies = [
        ("lawyers", "0007_field_of_law_add"),
        ("legalqa", "0005_merge_fields_of_law"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="question", name="question_field_idx"),
        *[migrations.RemoveField(model_name=m, name="field") for m in FKS],
        migrations.RemoveField(model_name="lawyerprofile", name="fields"),
        *[migrations.RenameField(model_name=m, old_name="field_of_law", new_name="field") for m in FKS],
        migrations.RenameField(model_name="lawyerprofile", old_name="fields_of_law", new_name="fields"),
        migrations.AlterField(
            model_name="callbackrequest", name="field",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to="legalqa.fieldoflaw",
                                    verbose_name="领域"),
        ),
        migrations.AlterField(
            model_name="calllog", name="field",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to="legalqa.fieldoflaw"),
        ),
        migrations.AlterField(
            model_name="commission", name="field",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to="legalqa.fieldoflaw",
                                    verbose_name="领域"),
        ),
        migrations.AlterField(
            model_name="documenttemplate", name="field",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="templates",
                                    to="legalqa.fieldoflaw", verbose_name="领域"),
        ),
        migrations.AlterField(
            model_name="question", name="field",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="questions",
                                    to="legalqa.fieldoflaw", verbose_name="领域"),
        ),
        migrations.AlterField(
            model_name="lawyerprofile", name="fields",
            field=models.ManyToManyField(related_name="lawyers", to="legalqa.fieldoflaw", verbose_name="擅长领域"),
        ),
        migrations.AddIndex(
            model_name="question", index=models.Index(fields=["field", "-created_at"], name="question_field_idx"),
        ),
        migrations.DeleteModel(name="Field"),
    ]
