"""Issue 12, finding 12: the main pages work under the Content-Security-Policy and the
Permissions-Policy, in Debian's chromium: any policy violation the browser reports fails the test.

The desk, the charts, htmx search, the clerical review (its keyboard script) and the scanner (its
camera, service worker and signed lists) are each opened and used."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

import pytest
from django.apps import apps
from playwright.sync_api import ConsoleMessage, Page, expect, sync_playwright

from conftest import CHROMIUM, CHROMIUM_ARGS, SEED_MIGRATIONS, log_in
from talentlink.core.models import User
from talentlink.registry.models import ReviewPair, SourceRecord
from talentlink.registry.tests.test_imports import run_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
# What Chromium writes to the console when a policy blocks something or cannot be read.
POLICY_MESSAGE = re.compile(r"Content.Security.Policy|Refused to|Permissions.Policy", re.IGNORECASE)
# Each violation, reported to the page itself (Playwright's init script runs outside the policy).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(autouse=True)
def _seeded_catalogues(transactional_db) -> None:
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


class Watched:
    """A browser page whose policy complaints are collected."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.complaints: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.complaints.append(f"uncaught: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if POLICY_MESSAGE.search(message.text):
            self.complaints.append(message.text)

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.ok, (path, response and response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]

    def assert_clean(self) -> None:
        violations = self.page.evaluate("window.__violations || []")
        assert not violations and not self.complaints, [*violations, *self.complaints]


@pytest.fixture
def watched(live_server, monkeypatch) -> Iterator[Watched]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *FAKE_CAMERA])
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        context.set_default_timeout(20_000)
        try:
            yield Watched(context.new_page())
        finally:
            context.close()
            browser.close()


@pytest.fixture
def review_pair(nb_office, ningbo_csv, settings) -> ReviewPair:
    settings.TALENTLINK_LINKAGE_AFTER_IMPORT = False
    run_import(nb_office, ningbo_csv())
    a, b = SourceRecord.objects.order_by("pk")[:2]
    return ReviewPair.objects.create(
        record_a=a, record_b=b, match_weight=3.0, match_probability=0.9,
        comparison={"name": {"level": "same_pinyin", "weight": 6.0}},
    )  # fmt: skip


def test_the_public_pages_and_the_login_keep_to_the_policy(watched: Watched, nb_office: User) -> None:
    for path in (
        "/",
        "/accounts/login/",
        "/registry/register/",
        "/register/employer/",
        "/accounts/password/reset/",
    ):
        watched.visit(path)
    log_in(watched.page, nb_office)
    watched.assert_clean()


def test_the_desk_charts_search_and_back_office_keep_to_the_policy(
    watched: Watched, nb_office: User, review_pair: ReviewPair
) -> None:
    log_in(watched.page, nb_office)
    watched.visit("/dashboard/")
    watched.visit("/benefits/statistics/")
    expect(watched.page.locator("#charts svg.chart").first).to_be_visible()
    watched.visit("/registry/persons/")
    with watched.page.expect_response(re.compile(r"/registry/persons/")):
        watched.page.locator("main input").first.fill("张")  # htmx searches as one types
    watched.visit("/admin/")
    watched.assert_clean()


def test_the_clerical_review_keyboard_works_under_the_policy(
    watched: Watched, nb_office: User, review_pair: ReviewPair
) -> None:
    log_in(watched.page, nb_office)
    watched.visit(f"/registry/linkage/review/{review_pair.pk}/")
    watched.page.keyboard.press("r")  # different persons, through the static review script
    expect(watched.page.locator("#queue-empty")).to_be_visible()
    watched.assert_clean()


def test_the_scanner_gets_the_camera_and_starts_under_the_policy(watched: Watched, nb_office: User) -> None:
    log_in(watched.page, nb_office)
    watched.visit("/code/scan/")
    scanner = watched.page.locator("#tc-scan")
    expect(scanner).to_have_attribute("data-started", "1")
    # Polled from outside the page: wait_for_function would evaluate a string, which the policy forbids.
    for _ in range(100):
        if watched.page.evaluate("() => document.getElementById('tc-video').readyState") >= 2:
            break
        watched.page.wait_for_timeout(200)
    assert watched.page.evaluate("() => document.getElementById('tc-video').srcObject !== null")
    expect(watched.page.locator("#tc-camera")).to_have_text("")
    expect(scanner).to_have_attribute("data-cached", "1")  # the service worker kept the page
    watched.assert_clean()
