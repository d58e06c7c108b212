"""Full-text search over experts on SQLite (FTS5) and PostgreSQL (tsvector), behind one call.

Both engines read ``Expert.search_document``: text segmented by jieba at write time, words
separated by spaces. SQLite keeps an external-content FTS5 table in step through triggers;
PostgreSQL indexes ``to_tsvector('simple', search_document)`` with GIN (the 'simple'
configuration neither stems nor drops words, which is right for pre-segmented Chinese).
Both migrations are in ``migrations/0002_full_text``.
"""

from __future__ import annotations

import re

from django.db import connection

from talentlink.experts import text

# The best matches the index hands back before filters: enough pages for a person to read;
# a broader query is narrowed by typing more words or by the filters.
MATCH_LIMIT = 500
_SAFE = re.compile(r"[^\w]+", re.UNICODE)


def query_words(query: str) -> list[str]:
    """The words of a query: jieba's segmentation, plus the whole query when it is one short
    word such as a name (names are indexed whole as well)."""
    found = text.index_words(query)
    compact = "".join(query.split())
    if 1 < len(compact) <= 4 and compact not in found and not _SAFE.search(compact):
        found.append(compact.lower())
    cleaned = [_SAFE.sub("", w) for w in found]
    return list(dict.fromkeys(w for w in cleaned if w))


def ranked_expert_ids(query: str, *, limit: int = MATCH_LIMIT) -> list[int]:
    """Ids of experts whose text matches any word of the query, best match first."""
    terms = query_words(query)
    if not terms:
        return []
    if connection.vendor == "postgresql":
        return _postgresql(terms, limit)
    if connection.vendor == "sqlite":
        return _sqlite(terms, limit)
    raise NotImplementedError(f"no full-text search for {connection.vendor}")


def _sqlite(terms: list[str], limit: int) -> list[int]:
    match = " OR ".join(f'"{t}"' for t in terms)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM experts_expert_fts WHERE experts_expert_fts MATCH %s "
            "ORDER BY bm25(experts_expert_fts), rowid LIMIT %s",
            [match, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def _postgresql(terms: list[str], limit: int) -> list[int]:
    tsquery = " | ".join(f"'{t}'" for t in terms)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM experts_expert, to_tsquery('simple', %s) AS query "
            "WHERE to_tsvector('simple', search_document) @@ query "
            "ORDER BY ts_rank_cd(to_tsvector('simple', search_document), query) DESC, id LIMIT %s",
            [tsquery, limit],
        )
        return [row[0] for row in cursor.fetchall()]


# --- Schema (used by the migration) ------------------------------------------------------------

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE experts_expert_fts USING fts5("
    "search_document, content='experts_expert', content_rowid='id')",
    "CREATE TRIGGER experts_expert_fts_insert AFTER INSERT ON experts_expert BEGIN "
    "INSERT INTO experts_expert_fts(rowid, search_document) VALUES (new.id, new.search_document); END",
    "CREATE TRIGGER experts_expert_fts_delete AFTER DELETE ON experts_expert BEGIN "
    "INSERT INTO experts_expert_fts(experts_expert_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); END",
    "CREATE TRIGGER experts_expert_fts_update AFTER UPDATE OF search_document ON experts_expert BEGIN "
    "INSERT INTO experts_expert_fts(experts_expert_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "INSERT INTO experts_expert_fts(rowid, search_document) VALUES (new.id, new.search_document); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS experts_expert_fts_update",
    "DROP TRIGGER IF EXISTS experts_expert_fts_delete",
    "DROP TRIGGER IF EXISTS experts_expert_fts_insert",
    "DROP TABLE IF EXISTS experts_expert_fts",
]
POSTGRESQL_CREATE = [
    "CREATE INDEX experts_expert_search_gin ON experts_expert "
    "USING GIN (to_tsvector('simple', search_document))",
]
POSTGRESQL_DROP = ["DROP INDEX IF EXISTS experts_expert_search_gin"]
