"""Certificate kinds (title series × levels, skill levels, practising qualifications), issuing
authorities and the skill ↔ title equivalence channel of the five-year plan. All of it is data
that staff maintain in the back office afterwards."""

from django.db import migrations

AUTHORITIES = [
    # code, name, English name, region code (None: province level)
    ("zj-hrss", "浙江省人力资源和社会保障厅", "Zhejiang Department of Human Resources and Social Security", None),
    ("zj-skills", "浙江省职业技能鉴定指导中心", "Zhejiang Vocational Skill Testing Centre", None),
    ("nb-hrss", "宁波市人力资源和社会保障局", "Ningbo Human Resources and Social Security Bureau", "330200"),
    ("zs-hrss", "舟山市人力资源和社会保障局", "Zhoushan Human Resources and Social Security Bureau", "330900"),
    ("mof", "财政部", "Ministry of Finance", None),
    ("nhc", "国家卫生健康委员会", "National Health Commission", None),
]

SERIES = [
    # code, family, name, English name, kinds: (code, level, name, English name)
    ("engineering", "title", "工程系列", "Engineering", [
        ("eng-technician", "title_assistant", "技术员", "Technician"),
        ("eng-assistant", "title_junior", "助理工程师", "Assistant engineer"),
        ("eng-engineer", "title_intermediate", "工程师", "Engineer"),
        ("eng-senior", "title_associate_senior", "高级工程师", "Senior engineer"),
        ("eng-professor", "title_senior", "正高级工程师", "Professor-level senior engineer"),
    ]),
    ("health", "title", "卫生系列", "Health", [
        ("health-assistant", "title_assistant", "医士", "Assistant physician"),
        ("health-physician", "title_junior", "医师", "Physician"),
        ("health-attending", "title_intermediate", "主治医师", "Attending physician"),
        ("health-associate-chief", "title_associate_senior", "副主任医师", "Associate chief physician"),
        ("health-chief", "title_senior", "主任医师", "Chief physician"),
    ]),
    ("teaching", "title", "中小学教师系列", "Primary and secondary teachers", [
        ("teach-third", "title_assistant", "三级教师", "Third-grade teacher"),
        ("teach-second", "title_junior", "二级教师", "Second-grade teacher"),
        ("teach-first", "title_intermediate", "一级教师", "First-grade teacher"),
        ("teach-senior", "title_associate_senior", "高级教师", "Senior teacher"),
        ("teach-professor", "title_senior", "正高级教师", "Professor-level senior teacher"),
    ]),
    ("economics", "title", "经济系列", "Economics", [
        ("econ-assistant", "title_junior", "助理经济师", "Assistant economist"),
        ("econ-economist", "title_intermediate", "经济师", "Economist"),
        ("econ-senior", "title_associate_senior", "高级经济师", "Senior economist"),
        ("econ-professor", "title_senior", "正高级经济师", "Professor-level senior economist"),
    ]),
    ("accounting", "title", "会计系列", "Accounting", [
        ("acct-assistant", "title_junior", "助理会计师", "Assistant accountant"),
        ("acct-accountant", "title_intermediate", "会计师", "Accountant"),
        ("acct-senior", "title_associate_senior", "高级会计师", "Senior accountant"),
        ("acct-professor", "title_senior", "正高级会计师", "Professor-level senior accountant"),
    ]),
    ("skill", "skill", "职业技能等级", "Vocational skill levels", [
        ("skill-5", "skill_5", "五级/初级工", "Level 5 / junior worker"),
        ("skill-4", "skill_4", "四级/中级工", "Level 4 / intermediate worker"),
        ("skill-3", "skill_3", "三级/高级工", "Level 3 / senior worker"),
        ("skill-2", "skill_2", "二级/技师", "Level 2 / technician (技师)"),
        ("skill-1", "skill_1", "一级/高级技师", "Level 1 / senior technician (高级技师)"),
    ]),
    ("practising", "qualification", "执业资格", "Practising qualifications", [
        ("cpa", "", "注册会计师", "Certified public accountant"),
        ("licensed-physician", "", "执业医师", "Licensed physician"),
        ("licensed-pharmacist", "", "执业药师", "Licensed pharmacist"),
        ("constructor-1", "", "一级注册建造师", "Registered constructor, first class"),
        ("legal-profession", "", "法律职业资格", "Legal professional qualification"),
    ]),
]

PLAN = "宁波市人才发展“十四五”规划"
SOURCE_LINE = (
    f"{PLAN}：畅通技能人才与专业技术人才互认通道，对企业引进的技师、高级技师，"
    "在户籍、住房和子女入学等方面与中、高级专业技术人才享受同等待遇。"
)
EQUIVALENCES = [
    (level, counts_as, purpose)
    for level, counts_as in (("skill_2", "title_intermediate"), ("skill_1", "title_associate_senior"))
    for purpose in ("hukou", "housing", "schooling")
]


def seed(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    IssuingAuthority = apps.get_model("credentials", "IssuingAuthority")
    CertificateSeries = apps.get_model("credentials", "CertificateSeries")
    CertificateKind = apps.get_model("credentials", "CertificateKind")
    Equivalence = apps.get_model("credentials", "Equivalence")
    for position, (code, name, name_en, region_code) in enumerate(AUTHORITIES):
        region = Region.objects.get(code=region_code) if region_code else None
        IssuingAuthority.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "region": region, "position": position}
        )
    for series_position, (code, family, name, name_en, kinds) in enumerate(SERIES):
        series, _ = CertificateSeries.objects.update_or_create(
            code=code,
            defaults={"family": family, "name": name, "name_en": name_en, "position": series_position},
        )
        for position, (kind_code, level, kind_name, kind_name_en) in enumerate(kinds):
            CertificateKind.objects.update_or_create(
                code=kind_code,
                defaults={
                    "series": series, "level": level, "name": kind_name, "name_en": kind_name_en,
                    "position": position,
                },
            )
    for level, counts_as, purpose in EQUIVALENCES:
        Equivalence.objects.update_or_create(
            level=level, counts_as=counts_as, purpose=purpose, defaults={"source": SOURCE_LINE}
        )


class Migration(migrations.Migration):
    dependencies = [("credentials", "0001_initial"), ("core", "0002_seed_regions")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
