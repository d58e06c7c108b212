"""The six talent categories of 表1, both cities' tier catalogues, the mutual
recognition of tiers, and both cities' export formats. All of it is data that
staff maintain in the back office afterwards."""

from django.db import migrations

PLAN = "宁波市人才发展“十四五”规划 表1 序号2–7"
CATEGORIES = [
    ("party_government", "党政人才", "Party and government talent"),
    ("business_management", "经营管理人才", "Business management talent"),
    ("professional_technical", "专业技术人才", "Professional and technical talent"),
    ("high_skilled", "高技能人才", "Highly skilled talent"),
    ("rural_practical", "农村实用人才", "Rural practical talent"),
    ("social_work", "社会工作专业人才", "Social work professionals"),
]
TIERS = {
    "330200": [
        ("A", "顶尖人才", "Top talent"),
        ("B", "特优人才", "Distinguished talent"),
        ("C", "领军人才", "Leading talent"),
        ("D", "拔尖人才", "Outstanding talent"),
        ("E", "高级人才", "Senior talent"),
        ("F", "基础人才", "Foundation talent"),
    ],
    "330900": [
        ("A", "顶尖人才", "Top talent"),
        ("B", "国家级领军人才", "National leading talent"),
        ("C", "省级领军人才", "Provincial leading talent"),
        ("D", "市级领军人才", "City leading talent"),
        ("E", "高级人才", "Senior talent"),
    ],
}
BASIS = "推进甬舟人才一体化发展行动方案：建立统一的人才一体化评价和互认机制"

NINGBO_COLUMNS = [
    ("人才编号", "source_key", True), ("姓名", "name", True), ("公民身份号码", "id_number", True),
    ("性别", "sex", False), ("出生日期", "birth_date", False), ("手机号码", "phone", False),
    ("电子邮箱", "email", False), ("工作单位", "employer_name", False),
    ("统一社会信用代码", "employer_credit_code", False), ("人才类别", "category", True),
    ("人才层次", "tier", False), ("最高学历", "education", False), ("职称", "title", False),
    ("所属产业", "industry", False), ("入库日期", "registered_on", False),
]
NINGBO_VALUES = [
    ("sex", "男", "M"), ("sex", "女", "F"),
    ("category", "01", "party_government"), ("category", "02", "business_management"),
    ("category", "03", "professional_technical"), ("category", "04", "high_skilled"),
    ("category", "05", "rural_practical"), ("category", "06", "social_work"),
    ("education", "博士研究生", "doctorate"), ("education", "硕士研究生", "master"),
    ("education", "大学本科", "bachelor"), ("education", "大学专科", "associate"),
    ("education", "高中/中专", "secondary"), ("education", "初中及以下", "basic"),
]
ZHOUSHAN_COLUMNS = [
    ("人员编码", "source_key", True), ("人员姓名", "name", True), ("证件号码", "id_number", False),
    ("性别代码", "sex", False), ("出生年月", "birth_date", False), ("联系电话", "phone", False),
    ("邮箱", "email", False), ("单位名称", "employer_name", False),
    ("单位信用代码", "employer_credit_code", False), ("人才分类", "category", True),
    ("人才等级", "tier", False), ("学历代码", "education", False), ("职称名称", "title", False),
    ("产业领域", "industry", False), ("登记日期", "registered_on", False),
]
ZHOUSHAN_VALUES = [
    ("sex", "1", "M"), ("sex", "2", "F"),
    ("category", "党政人才", "party_government"), ("category", "经营管理人才", "business_management"),
    ("category", "专业技术人才", "professional_technical"), ("category", "高技能人才", "high_skilled"),
    ("category", "农村实用人才", "rural_practical"), ("category", "社会工作专业人才", "social_work"),
    ("tier", "A类", "A"), ("tier", "B类", "B"), ("tier", "C类", "C"), ("tier", "D类", "D"),
    ("tier", "E类", "E"),
    # GB/T 4658 education codes
    ("education", "11", "doctorate"), ("education", "14", "master"), ("education", "21", "bachelor"),
    ("education", "31", "associate"), ("education", "41", "secondary"),
    ("education", "61", "secondary"), ("education", "71", "basic"),
]
SOURCES = [
    ("330200", "ningbo-talent-db", "宁波市人才数据库导出", "csv", "utf-8-sig", "%Y-%m-%d|%Y/%m/%d",
     True, NINGBO_COLUMNS, NINGBO_VALUES),
    ("330900", "zhoushan-talent-info", "舟山市人才信息系统导出", "xlsx", "utf-8-sig",
     "%Y%m%d|%Y/%m/%d|%Y-%m-%d", False, ZHOUSHAN_COLUMNS, ZHOUSHAN_VALUES),
]


def seed(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    TalentCategory = apps.get_model("registry", "TalentCategory")
    Tier = apps.get_model("registry", "Tier")
    TierMapping = apps.get_model("registry", "TierMapping")
    SourceSystem = apps.get_model("registry", "SourceSystem")
    ColumnMapping = apps.get_model("registry", "ColumnMapping")
    ValueMapping = apps.get_model("registry", "ValueMapping")
    for position, (code, name, name_en) in enumerate(CATEGORIES, start=1):
        TalentCategory.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position, "source": PLAN}
        )
    tiers = {}
    for region_code, levels in TIERS.items():
        region = Region.objects.get(code=region_code)
        for rank, (code, name, name_en) in enumerate(levels, start=1):
            tiers[region_code, code], _ = Tier.objects.update_or_create(
                region=region, code=code, defaults={"name": name, "name_en": name_en, "rank": rank}
            )
    for code in "ABCDE":
        for a, b in (("330200", "330900"), ("330900", "330200")):
            TierMapping.objects.get_or_create(
                source=tiers[a, code], target=tiers[b, code], defaults={"basis": BASIS}
            )
    for region_code, code, name, fmt, enc, dates, id_req, columns, values in SOURCES:
        source, _ = SourceSystem.objects.update_or_create(
            code=code,
            defaults={
                "region": Region.objects.get(code=region_code), "name": name, "file_format": fmt,
                "encoding": enc, "date_formats": dates, "id_number_required": id_req,
            },
        )
        for column, target, required in columns:
            ColumnMapping.objects.update_or_create(
                source_system=source, target=target, defaults={"column": column, "required": required}
            )
        for target, source_value, value in values:
            ValueMapping.objects.update_or_create(
                source_system=source, target=target, source_value=source_value, defaults={"value": value}
            )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial"), ("core", "0002_seed_regions")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
