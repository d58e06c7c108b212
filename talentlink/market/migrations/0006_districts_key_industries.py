"""Districts as data (Ningbo's and Zhoushan's districts and counties with their administrative
codes), the plans' key industries for the talent map, the job's district as one of its city's
districts (the free text already stored is read by ``market.districts``), and where a talent
lives or works now."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import F

# code, city, name, English name, former and other names (read in free text), position
DISTRICTS = [
    ("330203", "330200", "海曙区", "Haishu", "", 1),
    ("330205", "330200", "江北区", "Jiangbei", "", 2),
    ("330211", "330200", "镇海区", "Zhenhai", "", 3),
    ("330206", "330200", "北仑区", "Beilun", "大榭开发区,梅山保税港区,宁波保税区", 4),
    ("330212", "330200", "鄞州区", "Yinzhou", "鄞县,江东区", 5),
    ("330213", "330200", "奉化区", "Fenghua", "奉化市", 6),
    ("330281", "330200", "余姚市", "Yuyao", "", 7),
    ("330282", "330200", "慈溪市", "Cixi", "杭州湾新区", 8),
    ("330226", "330200", "宁海县", "Ninghai", "", 9),
    ("330225", "330200", "象山县", "Xiangshan", "", 10),
    ("330902", "330900", "定海区", "Dinghai", "金塘", 1),
    ("330903", "330900", "普陀区", "Putuo", "沈家门,朱家尖", 2),
    ("330921", "330900", "岱山县", "Daishan", "", 3),
    ("330922", "330900", "嵊泗县", "Shengsi", "", 4),
]
NINGBO_PLAN = "宁波市人才发展“十四五”规划：“246”万千亿级产业集群，编制重点产业人才地图"
JOINT_PLAN = "推进甬舟人才一体化发展行动方案（2020—2025年）"
# Industries of the taxonomy (experts.Field) the key industries need and it lacked.
NEW_FIELDS = [
    ("high-end-equipment", "高端装备", "High-end equipment"),
    ("electronic-information", "电子信息", "Electronic information"),
    ("software-emerging-services", "软件与新兴服务", "Software and emerging services"),
    ("marine-economy", "海洋经济", "Marine economy"),
]
# code, name, English name, the plan naming it, the taxonomy's industries it covers
KEY_INDUSTRIES = [
    ("green-petrochemical", "绿色石化", "Green petrochemicals", NINGBO_PLAN, ["green-petrochemical"]),
    ("automotive", "汽车制造", "Automotive manufacturing", NINGBO_PLAN, ["automotive"]),
    ("high-end-equipment", "高端装备", "High-end equipment", NINGBO_PLAN,
     ["high-end-equipment", "core-components", "shipbuilding"]),
    ("new-materials", "新材料", "New materials", NINGBO_PLAN, ["new-materials"]),
    ("electronic-information", "电子信息", "Electronic information", NINGBO_PLAN,
     ["electronic-information", "integrated-circuits"]),
    ("software-emerging-services", "软件与新兴服务", "Software and emerging services", NINGBO_PLAN,
     ["software-emerging-services", "industrial-internet"]),
    ("port-shipping-logistics", "港航物流", "Port, shipping and logistics", JOINT_PLAN, ["port-shipping-logistics"]),
    ("marine-economy", "海洋经济", "Marine economy", JOINT_PLAN,
     ["marine-economy", "marine-biology", "modern-fisheries", "shipbuilding"]),
    ("biomedicine", "生物医药", "Biomedicine", NINGBO_PLAN, ["biomedicine"]),
    ("smart-appliances", "智能家电", "Smart home appliances", NINGBO_PLAN, ["smart-appliances"]),
]  # fmt: skip


def seed(apps, schema_editor):
    """Districts, the taxonomy's missing industries and the key industries; safe to run again."""
    Region = apps.get_model("core", "Region")
    District = apps.get_model("market", "District")
    Field = apps.get_model("experts", "Field")
    KeyIndustry = apps.get_model("market", "KeyIndustry")
    regions = {r.code: r for r in Region.objects.all()}
    for code, city, name, name_en, aliases, position in DISTRICTS:
        if city in regions:  # a database without the city has none of its districts
            District.objects.update_or_create(code=code, defaults={
                "region": regions[city], "name": name, "name_en": name_en, "aliases": aliases,
                "position": position,
            })  # fmt: skip
    last = max(Field.objects.values_list("position", flat=True), default=0)
    for offset, (code, name, name_en) in enumerate(NEW_FIELDS, start=1):
        if not Field.objects.filter(models.Q(code=code) | models.Q(name=name)).exists():
            Field.objects.create(code=code, name=name, name_en=name_en, position=last + offset)
    for position, (code, name, name_en, source, covers) in enumerate(KEY_INDUSTRIES, start=1):
        industry, _ = KeyIndustry.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "source": source, "position": position,
        })  # fmt: skip
        industry.covers.add(*Field.objects.filter(code__in=covers))


