"""Reference data seeded by migration 0002 (topics, audiences) and the mapping from grievance
categories to fields of law. The fields of law themselves are legalqa.FieldOfLaw (seeded
from legalqa.fields_of_law)."""

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
