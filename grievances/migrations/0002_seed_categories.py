from django.db import migrations


def forwards(apps, schema_editor):
    from grievances.categories import seed_categories

    seed_categories(apps.get_model("grievances", "Category"))


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
