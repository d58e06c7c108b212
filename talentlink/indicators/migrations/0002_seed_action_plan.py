"""The action plan's joint targets table (甬舟人才一体化发展主要目标(两地合作)), every numeric row.

Its first column holds the targets for 2020 (not baselines), then those for 2022 and 2025. The
qualitative cells (甬舟合作区 2020: 实质性启动建设; 省级人才创业园 2020: 建立…共享机制) are not
numbers and are not rows here. The expert pool's two rows carry over any value staff changed in
the pool's former plan-target table.
"""

from decimal import Decimal

from django.db import migrations

PLAN = ("yongzhou-2020-2025", "推进甬舟人才一体化发展行动方案（2020—2025年）",
        "Action plan for Ningbo–Zhoushan talent integration (2020–2025)", 2020, 2025)  # fmt: skip
TABLE = "甬舟人才一体化发展主要目标(两地合作)"
GROW, PLATFORMS, SYSTEMS = (
    ("人才引育规模不断扩大", "Talent attracted and developed at a larger scale"),
    ("一体化人才平台建设加快推进", "Shared talent platforms built faster"),
    ("人才一体化体制机制更加完善", "Mechanisms of talent integration completed"),
)
# code, area, name, name_en, unit, unit_en, region, source row, targets, computed from, old code
ROWS = [
    ("joint-expert-committees", GROW, "组建重点产业联合专家委员会", "Joint expert committees of key industries",
     "个", "committees", None, "组建重点产业联合专家委员会(个)\t2\t3\t5", (2, 3, 5),
     "experts.joint_committees", "committees"),
    ("leader-studios", GROW, "领军人才（专家、教授）工作室", "Leader (expert, professor) studios",
     "个", "studios", None, "领军人才(专家、教授)工作室(个)\t10\t50\t100", (10, 50, 100),
     "experts.studios", "studios"),
    ("skills-exchange", GROW, "开展技能人才培养交流合作", "Skilled talents in joint training and exchange",
     "人", "persons", None, "开展技能人才培养交流合作(人)\t1000\t3000\t6000", (1000, 3000, 6000), "", ""),
    ("young-talents", GROW, "集聚优秀青年人才", "Outstanding young talents gathered",
     "万人", "10,000 persons", None, "集聚优秀青年人才(万人)\t15\t45\t90", (15, 45, 90), "", ""),
    ("innovation-centre-projects", PLATFORMS, "浙江创新中心（人才飞地）集聚高层次人才项目",
     "High-level talent projects at the Zhejiang Innovation Centre (talent enclave)", "个", "projects", None,
     "浙江创新中心(人才飞地)\t集聚高层次人才项目50个以上,其中舟山3个以上\t集聚高层次人才项目100个以上,"
     "其中舟山10个以上\t集聚高层次人才项目200个以上,其中舟山20个以上", (50, 100, 200), "", ""),
    ("innovation-centre-projects-zhoushan", PLATFORMS, "浙江创新中心（人才飞地）高层次人才项目，其中舟山",
     "High-level talent projects at the Zhejiang Innovation Centre, of them Zhoushan's", "个", "projects",
     "330900", "浙江创新中心(人才飞地)\t…其中舟山3个以上\t…其中舟山10个以上\t…其中舟山20个以上",
     (3, 10, 20), "", ""),
    ("cooperation-zone-talents", PLATFORMS, "甬舟合作区集聚优秀人才",
     "Outstanding talents gathered in the Ningbo–Zhoushan cooperation zone", "人", "persons", None,
     "甬舟合作区\t实质性启动建设\t集聚优秀人才300人以上\t集聚优秀人才1000人以上", (None, 300, 1000), "", ""),
    ("provincial-startup-parks", PLATFORMS, "共同推进省级人才创业园建设：新增省级人才创业园",
     "New provincial talent entrepreneurship parks built together", "个", "parks", None,
     "共同推进省级人才创业园建设\t建立人才、项目和建设经验共享机制\t新增省级人才创业园1个\t新增省级人才创业园2个",
     (None, 1, 2), "", ""),
    ("cadre-exchange", SYSTEMS, "党政干部历练交流", "Party and government cadres in exchange postings",
     "名", "persons", None, "党政干部历练交流(名)\t20\t60\t100", (20, 60, 100), "", ""),
    ("teacher-exchange", SYSTEMS, "互派交流、协同培养教师", "Teachers exchanged and trained together",
     "名", "persons", None, "互派交流、协同培养教师(名)\t100\t300\t500", (100, 300, 500), "", ""),
    ("health-exchange", SYSTEMS, "双向交流、合作培训卫生人才", "Health professionals exchanged and trained together",
     "名", "persons", None, "双向交流、合作培训卫生人才(名)\t100\t300\t500", (100, 300, 500), "", ""),
]  # fmt: skip
YEARS = (2020, 2022, 2025)


def seed(apps, schema_editor):
    Plan = apps.get_model("indicators", "Plan")
    Indicator = apps.get_model("indicators", "Indicator")
    Target = apps.get_model("indicators", "Target")
    Region = apps.get_model("core", "Region")
    code, title, title_en, start, end = PLAN
    plan, _ = Plan.objects.update_or_create(
        code=code, defaults={"title": title, "title_en": title_en, "start_year": start, "end_year": end}
    )
    changed = _former_expert_targets(apps)
    for position, row in enumerate(ROWS, start=1):
        code, (area, area_en), name, name_en, unit, unit_en, region, source, values, computed, old = row
        indicator, _ = Indicator.objects.update_or_create(code=code, defaults={
            "plan": plan, "area": area, "area_en": area_en, "name": name, "name_en": name_en,
            "unit": unit, "unit_en": unit_en, "region": Region.objects.filter(code=region).first() if region else None,
            "source": f"{TABLE}：{source}", "computed_from": computed, "position": position,
        })  # fmt: skip
        for year, value in zip(YEARS, values, strict=True):
            value = changed.get((old, year), value)
            if value is not None:
                Target.objects.update_or_create(indicator=indicator, year=year, defaults={"value": Decimal(value)})


def _former_expert_targets(apps):
    """(indicator, year) → value of the expert pool's plan targets, where that table still exists."""
    try:
        PlanTarget = apps.get_model("experts", "PlanTarget")
    except LookupError:
        return {}
    return {(t.indicator, t.year): t.value for t in PlanTarget.objects.all()}


def unseed(apps, schema_editor):
    apps.get_model("indicators", "Indicator").objects.filter(plan__code=PLAN[0]).delete()
    apps.get_model("indicators", "Plan").objects.filter(code=PLAN[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("core", "0002_seed_regions"),
        # Read before the pool's table goes (experts 0006 depends on this migration).
        ("experts", "0005_file_import_base"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
