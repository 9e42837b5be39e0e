"""Move the two old lists of fields of law into the one table legalqa.FieldOfLaw and re-point
every link to it.

Before this migration there were two tables with drifted code lists: ``lawyers.Field`` (Q&A
routing, lawyers' fields of practice, commissions, call-backs, call log, document templates;
15 codes) and ``pufa_media.LegalField`` (legal videos and case explanations; 18 codes). Rows
are merged: a row whose code, or else whose name, is already in FieldOfLaw becomes that row;
otherwise it is copied with its code, name, order and "active" flag. The fields of the
current list (legalqa.fields_of_law, frozen below) that neither table held are then added.
Every foreign key and the lawyers' many-to-many links are copied onto the new columns added by
lawyers 0007 and pufa_media 0005; lawyers 0008 and pufa_media 0006 then drop the old columns
and tables. Nothing is deleted here, so a failure leaves the old links intact.

Reversing recreates one row of each old table per FieldOfLaw row (same code, name and order)
and points the old columns at them."""

from django.db import migrations

# legalqa.fields_of_law.FIELDS_OF_LAW as it stood when this migration was written.
FIELDS_OF_LAW = [
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

# (app label, model, old foreign key, new foreign key) for every link to a field of law.
LINKS = [
    ("lawyers", "Question", "field", "field_of_law"),
    ("lawyers", "Commission", "field", "field_of_law"),
    ("lawyers", "CallbackRequest", "field", "field_of_law"),
    ("lawyers", "CallLog", "field", "field_of_law"),
    ("lawyers", "DocumentTemplate", "field", "field_of_law"),
    ("pufa_media", "Video", "field", "field_of_law"),
    ("pufa_media", "CaseExplanation", "field", "field_of_law"),
]
OLD_TABLES = [("lawyers", "Field"), ("pufa_media", "LegalField")]


def merge(apps, schema_editor):
    FieldOfLaw = apps.get_model("legalqa", "FieldOfLaw")
    by_code = {f.code: f for f in FieldOfLaw.objects.all()}
    by_name = {f.name: f for f in FieldOfLaw.objects.all()}

    def target(code, name, order, active):
        row = by_code.get(code) or by_name.get(name)
        if row is None:
            row = FieldOfLaw.objects.create(code=code, name=name, order=order, active=active)
            by_code[code], by_name[name] = row, row
        elif active and not row.active:
            row.active = True
            row.save(update_fields=["active"])
        return row

    mapping = {}  # (app label, old pk) -> FieldOfLaw pk
    for app_label, model_name in OLD_TABLES:
        Old = apps.get_model(app_label, model_name)
        has_active = any(f.name == "active" for f in Old._meta.get_fields())
        for old in Old.objects.order_by("order", "code", "pk"):
            row = target(old.code, old.name, old.order, old.active if has_active else True)
            mapping[(app_label, old.pk)] = row.pk
    for order, (code, name) in enumerate(FIELDS_OF_LAW):
        target(code, name, order, True)

    for app_label, model_name, old, new in LINKS:
        Model = apps.get_model(app_label, model_name)
        for old_pk in Model.objects.exclude(**{f"{old}_id": None}).values_list(f"{old}_id", flat=True).distinct():
            Model.objects.filter(**{f"{old}_id": old_pk}).update(**{f"{new}_id": mapping[(app_label, old_pk)]})

    Profile = apps.get_model("lawyers", "LawyerProfile")
    OldThrough, NewThrough = Profile.fields.through, Profile.fields_of_law.through
    links = {(t.lawyerprofile_id, mapping[("lawyers", t.field_id)]) for t in OldThrough.objects.all()}
    NewThrough.objects.bulk_create(
        [NewThrough(lawyerprofile_id=p, fieldoflaw_id=f) for p, f in sorted(links)], ignore_conflicts=True,
    )


def unmerge(apps, schema_editor):
    FieldOfLaw = apps.get_model("legalqa", "FieldOfLaw")
    mapping = {}  # (app label, FieldOfLaw pk) -> old pk
    for app_label, model_name in OLD_TABLES:
        Old = apps.get_model(app_label, model_name)
        has_active = any(f.name == "active" for f in Old._meta.get_fields())
        for f in FieldOfLaw.objects.all():
            extra = {"active": f.active} if has_active else {}
            old, _ = Old.objects.update_or_create(code=f.code, defaults={"name": f.name, "order": f.order, **extra})
            mapping[(app_label, f.pk)] = old.pk
    for app_label, model_name, old, new in LINKS:
        Model = apps.get_model(app_label, model_name)
        for new_pk in Model.objects.exclude(**{f"{new}_id": None}).values_list(f"{new}_id", flat=True).distinct():
            Model.objects.filter(**{f"{new}_id": new_pk}).update(**{f"{old}_id": mapping[(app_label, new_pk)]})
    Profile = apps.get_model("lawyers", "LawyerProfile")
    OldThrough, NewThrough = Profile.fields.through, Profile.fields_of_law.through
    OldThrough.objects.bulk_create(
        [OldThrough(lawyerprofile_id=t.lawyerprofile_id, field_id=mapping[("lawyers", t.fieldoflaw_id)])
         for t in NewThrough.objects.all()],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("legalqa", "0004_field_of_law"),
        ("lawyers", "0007_field_of_law_add"),
        ("pufa_media", "0005_field_of_law_add"),
    ]

    operations = [migrations.RunPython(merge, unmerge)]
