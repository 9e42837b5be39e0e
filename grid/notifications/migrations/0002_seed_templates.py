from django.db import migrations

# Seeds the message catalogue; templates added to it later are created on first use
# (grid.notifications.services.get_template) or by ensure_templates() in the demo seed.
from grid.notifications.defaults import TEMPLATES


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for code, spec in TEMPLATES.items():
        MessageTemplate.objects.get_or_create(
            code=code, defaults={"name": spec["name"], "title": spec.get("title", ""), "text": spec["text"]}
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
