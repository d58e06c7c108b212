"""In a real browser: the talent's device signs its own code offline; a service point scans a
talent's QR code, online (the platform checks eligibility and quota before the use is recorded)
and with the network cut (the use is queued and synced later; what the platform did not record
stays on the counter's "needs attention" list).

Chromium's fake camera plays a .y4m video made here from the PNG the platform renders for the
code, so the picture goes through the page's real camera path (getUserMedia → canvas → jsQR →
WebCrypto). The scanner talks to the real benefits endpoints (check, record, sync) with a
provider, a service point and a benefit made by the benefits tests' factories.
"""

from __future__ import annotations

import importlib
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import cbor2
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric import ec
from django.apps import apps
from django.utils import translation
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from conftest import CHROMIUM, CHROMIUM_ARGS, log_in, make_user
from talentlink.benefits.models import Benefit, Redemption, ServicePoint, ServicePointAccount
from talentlink.benefits.tests.conftest import make_benefit, make_provider
from talentlink.core.models import Role, User
from talentlink.registry.models import Person
from talentlink.talentcode import codec, qr, services, verifier
from talentlink.talentcode.selectors import REASONS, code_verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The scanner reads Chromium's fake camera, fed with a video of the rendered code.
FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
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
def _seeded_catalogues(transactional_db) -> None:
    """Put back the regions and tiers the data migrations seed, should a transactional test have
    flushed them (as the registry's browser test does)."""
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


@pytest.fixture
def code_text(talent: Person, settings) -> str:
    settings.TALENTLINK_CODE_ONLINE_SECONDS = 900  # the browser needs longer than a minute to start
    return services.code_issue(person=talent).qr


@pytest.fixture
def benefit(ningbo) -> Benefit:
    """Free entry to the Tianyi Pavilion, once a day, three times a year, for any talent."""
    return make_benefit(make_provider(ningbo, "天一阁博物院"), "nb-tianyige-free", name="天一阁免费参观",
                        per_day=1, per_year=3)  # fmt: skip


@pytest.fixture
def counter(benefit: Benefit) -> User:
    """An account of the pavilion's east gate."""
    provider = benefit.provider
    point = ServicePoint.objects.create(provider=provider, name="东门检票口")
    user = make_user("nb-counter", Role.SERVICE_POINT, provider.region, organisation=provider.organisation)
    ServicePointAccount.objects.create(user=user, service_point=point)
    return user


@pytest.fixture
def browser(live_server, monkeypatch, code_text: str, tmp_path: Path) -> Iterator[Browser]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    video = y4m_of(qr.png(code_text), tmp_path / "qr.y4m")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, *FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"],
        )
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Browser, base_url: str) -> BrowserContext:
    """A device of its own: its own IndexedDB, service worker and session."""
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    context.set_default_timeout(20_000)
    return context


@pytest.fixture
def context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    context = new_context(browser, live_server.url)
    try:
        yield context
    finally:
        context.close()


