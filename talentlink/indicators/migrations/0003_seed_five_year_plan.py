"""表1 of Ningbo's talent plan for the 14th Five-Year period (宁波市人才发展“十四五”规划, 甬发改规划
〔2021〕322号): the city's 16 main talent indicators, with their 2020 values as baselines (2019 for
R&D staff per 10,000 employed, as the table says; none given for the share of high-level talents in
the three innovation highlands) and their 2025 targets. All are levels (the value in the year) and
expected values (预期性指标), to be reached or exceeded ("> 60" is read as at least 60).
"""

from decimal import Decimal

from django.db import migrations

PLAN = ("ningbo-talent-14th-fyp", "宁波市人才发展“十四五”规划",
        "Ningbo talent development plan for the 14th Five-Year period", 2021, 2025)  # fmt: skip
TABLE = "表1 “十四五”时期全市人才发展主要指标"
TOTAL, STRUCTURE, EFFECT = (
    ("人才总量", "Talent stock"),
    ("人才结构", "Talent structure"),
    ("人才效能和环境", "Talent effectiveness and environment"),
)
# code, area, name, name_en, unit, unit_en, baseline, baseline year, 2025 target, the table's row
ROWS = [
    ("fyp-talent-total", TOTAL, "人才资源总量", "Total talent resources", "万人", "10,000 persons",
     "228.5", 2020, "285", "1 | 人才资源总量 | 万人 | 228.5 | 285"),
    ("fyp-party-government", TOTAL, "党政人才", "Party and government talents", "万人", "10,000 persons",
     "4.2", 2020, "4.2", "2 | 党政人才 | 万人 | 4.2 | 4.2"),
    ("fyp-management", TOTAL, "经营管理人才", "Business management talents", "万人", "10,000 persons",
     "67.4", 2020, "88.3", "3 | 经营管理人才 | 万人 | 67.4 | 88.3"),
    ("fyp-professional", TOTAL, "专业技术人才", "Professional and technical talents", "万人", "10,000 persons",
     "91.9", 2020, "105", "4 | 专业技术人才 | 万人 | 91.9 | 105"),
    ("fyp-high-skilled", TOTAL, "高技能人才", "Highly skilled talents", "万人", "10,000 persons",
     "45.6", 2020, "60", "5 | 高技能人才 | 万人 | 45.6 | 60"),
    ("fyp-rural", TOTAL, "农村实用人才", "Rural practical talents", "万人", "10,000 persons",
     "18.3", 2020, "25", "6 | 农村实用人才 | 万人 | 18.3 | 25"),
    ("fyp-social-work", TOTAL, "社会工作专业人才", "Social work professionals", "万人", "10,000 persons",
     "1", 2020, "2.5", "7 | 社会工作专业人才 | 万人 | 1 | 2.5"),
    ("fyp-rd-per-10k-employed", STRUCTURE, "每万名就业人员中 R&D 人员数量", "R&D staff per 10,000 employed",
     "人年", "person-years", "170", 2019, "190", "8 | 每万名就业人员中 R&D 人员数量 | 人年 | 170(2019) | 190"),
    ("fyp-senior-title-share", STRUCTURE, "专业技术人才高级职称比例",
     "Share of professional and technical talents with a senior title", "%", "%", "7.7", 2020, "8.2",
     "9 | 专业技术人才高级职称比例 | % | 7.7 | 8.2"),
    ("fyp-highland-high-level-share", STRUCTURE, "三大科创高地高层次人才比例",
     "Share of high-level talents in the three innovation highlands", "%", "%", None, None, "60",
     "10 | 三大科创高地高层次人才比例 | % | - | 60"),
    ("fyp-high-skilled-share", STRUCTURE, "高技能人才占技能劳动者比例", "Share of highly skilled among skilled workers",
     "%", "%", "30.6", 2020, "35", "11 | 高技能人才占技能劳动者比例 | % | 30.6 | 35"),
    ("fyp-talents-per-10k-employed", STRUCTURE, "每万名就业人员拥有人才资源数", "Talents per 10,000 employed",
     "人", "persons", "3873", 2020, "3900", "12 | 每万名就业人员拥有人才资源数 | 人 | 3873 | 3900"),
    ("fyp-patents-per-10k", EFFECT, "每万人高价值发明专利拥有量", "High-value invention patents per 10,000 people",
     "件", "patents", "12", 2020, "20", "13 | 每万人高价值发明专利拥有量 | 件 | 12 | 20"),
    ("fyp-high-tech-share", EFFECT, "高新技术产业增加值占规上工业增加值比重",
     "High-tech industries' share of the value added of industry above designated size", "%", "%", "57.9", 2020,
     "60", "14 | 高新技术产业增加值占规上工业增加值比重 | % | 57.9 | >60"),
    ("fyp-labour-productivity", EFFECT, "全员劳动生产率", "Overall labour productivity", "万元/人",
     "10,000 yuan per person", "21", 2020, "27", "15 | 全员劳动生产率 | 万元/人 | 21 | 27"),
    ("fyp-rd-spending-share", EFFECT, "研究与试验发展经费支出占地区生产总值比重", "R&D spending as a share of GDP",
     "%", "%", "2.85", 2020, "3.6", "16 | 研究与试验发展经费支出占地区生产总值比重 | % | 2.85 | 3.6"),
]  # fmt: skip


def seed(apps, schema_editor):
    Plan = apps.get_model("indicators", "Plan")
    Indicator = apps.get_model("indicators", "Indicator")
    Target = apps.get_model("indicators", "Target")
    Region = apps.get_model("core", "Region")
    code, title, title_en, start, end = PLAN
    plan, _ = Plan.objects.update_or_create(
        code=code, defaults={"title": title, "title_en": title_en, "start_year": start, "end_year": end}
    )
    ningbo = Region.objects.filter(code="330200").first()
    for position, row in enumerate(ROWS, start=1):
        code, (area, area_en), name, name_en, unit, unit_en, baseline, baseline_year, target, source = row
        indicator, _ = Indicator.objects.update_or_create(code=code, defaults={
            "plan": plan, "area": area, "area_en": area_en, "name": name, "name_en": name_en,
            "unit": unit, "unit_en": unit_en, "region": ningbo, "direction": "at_least", "measure": "level",
            "baseline": Decimal(baseline) if baseline is not None else None, "baseline_year": baseline_year,
            "source": f"{TABLE}：{source}", "position": position,
        })  # fmt: skip
        Target.objects.update_or_create(indicator=indicator, year=end, defaults={"value": Decimal(target)})


def unseed(apps, schema_editor):
    apps.get_model("indicators", "Indicator").objects.filter(plan__code=PLAN[0]).delete()
    apps.get_model("indicators", "Plan").objects.filter(code=PLAN[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0002_seed_action_plan")]
    operations = [migrations.RunPython(seed, unseed)]
