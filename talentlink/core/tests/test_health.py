"""The health endpoint load balancers call: it answers for the database and the cache."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_server_that_reaches_its_database_and_cache_is_healthy() -> None:
    answer = Client().get("/api/public/health")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "database": True, "cache": True}


def test_a_server_that_lost_its_database_answers_503(monkeypatch) -> None:
    from django.db import connection

    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken)
    answer = Client().get("/api/public/health")
    assert answer.status_code == 503
    assert answer.json() == {"ok": False, "database": False, "cache": True}


def test_a_server_that_lost_its_cache_answers_503(monkeypatch) -> None:
    class Unreachable:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

    monkeypatch.setattr("talentlink.core.selectors.cache", Unreachable())
    answer = Client().get("/api/public/health")
    assert answer.status_code == 503
    assert answer.json()["cache"] is False
