"""The back office names every app in the reader's language, third-party apps included."""

from __future__ import annotations

import pytest

from conftest import make_user
from talentlink.core.models import Role

pytestmark = pytest.mark.django_db


def test_the_background_tasks_app_is_headed_with_a_translatable_name(client_of, ningbo):
    admin = make_user("admin", Role.TALENT_OFFICE, ningbo, is_superuser=True, is_staff=True)
    client = client_of(admin)
    client.cookies["django_language"] = "en"
    page = client.get("/admin/").content.decode()
    assert "Background tasks" in page and "Tasks Database Backend" not in page
    assert client.get("/admin/django_tasks_database/").status_code == 200  # the app's label kept
