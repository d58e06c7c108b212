"""In a real browser: a talent's certificate missing from the registry goes through submission,
review by Zhoushan's HR bureau and approval; another is recognised automatically at once.

Playwright drives Debian's chromium (never a downloaded browser) against pytest-django's live
server, as in ``talentlink/registry/tests/test_browser.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from talentlink.core.models import User
from talentlink.credentials.models import Application
from talentlink.credentials.selectors import person_credential_levels
from talentlink.credentials.tests.conftest import ISSUED, ZHANG, ZHANG_ID, pdf_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_catalogues"),
]

SCREENSHOTS = Path("/tmp")


def apply(page: Page, *, number: str, kind: str, authority: str, scan: Path | None = None) -> None:
    page.goto("/credentials/")
    page.click("#apply")
    page.select_option("select[name=kind]", value=kind)
    page.fill("input[name=certificate_number]", number)
    page.fill("input[name=holder_name]", ZHANG)
    page.fill("input[name=id_number]", ZHANG_ID)
    page.fill("input[name=issued_on]", ISSUED.isoformat())
    page.select_option("select[name=authority]", value=authority)
    page.select_option("select[name=target_region]", label="舟山市")
    if scan:
        page.set_input_files("input[name=scan]", scan)
    page.click("#application-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/credentials/applications/\d+/$"))


def test_one_certificate_is_reviewed_and_approved_and_another_recognised_at_once(
    page: Page, talent: User, zs_hr: User, in_registry, tmp_path: Path
) -> None:
    scan = tmp_path / "工程师证书.pdf"
    scan.write_bytes(pdf_bytes())

    # Not in the registry: the application goes to Zhoushan's HR bureau with a deadline.
    log_in(page, talent)
    apply(page, number="NB-2018-0042", kind="eng-engineer", authority="nb-hrss", scan=scan)
    expect(page.locator("#application-status")).to_have_class(re.compile(r"\bstatus review\b"))
    expect(page.locator("#evidence")).to_contain_text("证书库")
    reviewed = Application.objects.get(certificate_number="NB-2018-0042")

    # The reviewer finds it in the queue, opens the scan and the evidence, and approves it.
    log_in(page, zs_hr)
    expect(page.locator("#credentials-desk")).to_contain_text("1")
    page.goto("/credentials/review/")
    page.locator("#queue").get_by_role("link", name="NB-2018-0042").click()
    expect(page.locator("h1")).to_contain_text(f"#{reviewed.pk}")
    scan_response = page.request.get(f"/credentials/applications/{reviewed.pk}/scan/")
    assert scan_response.ok and scan_response.body().startswith(b"%PDF")
    page.check("input[name=decision][value=approve]")
    page.click("#decision-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/credentials/review/$"))
    expect(page.locator("#queue")).not_to_contain_text("NB-2018-0042")
    page.screenshot(path=SCREENSHOTS / "credentials-review.png", full_page=True)

    # In the registry and consistent: recognised at once, in both cities.
    in_registry()
    log_in(page, talent)
    apply(page, number="ZJ2021JS000123", kind="skill-2", authority="zj-skills")
    expect(page.locator("#application-status")).to_have_class(re.compile(r"\bstatus recognised\b"))
    page.goto("/credentials/")
    recognitions = page.locator("#recognitions")
    expect(recognitions).to_contain_text("NB-2018-0042")
    expect(recognitions).to_contain_text("ZJ2021JS000123")
    expect(recognitions).to_contain_text("宁波市")
    page.goto("/credentials/notifications/")
    expect(page.locator("main .card")).to_have_count(3)  # with the HR bureau, approved, recognised at once
    page.screenshot(path=SCREENSHOTS / "credentials-recognised.png", full_page=True)

    reviewed.refresh_from_db()
    assert (reviewed.status, reviewed.route, reviewed.decided_by) == ("recognised", "reviewed", zs_hr)
    levels = person_credential_levels(person_id=reviewed.person_id, purpose="schooling")
    assert levels == {"title_intermediate", "skill_2"}

    # Anyone can verify it, in English too, without logging in.
    page.context.clear_cookies()
    page.goto("/credentials/verify/")
    page.fill("input[name=certificate_number]", "ZJ2021JS000123")
    page.fill("input[name=holder_name]", ZHANG)
    page.click("#verify-form button[type=submit]")
    expect(page.locator("#verify-results")).to_contain_text("舟山市")
    with page.expect_navigation():
        page.click("header form.lang button[name=language][value=en]")
    expect(page.locator("#verify-results")).to_contain_text("Zhoushan")
    expect(page.locator("#verify-results")).not_to_contain_text(ZHANG_ID[-4:])
