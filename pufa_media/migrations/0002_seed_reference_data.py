from django.db import migrations


# The fields of law as they stood when this migration was written (frozen here: the live list
# is now legalqa.fields_of_law, and migration legalqa 0005 moves these rows into
# legalqa.FieldOfLaw).
LEGAL_FIELDS = [
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
    ("telecom-fraud", "电信网络诈骗"),
    ("illegal-fundraising", "非法集资"),
    ("minors", "未成年人"),
    ("neighbour", "邻里关系"),
    ("land", "土地宅基地"),
    ("administrative", "行政"),
    ("other", "其他"),
]


def seed(apps, schema_editor):
    from pufa_media.reference import AUDIENCES, TOPICS

    for model_name, rows in (("LegalField", LEGAL_FIELDS), ("Topic", TOPICS), ("Audience", AUDIENCES)):
        model = apps.get_model("pufa_media", model_name)
        for order, (code, name) in enumerate(rows):
            model.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("pufa_media", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
