from django.db import migrations

REGIONS = [
    ("330200", "宁波市", "Ningbo", "甬", 1),
    ("330900", "舟山市", "Zhoushan", "舟", 2),
]


def seed(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    for code, name, name_en, short, position in REGIONS:
        Region.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "short_name": short, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
