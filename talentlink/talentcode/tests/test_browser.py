"""In a real browser: the talent's device signs its own code offline; a service point scans a talent's QR code with the network cut, records the use,
and the queued use is sent through the benefits API once the network is back.

Chromium's fake camera plays a .y4m video made here from the PNG the platform renders for the
code, so the picture goes through the page's real camera path (getUserMedia → canvas → jsQR →
WebCrypto). The benefits endpoints belong to the benefits app; the browser talks to a fake of
them that follows CONTRACTS.md, so this test depends on nothing but the contract.
"""

from __future__ import annotations

import importlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from django.apps import apps
from PIL import Image
from playwright.sync_api import BrowserContext, Page, Route, expect, sync_playwright

from conftest import PASSWORD, make_user
from talentlink.core.models import Role, User
from talentlink.registry.models import Person
from talentlink.talentcode import qr, services
from talentlink.talentcode.selectors import code_verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
BENEFIT = {"code": "nb-tianyige-free", "name": "天一阁免费参观", "kind": "free_entry", "terms_summary": ""}
WIDTH, HEIGHT = 640, 480
expect.set_options(timeout=20_000)  # the fake camera and offline start take a few seconds
SEED_MIGRATIONS = [
    "talentlink.core.migrations.0002_seed_regions",
    "talentlink.registry.migrations.0002_seed_catalogues",
]


def y4m_of(png: bytes, path: Path, frames: int = 5) -> Path:
    """A still video (YUV 4:2:0) of the QR picture on white, as Chromium's fake camera plays it."""
    symbol = Image.open(io.BytesIO(png)).convert("L")
    symbol.thumbnail((HEIGHT - 20, HEIGHT - 20))
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(symbol, ((WIDTH - symbol.width) // 2, (HEIGHT - symbol.height) // 2))
    chroma = bytes([128]) * (WIDTH * HEIGHT // 2)
    with open(path, "wb") as handle:
        handle.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            handle.write(b"FRAME\n" + frame.tobytes() + chroma)
    return path


@pytest.fixture(autouse=True)
def _seeded_catalogues(transactional_db) -> None:  # type: ignore[no-untyped-def]
    """Put back the regions and tiers the data migrations seed, should a transactional test have
    flushed them (as the registry's browser test does)."""
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


@pytest.fixture
def code_text(talent: Person, settings) -> str:  # type: ignore[no-untyped-def]
    settings.TALENTLINK_CODE_ONLINE_SECONDS = 900  # the browser needs longer than a minute to start
    return services.code_issue(person=talent).qr


@pytest.fixture
def counter(ningbo) -> User:  # type: ignore[no-untyped-def]
    return make_user("nb-counter", Role.SERVICE_POINT, ningbo)


@pytest.fixture
def context(live_server, monkeypatch, code_text: str, tmp_path: Path) -> Iterator[BrowserContext]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    video = y4m_of(qr.png(code_text), tmp_path / "qr.y4m")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={video}"]
        )
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        context.set_default_timeout(20_000)
        try:
            yield context
        finally:
            context.close()
            browser.close()


class FakeBenefits:
    """The benefits API of CONTRACTS.md, as far as the scanner uses it."""

    def __init__(self) -> None:
        self.synced: list[dict] = []

    def mine(self, route: Route) -> None:
        body = {
            "id": 1,
            "name": "天一阁",
            "provider": "天一阁博物院",
            "region": "330200",
            "benefits": [BENEFIT],
        }
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    def sync(self, route: Route) -> None:
        items = json.loads(route.request.post_data or "{}")["items"]
        self.synced.extend(items)
        results = [
            {"id": n, "client_id": item["client_id"], "status": "recorded", "reason": "ok", "message": ""}
            for n, item in enumerate(items, start=1)
        ]
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"results": results}))


def log_in(page: Page, user: User) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def test_a_service_point_scans_a_code_offline_and_syncs_the_use_later(
    context: BrowserContext, counter: User, code_text: str
) -> None:
    benefits = FakeBenefits()
    context.route("**/api/benefits/service-points/mine", benefits.mine)
    context.route("**/api/benefits/redemptions/sync", benefits.sync)
    page = context.new_page()
    log_in(page, counter)

    # Online once: the page, its scripts, the trust list and status lists are kept on the device.
    page.goto("/code/scan/")
    expect(page.locator("#tc-scan")).to_have_attribute("data-ready", "1")
    expect(page.locator("#tc-scan")).to_have_attribute("data-cached", "1")
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    # The network goes down; the page still opens (service worker) and verifies in the browser.
    context.set_offline(True)
    page.reload()
    expect(page.locator("#tc-net")).to_have_attribute("data-online", "0")
    expect(page.locator("#tc-scan")).to_have_attribute("data-ready", "1")
    verdict = page.locator("#tc-verdict")
    expect(verdict).to_have_attribute("data-reason", "ok")  # the camera picture, decoded by jsQR
    expect(verdict).to_contain_text("C")
    expect(page.locator("#tc-benefit")).to_have_value(BENEFIT["code"])
    page.click("#tc-redeem")
    expect(page.locator("#tc-queue")).to_have_attribute("data-count", "1")
    assert benefits.synced == []

    # The same code again is a replay, caught by the device's own cache of seen token ids.
    page.fill("#tc-manual-code", code_text)
    page.click("#tc-manual button[type=submit]")
    expect(verdict).to_have_attribute("data-reason", "replayed")

    # Back online: the queued use goes to the benefits API, once.
    context.set_offline(False)
    expect(page.locator("#tc-queue")).to_have_attribute("data-count", "0")
    assert len(benefits.synced) == 1
    item = benefits.synced[0]
    assert (item["code"], item["benefit"], item["offline"]) == (code_text, BENEFIT["code"], True)
    assert re.fullmatch(r"[0-9a-f-]{36}", item["client_id"]) and item["scanned_at"]


def test_the_talents_browser_shows_a_device_signed_code_when_offline(
    context: BrowserContext, talent: Person, tmp_path: Path
) -> None:
    page = context.new_page()
    log_in(page, talent.account)
    page.goto("/code/")
    # Online: a server-rendered QR, and the device key is bound into an offline credential.
    online_symbol = page.locator("#tc-symbol")
    expect(online_symbol.locator("svg")).to_be_visible()
    online_text = online_symbol.get_attribute("data-qr") or ""
    expect(page.locator("#tc-holder-status")).not_to_be_empty()
    assert talent.talent_codes.get(revoked_at__isnull=True).holder_key is not None

    # Offline: the page wraps the credential in the device's own signature and draws the QR.
    context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    offline_symbol = page.locator("#tc-offline-symbol svg")
    expect(offline_symbol).to_be_visible()
    shot = tmp_path / "offline.png"
    offline_symbol.screenshot(path=shot)
    decoded = zxingcpp.read_barcodes(Image.open(shot))
    assert decoded, "the offline QR is readable"
    shown = decoded[0].text
    assert shown.startswith("TC1:") and shown != online_text
    verdict = code_verify(qr=shown, online=False)
    assert verdict.ok, verdict.reason
    assert verdict.tier == "C" and verdict.subject == code_verify(qr=online_text, consume=False).subject
