"""Fixtures shared by every app's tests."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from talentlink.core.models import Region, Role, User

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "Correct-Horse-2026"

# Page tests drive Debian's chromium (make browser-deps), never a browser Playwright downloads.
# Without the networking flags Chromium floods the closed network with refused connections.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Tasks run inline, files and cache stay inside the test's own directory.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # A cache of the test's own (LocMemCache shares one store per LOCATION): no counter or
    # cached value of an earlier test (throttles, progress) reaches this one.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TALENTLINK_SMS_BACKEND = "talentlink.core.sms.MemorySmsBackend"
    settings.TALENTLINK_MARKET_INDEX = tmp_path / "market-index"  # none saved unless a test builds one
    from talentlink.core.sms import MemorySmsBackend

    MemorySmsBackend.outbox.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Data migrations that seed regions and catalogues (each has a re-runnable ``seed(apps, editor)``).
SEED_MIGRATIONS = [
    "talentlink.core.migrations.0002_seed_regions",
    "talentlink.registry.migrations.0002_seed_catalogues",
    "talentlink.registry.migrations.0009_import_quality_policy",
    "talentlink.credentials.migrations.0002_seed_catalogue",
    "talentlink.experts.migrations.0003_seed_fields_and_targets",
    "talentlink.indicators.migrations.0002_seed_action_plan",
    "talentlink.indicators.migrations.0003_seed_five_year_plan",
    "talentlink.market.migrations.0002_occupations_csco22",
    "talentlink.market.migrations.0006_districts_key_industries",
    "talentlink.market.migrations.0007_graduates_universities",
]


@pytest.fixture
def seeded_catalogues(transactional_db) -> None:
    """Put back what the data migrations seed, for a transactional test that runs after another
    one flushed the database (serialized_rollback would too, but its restore fails on the content
    types that post_migrate re-creates after a flush)."""
    import importlib

    from django.apps import apps

    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


@pytest.fixture
def ningbo(db) -> Region:
    return Region.objects.get(code="330200")


@pytest.fixture
def zhoushan(db) -> Region:
    return Region.objects.get(code="330900")


def make_user(username: str, role: str, region: Region | None = None, **extra) -> User:
    user = User(username=username, role=role, region=region, full_name=username, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def nb_office(ningbo) -> User:
    return make_user("nb-office", Role.TALENT_OFFICE, ningbo, email="nb-office@example.cn")


@pytest.fixture
def zs_office(zhoushan) -> User:
    return make_user("zs-office", Role.TALENT_OFFICE, zhoushan)


@pytest.fixture
def nb_hr(ningbo) -> User:
    return make_user("nb-hr", Role.HR_REVIEWER, ningbo)


@pytest.fixture
def observer(db) -> User:
    return make_user("observer", Role.PROVINCE_OBSERVER)


@pytest.fixture
def client_of() -> Callable[[User], Client]:
    def login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


NINGBO_HEADER = [
    "人才编号", "姓名", "公民身份号码", "性别", "出生日期", "手机号码", "电子邮箱", "工作单位",
    "统一社会信用代码", "人才类别", "人才层次", "最高学历", "职称", "所属产业", "入库日期",
]  # fmt: skip
# Valid values: ID numbers and credit codes with correct check characters.
GOOD_ROWS = [
    ["NB001", "张伟", "330203199003074513", "男", "1990-03-07", "13805740001", "zw@example.cn",
     "宁波海天石化有限公司", "91330200144069621H", "03", "C", "博士研究生", "高级工程师", "绿色石化", "2020-05-01"],
    ["NB002", "欧阳明", "330212198511230027", "女", "1985-11-23", "13905740002", "",
     "宁波东方新材料科技有限公司", "", "02", "E", "硕士研究生", "", "新材料", "2021-01-15"],
    ["NB003", "李 海 燕", "33020519780515106x", "女", "1978-05-15", "", "",
     "", "", "04", "F", "大学专科", "高级技师", "港航物流", ""],
]  # fmt: skip


@pytest.fixture
def ningbo_csv(tmp_path) -> Callable[..., Path]:
    """Write a Ningbo-format export with the given rows (default: three valid ones)."""

    def write(rows: list[list[str]] | None = None, name: str = "ningbo.csv") -> Path:
        path = tmp_path / name
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(NINGBO_HEADER)
            writer.writerows(GOOD_ROWS if rows is None else rows)
        return path

    return write


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


class _Sink:
    """Keeps every message the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on loopback; the platform sends through its SMTP backend."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    yield sink
    controller.stop()


@pytest.fixture
def page(live_server, monkeypatch) -> Iterator[Page]:
    """A Chinese-speaking browser page on the live server (downloads allowed)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; without this the ORM refuses to
    # run here (SynchronousOnlyOperation) while the browser is open.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, accept_downloads=True, locale="zh-CN")
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def page_problems(page: Page) -> list[str]:
    """What goes wrong on the page from now on: script errors, and what the CSP refuses."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if "Refused" in message.text else None)
    return problems


def log_in(page: Page, user: User) -> None:
    """Log a test account in through the login page (any earlier session is dropped first)."""
    import re

    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
