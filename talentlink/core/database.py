"""Database settings that bulk work needs for the length of its own transaction."""

from __future__ import annotations

from django.db import connection


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