def open_scanner(page: Page, user: User) -> list[str]:
    """Log in and open the scanner; returns the list the page's uncaught script errors go to."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, user)
    page.goto("/code/scan/")
    expect(page.locator("#tc-scan")).to_have_attribute("data-ready", "1")
    expect(page.locator("#tc-scan")).to_have_attribute("data-started", "1")
    return errors


def paste(page: Page, code: str) -> None:
    page.fill("#tc-manual-code", code)
    page.click("#tc-manual button[type=submit]")


def test_online_the_platform_checks_a_code_before_the_counter_records_its_use_once(
    browser: Browser, context: BrowserContext, live_server, counter: User, talent: Person, code_text: str
) -> None:
    page = context.new_page()
    errors = open_scanner(page, counter)

    # The camera's code is verified in the browser, then checked by the platform: nothing recorded yet.
    verdict = page.locator("#tc-verdict")
    expect(verdict).to_have_attribute("data-state", "checked")
    expect(verdict).to_have_attribute("data-reason", "ok")
    expect(page.locator("#tc-holder")).to_have_text("张*")
    # The tier as the registry's catalogue names it, not the bare letter the code carries.
    expect(page.locator("#tc-tier")).to_have_text("甬C 领军人才")
    expect(page.locator("#tc-note")).to_contain_text("甬C 领军人才")
    expect(page.locator("#tc-remaining")).to_have_text("今天 1 · 今年 3 · 总计 不限")
    assert not Redemption.objects.exists()

    page.click("#tc-redeem")
    expect(verdict).to_have_attribute("data-state", "recorded")
    # The uses left now count the use just recorded.
    expect(page.locator("#tc-remaining")).to_have_text("今天 0 · 今年 2 · 总计 不限")
    expect(page.locator("#tc-redeem")).to_be_disabled()
    use = Redemption.objects.get()
    assert (use.status, use.offline, use.person_id) == (Redemption.Status.RECORDED, False, talent.pk)
    expect(page.locator("#tc-queue")).to_have_attribute("data-count", "0")

    # The same code again at this counter: its own replay cache refuses it.
    paste(page, code_text)
    expect(verdict).to_have_attribute("data-reason", "replayed")
    # A fresh code of the same talent: valid, but the platform says today's use is taken.
    paste(page, services.code_issue(person=talent).qr)
    expect(verdict).to_have_attribute("data-state", "refused")
    expect(verdict).to_have_attribute("data-reason", "quota_day")
    expect(page.locator("#tc-remaining")).to_have_text("今天 0 · 今年 2 · 总计 不限")
    expect(page.locator("#tc-redeem")).to_be_disabled()

    # The first code shown at a second device of the counter: the platform knows it was used.
    other = new_context(browser, live_server.url)
    try:
        second = other.new_page()
        open_scanner(second, counter)
        expect(second.locator("#tc-verdict")).to_have_attribute("data-reason", "replayed")
        expect(second.locator("#tc-verdict")).to_have_attribute("data-state", "refused")
        expect(second.locator("#tc-redeem")).to_be_disabled()
    finally:
        other.close()
    assert Redemption.objects.count() == 1
    assert errors == []


def test_without_a_camera_the_scanner_hides_the_video_box_and_offers_a_full_width_paste_field(
    live_server, monkeypatch, counter: User, talent: Person, code_text: str
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)  # no camera
        try:
            context = new_context(browser, live_server.url)
            page = context.new_page()
            errors = open_scanner(page, counter)
            expect(page.locator("#tc-scan")).to_have_attribute("data-camera", "none")
            expect(page.locator("#tc-video")).to_be_hidden()
            expect(page.locator("#tc-camera")).to_have_text("没有摄像头：请在下方粘贴码文本。")
            field, form = page.locator("#tc-manual-code"), page.locator("#tc-manual")
            field_box, form_box = field.bounding_box(), form.bounding_box()
            assert field_box and form_box and field_box["width"] > 0.7 * form_box["width"]
            paste(page, code_text)
            expect(page.locator("#tc-verdict")).to_have_attribute("data-state", "checked")
            expect(page.locator("#tc-tier")).to_have_text("甬C 领军人才")
            assert errors == []
        finally:
            browser.close()


def test_offline_a_counter_queues_uses_and_sync_lists_the_conflict_for_attention(
    context: BrowserContext, counter: User, talent: Person, code_text: str
) -> None:
    later_code = services.code_issue(person=talent).qr  # the talent's page, a refresh later
    page = context.new_page()

    # Online once: the page, its scripts, the trust list and status lists are kept on the device.
    errors = open_scanner(page, counter)
    expect(page.locator("#tc-scan")).to_have_attribute("data-cached", "1")
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    # The network goes down; the page still opens (service worker) and verifies in the browser.
    context.set_offline(True)
    page.reload()
    expect(page.locator("#tc-net")).to_have_attribute("data-online", "0")
    expect(page.locator("#tc-scan")).to_have_attribute("data-ready", "1")
    expect(page.locator("#tc-scan")).to_have_attribute("data-started", "1")
    verdict, note = page.locator("#tc-verdict"), page.locator("#tc-note")
    expect(verdict).to_have_attribute("data-state", "verified")  # the camera picture, decoded by jsQR
    expect(verdict).to_contain_text("C")
    expect(page.locator("#tc-check")).to_be_hidden()  # no holder or uses left without the platform
    expect(note).to_have_text("离线：已在本设备上核验人才码，使用次数将在同步时核对。")
    expect(page.locator("#tc-benefit")).to_have_value("nb-tianyige-free")
    page.click("#tc-redeem")
    expect(verdict).to_have_attribute("data-state", "queued")
    expect(page.locator("#tc-queue")).to_have_attribute("data-count", "1")

    # The same code again is a replay, caught by the device's own cache of seen token ids.
    paste(page, code_text)
    expect(verdict).to_have_attribute("data-reason", "replayed")
    # The talent's next code passes on the device, which cannot know today's use is taken.
    paste(page, later_code)
    expect(verdict).to_have_attribute("data-state", "verified")
    page.click("#tc-redeem")
    expect(page.locator("#tc-queue")).to_have_attribute("data-count", "2")
    assert not Redemption.objects.exists()

    # Back online: both uses are sent; the second is over the daily limit and needs attention.
    context.set_offline(False)
    expect(page.locator("#tc-queue")).to_have_attribute("data-count", "0")
    expect(page.locator("#tc-attention-count")).to_have_attribute("data-count", "1")
    entry = page.locator("#tc-attention-list li")
    expect(entry).to_have_attribute("data-status", "conflict")
    expect(entry).to_have_attribute("data-reason", "quota_day")
    expect(entry).to_contain_text("天一阁免费参观")
    uses = list(Redemption.objects.order_by("scanned_at").values_list("status", "offline", "reason"))
    assert uses == [("recorded", True, "ok"), ("conflict", True, "quota_day")]

    # The list survives a reload (IndexedDB) until the counter dismisses the entry.
    page.reload()
    expect(page.locator("#tc-attention-count")).to_have_attribute("data-count", "1")
    entry.get_by_role("button").click()
    expect(entry).to_have_count(0)
    expect(page.locator("#tc-attention")).to_be_hidden()
    expect(page.locator("#tc-attention-count")).to_have_attribute("data-count", "0")
    assert errors == []


def test_the_talents_browser_shows_a_device_signed_code_when_offline(
    context: BrowserContext, talent: Person, tmp_path: Path
) -> None:
    page = context.new_page()
    assert talent.account is not None
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
    expect(page.locator("#tc-offline-symbol svg")).to_be_visible()
    # The offline and send-error events may each redraw the symbol: shoot its (stable) container.
    shot = tmp_path / "offline.png"
    page.locator("#tc-offline-symbol").screenshot(path=shot)
    decoded = zxingcpp.read_barcodes(Image.open(shot))
    assert decoded, "the offline QR is readable"
    shown = decoded[0].text
    assert shown.startswith("TC1:") and shown != online_text
    verdict = code_verify(qr=shown, online=False)
    assert verdict.ok, verdict.reason
    assert verdict.tier == "C" and verdict.subject == code_verify(qr=online_text, consume=False).subject


def test_the_offline_counter_refuses_a_wrapper_without_iat_or_living_too_long(
    context: BrowserContext, counter: User, talent: Person, code_text: str
) -> None:
    """tccode.js bounds a holder's wrapper as the server does: iat and exp required, exp - iat at
    most the online code's lifetime (here 900 s, see code_text) plus the leeway."""
    device = ec.generate_private_key(ec.SECP256R1())
    credential = services.code_issue(
        person=talent, holder_key=codec.cose_key_from_public(device.public_key())
    )
    inner = codec.decompress(codec.b45decode(codec.unprefix(credential.qr, verifier.PREFIX)))

    def wrapped(**times: int) -> str:
        claims = {{"iat": codec.CLAIM_IAT, "exp": codec.CLAIM_EXP}[k]: v for k, v in times.items()}
        payload = {codec.CLAIM_CTI: os.urandom(16), verifier.CLAIM_PRESENTED: inner, **claims}
        return codec.encode(verifier.PREFIX, codec.sign1_create(cbor2.dumps(payload), device))

    page = context.new_page()
    errors = open_scanner(page, counter)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.reload()
    expect(page.locator("#tc-net")).to_have_attribute("data-online", "0")
    expect(page.locator("#tc-scan")).to_have_attribute("data-started", "1")
    verdict = page.locator("#tc-verdict")
    expect(verdict).to_have_attribute("data-state", "verified")  # the camera's online code, first

    now = int(time.time())
    with translation.override("zh-hans"):
        messages = {reason: str(REASONS[reason]) for reason in ("lifetime_missing", "lifetime_too_long")}
    for shown, reason in [
        (wrapped(exp=now + 60), "lifetime_missing"),
        (wrapped(iat=now), "lifetime_missing"),
        (wrapped(iat=now, exp=now + 20 * 3600), "lifetime_too_long"),
    ]:
        paste(page, shown)
        expect(verdict).to_have_attribute("data-reason", reason)
        expect(verdict).to_have_attribute("data-state", "refused")
        expect(verdict).to_have_text(messages[reason])
        expect(page.locator("#tc-redeem")).to_be_disabled()
    # The device's honest wrapper still passes on the device.
    paste(page, wrapped(iat=now, exp=now + 60))
    expect(verdict).to_have_attribute("data-state", "verified")
    expect(page.locator("#tc-redeem")).to_be_enabled()
    assert errors == []
