"""What a new user meets first: the icon on every page, development e-mail kept out of the console."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_page_links_the_icon_and_the_browser_finds_it() -> None:
    page = Client().get("/").content.decode()
    assert 'rel="icon"' in page and "core/favicon.svg" in page and "core/favicon.ico" in page
    assert finders.find("core/favicon.svg") and finders.find("core/favicon.ico")


def test_favicon_ico_is_answered_with_the_static_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.STATIC_URL) and response["Location"].endswith(".ico")
    assert Path(finders.find("core/favicon.ico")).read_bytes()[:4] == b"\x00\x00\x01\x00"  # an ICO


def test_development_mail_is_written_to_files_under_var_not_printed(tmp_path: Path) -> None:
    # A fresh process with the development defaults, as `make demo` runs: no console MIME dump.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TALENTLINK_EMAIL", "DJANGO_"))}
    env |= {"TALENTLINK_VAR_DIR": str(tmp_path), "TALENTLINK_ENV": "development"}
    done = subprocess.run(
        [sys.executable, "manage.py", "sendtestemail", "talent@example.cn"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "Content-Type" not in done.stdout + done.stderr
    mails = list((tmp_path / "mail").iterdir())
    assert len(mails) == 1 and "talent@example.cn" in mails[0].read_text()
