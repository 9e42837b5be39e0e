from django.db import migrations


# The list as it stood when this migration was written (frozen here: the live list is now
# legalqa.fields_of_law, and migration legalqa 0005 moves these rows into legalqa.FieldOfLaw).
FIELDS = [
    ("marriage", "婚姻家庭"),
    ("contract", "合同"),
    ("property-mgmt", "物业"),
    ("labour", "劳动"),
    ("loan", "借贷"),
    ("traffic", "交通事故"),
    ("consumer", "消费"),
    ("housing", "房产"),
    ("inheritance", "继承"),
    ("criminal", "刑事"),
    ("medical", "医疗"),
    ("neighbour", "邻里关系"),
    ("land", "土地宅基地"),
    ("administrative", "行政"),
    ("other", "其他"),
]


def seed(apps, schema_editor):
    Field = apps.get_model("lawyers", "Field")
    for order, (code, name) in enumerate(FIELDS):
        Field.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("lawyers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
