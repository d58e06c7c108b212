"""China's occupational classification 2022 (CSCO 2022): 8 major, 73 medium, 336 minor groups and
1,634 occupations, with their recruitment-title aliases (market/data/csco22.csv)."""

from django.db import migrations


def seed(apps, schema_editor):
    """Re-runnable: codes already there stay as they are."""
    from talentlink.market.occupations import catalogue_rows

    Occupation = apps.get_model("market", "Occupation")
    rows = list(catalogue_rows())
    existing = {r.code for r in rows}
    for level in (1, 2, 3, 4):  # groups first, so that each row finds its parent's id
        ids = dict(Occupation.objects.values_list("code", "id"))
        Occupation.objects.bulk_create(
            [
                Occupation(
                    code=r.code, level=r.level, name=r.name, definition=r.definition,
                    aliases=",".join(r.aliases), parent_id=ids.get(r.parent_code(existing) or ""),
                )
                for r in rows
                if r.level == level and r.code not in ids
            ],
            batch_size=500,
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("market", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
