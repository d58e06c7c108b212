"""The full-text index over experts: FTS5 on SQLite, a GIN tsvector on PostgreSQL."""

from django.db import migrations

from talentlink.experts import search


def create(apps, schema_editor):
    statements = {"sqlite": search.SQLITE_CREATE, "postgresql": search.POSTGRESQL_CREATE}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    statements = {"sqlite": search.SQLITE_DROP, "postgresql": search.POSTGRESQL_DROP}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
