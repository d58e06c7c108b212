"""The field taxonomy (the plans' industries) and the action plan's targets; staff extend both."""

from django.db import migrations

FIELDS = [
    ("green-petrochemical", "绿色石化", "Green petrochemicals"),
    ("marine-biology", "海洋生物", "Marine biology"),
    ("new-materials", "新材料", "New materials"),
    ("industrial-internet", "工业互联网", "Industrial internet"),
    ("core-components", "关键核心基础件", "Key core components"),
    ("port-shipping-logistics", "港航物流", "Port, shipping and logistics"),
    ("integrated-circuits", "集成电路", "Integrated circuits"),
    ("biomedicine", "生物医药", "Biomedicine"),
    ("modern-services", "现代服务业", "Modern services"),
    ("automotive", "汽车制造", "Automotive manufacturing"),
    ("smart-appliances", "智能家电", "Smart home appliances"),
    ("modern-fisheries", "现代渔业", "Modern fisheries"),
    ("shipbuilding", "船舶修造", "Shipbuilding and repair"),
]
PLAN = "推进甬舟人才一体化发展行动方案（2020—2025年）主要指标"
TARGETS = [
    ("committees", 2020, 2), ("committees", 2022, 3), ("committees", 2025, 5),
    ("studios", 2020, 10), ("studios", 2022, 50), ("studios", 2025, 100),
]  # fmt: skip


def seed(apps, schema_editor):
    Field = apps.get_model("experts", "Field")
    for position, (code, name, name_en) in enumerate(FIELDS, start=1):
        Field.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "position": position})
    try:
        PlanTarget = apps.get_model("experts", "PlanTarget")
    except LookupError:  # re-run by the tests after the targets moved to talentlink.indicators
        return
    for indicator, year, value in TARGETS:
        PlanTarget.objects.update_or_create(
            indicator=indicator, year=year, defaults={"value": value, "source": PLAN}
        )


class Migration(migrations.Migration):
    dependencies = [("experts", "0002_full_text")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
