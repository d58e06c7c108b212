"""Database settings that bulk work needs for the length of its own transaction."""

from __future__ import annotations

from typing import Any

from django.db import connection, models


def plan_each_statement() -> None:
    """On PostgreSQL, plan every statement of the current transaction for its own parameters.

    The platform lets psycopg prepare statements server-side (``prepare_threshold``, for the short
    requests of the online checks), and PostgreSQL then soon settles on one generic plan per
    statement. A bulk transaction that fills a table while it asks it (an import looks up each
    chunk's keys in the records it is writing; a re-link reads back the persons it rewrote) would
    keep the plan made while the table was empty — a sequential scan — for all of it: a 500,000-row
    import slowed to a few hundred rows a second. ``SET LOCAL`` ends with the transaction.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")


def quoted_columns(model: type[models.Model], names: tuple[str, ...]) -> list[str]:
    """The quoted database columns of a model's fields, named by attribute (``person_id``)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    columns = []
    for name in names:
        column = fields[name].column
        assert column is not None, "a concrete field has a column"
        columns.append(connection.ops.quote_name(column))
    return columns


def rows_update(model: type[models.Model], names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Update rows given as (*values of ``names``, id), as they go to the database, with one
    prepared statement: Django's ``bulk_update`` builds a CASE per field and, under SQLite's
    999-variable budget, only a few dozen rows per statement."""
    assignments = ", ".join(f"{column} = %s" for column in quoted_columns(model, names))
    sql = f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {assignments} WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
