"""Seed data for categories: the 18 dispute categories (Chenzhou 郴州, DOMAIN.md §3) and the
key-area tags (Siping 四平 重点领域分类标签). Staff edit them in the admin afterwards."""

DISPUTE_CATEGORIES = [
    ("marriage_family", "婚姻家庭", "婚姻、抚养、赡养、继承等家庭纠纷"),
    ("neighbour", "邻里关系", "噪声、漏水、通行、采光等邻里纠纷"),
    ("house_homestead", "房屋宅基地", "房屋买卖租赁、宅基地权属纠纷"),
    ("forest_land", "山林土地", "山林、耕地、承包地权属和流转纠纷"),
    ("contract", "合同", "买卖、服务、承揽等合同纠纷"),
    ("labour", "劳动争议（欠薪）", "拖欠工资、劳动合同、工伤等劳动争议"),
    ("property_mgmt", "物业", "物业服务、停车、维修资金等物业纠纷"),
    ("medical", "医疗", "医患纠纷、医疗服务投诉"),
    ("traffic", "交通事故", "道路交通事故损害赔偿纠纷"),
    ("consumer", "消费", "商品质量、服务消费、预付卡等消费纠纷"),
    ("environment", "环境污染", "噪声、废气、污水、扬尘等环境污染纠纷"),
    ("land_acquisition", "征地拆迁", "征地补偿、房屋征收拆迁安置纠纷"),
    ("damages", "损害赔偿", "人身、财产损害赔偿纠纷"),
    ("business", "生产经营", "企业生产经营、合伙、借贷经营纠纷"),
    ("village_affairs", "村务管理", "村务公开、集体收益分配、选举等纠纷"),
    ("private_lending", "民间借贷", "个人之间借款、担保纠纷"),
    ("education", "教育", "入学、校园安全、培训退费等纠纷"),
    ("other", "其他", "以上类别以外的矛盾纠纷和诉求"),
]

KEY_AREA_TAGS = [
    ("tag_property", "物业", "重点领域：物业管理"),
    ("tag_environment", "环保", "重点领域：生态环境保护"),
    ("tag_public_order", "治安", "重点领域：社会治安"),
    ("tag_wages", "欠薪", "重点领域：农民工工资"),
    ("tag_safety", "安全隐患", "重点领域：安全生产和公共安全隐患"),
    ("tag_food_drug", "食品药品", "重点领域：食品药品安全"),
]


def seed_categories(Category) -> int:
    """Create missing categories; never overwrite staff edits. Returns how many were created."""
    created = 0
    for group, rows in (("dispute", DISPUTE_CATEGORIES), ("key_area", KEY_AREA_TAGS)):
        for order, (code, name, description) in enumerate(rows, start=1):
            _obj, was_created = Category.objects.get_or_create(
                code=code, defaults={"group": group, "name": name, "description": description, "sort_order": order}
            )
            created += was_created
    return created