def districts_from_text(apps, schema_editor):
    """Each job's district as written becomes one of its city's districts where the text names
    exactly one; text naming none (or another city's) leaves the job without a district."""
    from talentlink.market.districts import Named, district_of_text

    District = apps.get_model("market", "District")
    Job = apps.get_model("market", "Job")
    by_city: dict[int, list[Named]] = {}
    ids: dict[str, int] = {}
    for d in District.objects.all():
        by_city.setdefault(d.region_id, []).append(Named(d.code, d.name, d.name_en, d.aliases))
        ids[d.code] = d.pk
    texts = Job.objects.exclude(district_text="").values_list("region_id", "district_text").distinct()
    for region_id, text in texts:
        code = district_of_text(text, by_city.get(region_id, []))
        if code is not None:
            Job.objects.filter(region_id=region_id, district_text=text).update(district_id=ids[code])
    if schema_editor.connection.vendor == "postgresql":  # check the new keys now: the column goes next
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def text_from_districts(apps, schema_editor):
    Job = apps.get_model("market", "Job")
    for job in Job.objects.filter(district__isnull=False).select_related("district"):
        Job.objects.filter(pk=job.pk).update(district_text=job.district.name)


def created_from_updated(apps, schema_editor):
    """Résumés written before the platform kept their creation: their last change is the best date known."""
    apps.get_model("market", "Profile").objects.update(created_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_sealed_scans"),
        ("experts", "0006_plan_targets_moved_to_indicators"),
        ("market", "0005_sms_suggestions"),
    ]

    operations = [
        migrations.CreateModel(
            name="District",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=6, unique=True, verbose_name="administrative code")),
                ("name", models.CharField(max_length=30, verbose_name="name")),
                ("name_en", models.CharField(max_length=60, verbose_name="English name")),
                ("aliases", models.CharField(blank=True, help_text="Comma-separated; free text written with one of them is read as this district.", max_length=200, verbose_name="former and other names")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("region", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="districts", to="core.region", verbose_name="city")),
            ],
            options={
                "verbose_name": "district",
                "verbose_name_plural": "districts",
                "ordering": ["region__position", "position", "code"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("code__regex", "^[0-9]{6}$")), name="district_code_six_digits"),
                    models.UniqueConstraint(fields=("region", "name"), name="district_name_in_city"),
                ],
            },
        ),
        migrations.CreateModel(
            name="KeyIndustry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=40, unique=True, verbose_name="code")),
                ("name", models.CharField(max_length=40, unique=True, verbose_name="name")),
                ("name_en", models.CharField(max_length=80, verbose_name="English name")),
                ("source", models.CharField(blank=True, max_length=200, verbose_name="plan that names it")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("covers", models.ManyToManyField(help_text="Jobs and résumés of these industries count under the key industry.", related_name="key_industries", to="experts.field", verbose_name="industries it covers")),
            ],
            options={
                "verbose_name": "key industry",
                "verbose_name_plural": "key industries",
                "ordering": ["position", "code"],
            },
        ),
        migrations.RenameField(model_name="job", old_name="district", new_name="district_text"),
        migrations.AddField(
            model_name="job",
            name="district",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="jobs", to="market.district", verbose_name="district"),
        ),
        migrations.AddField(
            model_name="profile",
            name="district",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="profiles", to="market.district", verbose_name="district where I live or work now"),
        ),
        migrations.AddField(
            model_name="profile",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now, verbose_name="created at"),
            preserve_default=False,
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(created_from_updated, migrations.RunPython.noop),
        migrations.RunPython(districts_from_text, text_from_districts),
        migrations.RemoveField(model_name="job", name="district_text"),
    ]
