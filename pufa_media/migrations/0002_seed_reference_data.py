from django.db import migrations


def seed(apps, schema_editor):
    from pufa_media.reference import AUDIENCES, LEGAL_FIELDS, TOPICS

    for model_name, rows in (("LegalField", LEGAL_FIELDS), ("Topic", TOPICS), ("Audience", AUDIENCES)):
        model = apps.get_model("pufa_media", model_name)
        for order, (code, name) in enumerate(rows):
            model.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("pufa_media", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
