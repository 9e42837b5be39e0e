"""Reference data seeded by migration 0002 (fields of law, topics, audiences).

The field codes are shared with the legal Q&A: keep them stable."""

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

TOPICS = [
    ("livelihood", "民生热点"),
    ("governance", "基层治理"),
    ("special-groups", "特殊群体"),
    ("civil-code", "民法典"),
]

AUDIENCES = [
    ("youth", "青少年"),
    ("elderly", "老年人"),
    ("migrant-workers", "务工人员"),
    ("business", "企业"),
    ("women", "妇女"),
    ("villagers", "农村群众"),
]

# Grievance categories (grievances.categories) → the field of law whose 普法 content answers them.
GRIEVANCE_CATEGORY_FIELDS = {
    "marriage_family": "marriage",
    "neighbour": "neighbour",
    "house_homestead": "housing",
    "forest_land": "land",
    "contract": "contract",
    "labour": "labour",
    "property_mgmt": "property-mgmt",
    "medical": "medical",
    "traffic": "traffic",
    "consumer": "consumer",
    "land_acquisition": "land",
    "business": "contract",
    "village_affairs": "administrative",
    "private_lending": "loan",
    "education": "minors",
    "other": "other",
}
