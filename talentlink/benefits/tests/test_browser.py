"""In a real browser: Ningbo's talent office adds a benefit for Zhoushan talents, decides an
offline conflict, and downloads the month's settlement statement; Zhoushan's office reads the
entry but cannot edit it.

Playwright drives Debian's chromium against pytest-django's live server (launch flags as in the
registry's browser test). The talent-code verifier is the fake of this app's conftest.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from conftest import log_in
from talentlink.benefits import services
from talentlink.benefits.models import Benefit, Redemption
from talentlink.benefits.services import Scan
from talentlink.benefits.tests.conftest import at
from talentlink.core.audit import Access
from talentlink.core.models import User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_catalogues"),
]


def offline_uses(user: User, qr_of, person) -> None:
    """Two offline scans the same day at the gate: the second breaks the daily limit."""
    scans = [Scan(client_id=uuid.uuid4(), qr=qr_of(person), benefit_code="nb-tianyige-free",
                  scanned_at=at("2026-04-10", hour), offline=True) for hour in (9, 15)]  # fmt: skip
    services.redemptions_sync(access=Access(user=user, channel="api"), scans=scans)


def test_ningbo_staff_add_a_benefit_decide_a_conflict_and_download_the_statement(
    page: Page, nb_office, zs_office, tianyige_free, gate_user, ouyang, codes, tmp_path: Path
) -> None:
    offline_uses(gate_user, codes.issue, ouyang)
    log_in(page, nb_office)
    expect(page.locator("#benefits-desk")).to_contain_text("1")

    # The catalogue lists the entry; adding one for Zhoushan talents of tier B or a senior title.
    follow_menu(page, "/benefits/")
    expect(page.locator("#catalogue-table")).to_contain_text("nb-tianyige-free")
    page.click("a[href='/benefits/new/']")
    page.select_option("select[name=provider]", label="天一阁博物院")
    page.fill("input[name=code]", "nb-tianyige-night")
    page.fill("input[name=name]", "天一阁夜游半价")
    page.select_option("select[name=grant]", "discount")
    page.fill("input[name=discount_percent]", "50")
    page.fill("input[name=list_price]", "60")
    page.get_by_label("舟山市").check()
    page.get_by_label("舟B 国家级领军人才").check()
    page.get_by_label("职称：正高级").check()
    page.fill("input[name=per_year]", "2")
    page.click("#benefit-form button[type=submit]")
    page.screenshot(path="/tmp/benefits-form.png", full_page=True)
    expect(page).to_have_url(re.compile(r"/benefits/$"))
    expect(page.locator(".messages")).to_contain_text("nb-tianyige-night")
    # Typing narrows the list in place (htmx).
    page.fill("input[name=q]", "夜游")
    expect(page.locator("#catalogue-table")).not_to_contain_text("nb-tianyige-free")
    expect(page.locator("#catalogue-table")).to_contain_text("减免 50% · 每年 2 次")
    night = Benefit.objects.get(code="nb-tianyige-night")
    assert [t.code for t in night.tiers.all()] == ["B"] and night.credential_levels == ["title_senior"]

    # The offline scan over the daily limit waits for a decision, holder masked.
    follow_menu(page, "/benefits/conflicts/")
    row = page.locator("#conflicts tr[data-id]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("欧阳*")
    expect(row).to_contain_text("今日使用该待遇的次数已满")
    row.locator("select[name=honour]").select_option("honour")
    row.locator("input[name=note]").fill("游客已入园，按两次计")
    row.locator("button[type=submit]").click()
    expect(page.locator("#conflicts")).to_contain_text("没有待处理的冲突")
    assert list(Redemption.objects.values_list("status", flat=True)) == ["recorded", "recorded"]
    page.screenshot(path="/tmp/benefits-conflicts.png", full_page=True)

    # April's statement: two uses by a Zhoushan talent at a Ningbo provider, 60 yuan.
    page.goto("/benefits/settlement/?month=2026-04")
    expect(page.locator("#ledger")).to_contain_text("跨市")
    with page.expect_download() as download_info:
        page.click("#statement-xlsx")
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    rows = list(load_workbook(target, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[1] == (
        "2026-04",
        "宁波市",
        "天一阁博物院",
        "nb-tianyige-free",
        "天一阁免费参观",
        "舟山市",
        2,
        60,
        None,
    )
    # April has ended: Ningbo's office closes it, and its statement no longer changes.
    page.click("#close-month button")
    expect(page.locator("#month-status")).to_contain_text("已结账")
    expect(page.locator("#close-month")).to_have_count(0)
    page.goto("/benefits/statistics/")
    expect(page.locator("#charts svg")).to_have_count(3)
    page.screenshot(path="/tmp/benefits-statistics.png", full_page=True)

    # Zhoushan's office reads the Ningbo entry but is offered no edit, and is refused one.
    log_in(page, zs_office)
    page.goto("/benefits/?q=夜游")
    expect(page.locator("#catalogue-table")).to_contain_text("nb-tianyige-night")
    expect(page.locator("#catalogue-table a[href$='/edit/']")).to_have_count(0)
    response = page.goto("/benefits/catalogue/nb-tianyige-night/edit/")
    assert response is not None and response.status == 403


def follow_menu(page: Page, href: str) -> None:
    """Open the drop-down that holds a menu entry (an app with several entries has one), then follow it."""
    menu = page.locator(f"header nav details:has(a[href='{href}'])")
    if menu.count():
        menu.locator("summary").click()
    page.click(f"header nav a[href='{href}']")
