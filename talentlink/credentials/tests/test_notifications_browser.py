"""In a real browser: the same notification reads in Chinese, then in English once the reader
switches language; "mark all read" clears the unread marks."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from talentlink.core.models import User
from talentlink.credentials import services
from talentlink.credentials.models import Application, Notification

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_catalogues"),
]


def test_a_reader_switching_to_english_reads_the_same_notification_in_english_and_marks_all_read(
    page: Page, talent: User
) -> None:
    params = {
        "kind": "工程师", "kind_en": "Engineer", "number": "NB-2018-0042", "city": "舟山市",
        "city_en": "Zhoushan", "note": "", "due": "2026-12-31", "reasons": [],
    }  # fmt: skip
    services.notify(user=talent, notice=services.NOTICES[Application.Status.REVIEW], params=params)
    services.notify(user=talent, notice=services.NOTICES[Application.Status.RECOGNISED], params=params)
    log_in(page, talent)
    page.goto("/credentials/notifications/")
    expect(page.locator("main")).to_contain_text("工程师 NB-2018-0042")
    expect(page.locator("main")).not_to_contain_text("Your application is with the HR bureau")
    page.locator("form.lang button[value=en]").click()
    expect(page.locator("main")).to_contain_text("Your application is with the HR bureau")
    expect(page.locator("main")).to_contain_text("Engineer NB-2018-0042 is not in the certificate registry")
    expect(page.locator("main")).to_contain_text("the HR bureau of Zhoushan reviews it by 2026-12-31")
    expect(page.locator(".card.unread")).to_have_count(2)
    page.get_by_role("button", name="Mark all 2 unread messages read").click()
    expect(page.locator(".card.unread")).to_have_count(0)
    assert not Notification.objects.filter(user=talent, read_at__isnull=True).exists()
