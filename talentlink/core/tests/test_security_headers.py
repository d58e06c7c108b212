"""Issue 12, finding 12: security headers on every answer, no inline script or style in any template,
a production configuration that passes ``check --deploy`` and cannot run with DEBUG, https links
behind the TLS proxy, and staff sessions that end sooner than talents'."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD, make_user
from talentlink.core.models import Role

ROOT = Path(django_settings.BASE_DIR)


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/public/regions", "/admin/login/"])
def test_every_answer_forbids_inline_scripts_and_styles(db, path):
    answer = Client().get(path)
    policy = dict(
        directive.strip().split(" ", 1) for directive in answer.headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in answer.headers["Content-Security-Policy"]


def test_the_camera_is_allowed_to_the_platforms_pages_only_and_nothing_else(db):
    features = dict(
        item.strip().split("=", 1) for item in Client().get("/").headers["Permissions-Policy"].split(",")
    )
    assert features.pop("camera") == "(self)"
    assert {"microphone", "geolocation", "payment", "usb"} <= set(features)
    assert set(features.values()) == {"()"}


def test_a_logged_in_page_carries_the_headers(nb_office, client_of):
    answer = client_of(nb_office).get("/dashboard/")
    assert answer.status_code == 200
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]


TEMPLATES = sorted(ROOT.glob("talentlink/**/templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_scripts_handlers_or_styles(template):
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "move the script into a static file"
    assert not EVENT_HANDLER.search(text), "attach the handler from a static script"
    assert "style=" not in text and "<style" not in text, "use a class from a static stylesheet"
    assert "javascript:" not in text


def test_the_review_keyboard_script_is_served_as_a_file(db):
    from django.contrib.staticfiles import finders

    assert finders.find("registry/review.js")


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TALENTLINK_", "DJANGO_"))}
    env.update(
        TALENTLINK_ENV="production",
        TALENTLINK_SECRET_KEY=secrets.token_urlsafe(50),
        TALENTLINK_FIELD_KEY=base64.b64encode(os.urandom(32)).decode(),
        TALENTLINK_ALLOWED_HOSTS="rc.example.cn",
        TALENTLINK_BASE_URL="https://rc.example.cn",
        TALENTLINK_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    )
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_production_settings_pass_the_deployment_check(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "ERROR", env=production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for warning in ("security.W004", "security.W008", "security.W018", "security.W012", "security.W016"):
        assert warning not in output


def test_production_refuses_to_start_with_debug_on(tmp_path):
    result = manage("check", env=production_env(tmp_path, TALENTLINK_DEBUG="true"))
    assert result.returncode != 0
    assert "TALENTLINK_DEBUG cannot be on when TALENTLINK_ENV is production" in result.stderr


def test_production_refuses_to_start_without_the_address_for_links_in_e_mails(tmp_path):
    environment = production_env(tmp_path)
    del environment["TALENTLINK_BASE_URL"]
    result = manage("check", env=environment)
    assert result.returncode != 0
    assert "TALENTLINK_BASE_URL" in result.stderr


def test_behind_the_tls_proxy_reset_links_are_https(nb_office, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    answer = Client().post(
        "/accounts/password/reset/", {"email": nb_office.email},
        HTTP_HOST="testserver", HTTP_X_FORWARDED_PROTO="https",
    )  # fmt: skip
    assert answer.status_code == 302
    [message] = mail.outbox
    assert "https://testserver/accounts/password/reset/" in message.body


def session_age(client: Client) -> float:
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    return (session.expire_date - timezone.now()).total_seconds()


def test_a_staff_session_ends_after_half_an_hour_idle_a_talents_after_eight_hours(nb_office, db):
    make_user("13905740002", Role.TALENT)
    staff, talent = Client(), Client()
    staff.post("/accounts/login/", {"username": "nb-office", "password": PASSWORD})
    talent.post("/accounts/login/", {"username": "13905740002", "password": PASSWORD})
    assert 25 * 60 < session_age(staff) <= 30 * 60
    assert session_age(talent) > 7 * 3600
    assert staff.cookies["sessionid"]["max-age"] == 30 * 60


def test_an_idle_staff_session_is_logged_out(nb_office):
    client = Client()
    client.post("/api/public/auth/login", {"username": "nb-office", "password": PASSWORD},
                content_type="application/json")  # fmt: skip
    assert client.get("/api/core/me").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/core/me").status_code == 401


def test_activity_keeps_a_staff_session_open(nb_office, client_of):
    client = client_of(nb_office)
    client.get("/dashboard/")
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + dt.timedelta(minutes=5),
        session_data=Session.objects.encode({**session.get_decoded(), "_staff_seen_at": 0}),
    )
    assert client.get("/dashboard/").status_code == 200
    assert session_age(client) > 25 * 60
