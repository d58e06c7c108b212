"""Joins the talent map's districts (0006) and the graduates' universities (0007), written side by side."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("market", "0006_districts_key_industries"),
        ("market", "0007_graduates_universities"),
    ]
    operations: list = []
