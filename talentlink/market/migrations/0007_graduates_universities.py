"""Where graduates came from: the Ministry of Education's list of higher-education institutions
(market/data/universities.csv, 2,756 institutions) and, on each résumé, the listed institution its
university text names."""

import django.db.models.deletion
from django.db import migrations, models


def seed(apps, schema_editor):
    """Re-runnable: institutions already there are brought up to the list; résumés not yet
    matched are matched."""
    from talentlink.market.universities import university_code, university_rows

    University = apps.get_model("market", "University")
    Profile = apps.get_model("market", "Profile")
    known = set(University.objects.values_list("code", flat=True))
    University.objects.bulk_create(
        [
            University(
                code=r.code, name=r.name, name_en=r.name_en, province=r.province, city=r.city,
                level=r.level, authority=r.authority, note=r.note,
            )
            for r in university_rows()
            if r.code not in known
        ],
        batch_size=500,
    )  # fmt: skip
    ids = dict(University.objects.values_list("code", "id"))
    pending = Profile.objects.filter(listed_university__isnull=True).exclude(university="")
    for pk, text in pending.values_list("pk", "university").iterator():
        code = university_code(text)
        if code in ids:
            Profile.objects.filter(pk=pk).update(listed_university_id=ids[code])


class Migration(migrations.Migration):
    dependencies = [("market", "0005_sms_suggestions")]

    operations = [
        migrations.CreateModel(
            name="University",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=10, unique=True, verbose_name="institution code")),
                ("name", models.CharField(max_length=60, verbose_name="name")),
                ("name_en", models.CharField(blank=True, max_length=255, verbose_name="English name")),
                ("province", models.CharField(max_length=2, verbose_name="province code")),
                ("city", models.CharField(blank=True, max_length=30, verbose_name="city")),
                (
                    "level",
                    models.CharField(
                        choices=[
                            ("bachelor", "Undergraduate (本科)"),
                            ("associate", "Vocational college (专科)"),
                        ],
                        max_length=10,
                        verbose_name="level",
                    ),
                ),
                (
                    "authority",
                    models.CharField(blank=True, max_length=60, verbose_name="competent authority"),
                ),
                ("note", models.CharField(blank=True, max_length=30, verbose_name="note")),
            ],
            options={
                "verbose_name": "university",
                "verbose_name_plural": "universities",
                "ordering": ["code"],
            },
        ),
        migrations.AddField(
            model_name="profile",
            name="listed_university",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="market.university",
                verbose_name="university in the national list",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
