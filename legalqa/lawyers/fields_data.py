"""The Q&A fields of law seeded by migration 0002; codes match pufa_media.LegalField codes so
a hot field links to the legal videos and case explanations of the same field."""

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
