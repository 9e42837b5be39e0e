from django.db import migrations


def seed(apps, schema_editor):
    from legalqa.lawyers.fields_data import FIELDS

    Field = apps.get_model("lawyers", "Field")
    for order, (code, name) in enumerate(FIELDS):
        Field.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("lawyers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
