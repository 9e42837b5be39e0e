"""The fields of law seeded into ``legalqa.FieldOfLaw`` (migration legalqa 0004 and
``seed_demo``). Codes are stable: URLs (``?field=labour``), the concept table's mapping
(legalqa.answer_selectors) and the grievance-category mapping (pufa_media.reference) use them.
Staff may add, rename, reorder or deactivate fields in the admin."""

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


# Reads of the table (its selectors) and the seed. Models are imported inside the functions
# so this module stays importable without the app registry.

def active_fields():
    """The fields offered for new questions, commissions, templates and lawyer profiles."""
    from legalqa.models import FieldOfLaw

    return FieldOfLaw.objects.active()


def all_fields():
    """Every field, inactive ones too (filters over existing videos and articles)."""
    from legalqa.models import FieldOfLaw

    return FieldOfLaw.objects.all()


def field_for_code(code: str, *, active_only: bool = True):
    """The field with this code, or None."""
    return (active_fields() if active_only else all_fields()).filter(code=code).first()


def seed_fields_of_law() -> int:
    """Add the fields of FIELDS_OF_LAW missing from the table (by code or name); staff edits
    to existing rows are kept. Returns how many were added (seed_demo, tests)."""
    from django.db.models import Q

    from legalqa.models import FieldOfLaw

    added = 0
    for order, (code, name) in enumerate(FIELDS_OF_LAW):
        if not FieldOfLaw.objects.filter(Q(code=code) | Q(name=name)).exists():
            FieldOfLaw.objects.create(code=code, name=name, order=order)
            added += 1
    return added
