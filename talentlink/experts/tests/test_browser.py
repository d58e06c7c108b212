"""In a real browser: an organiser proposes panels, invites, an expert declines, the place is re-filled.

Playwright drives Debian's chromium against pytest-django's live server (the launch flags and
the live-server pattern are the registry's browser test's).
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from conftest import log_in, make_user
from talentlink.core.models import Role, User
from talentlink.experts.models import Assignment, ReviewRound
from talentlink.experts.tests.conftest import TOMORROW, account_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pool(seeded, make_expert, ningbo, zhoushan):
    """Four petrochemical experts per city, each with a talent account."""
    experts = []
    for city, prefix in ((ningbo, "甬"), (zhoushan, "舟")):
        for i in range(4):
            account = make_user(f"{prefix}{i}-expert", Role.TALENT, email=f"{prefix}{i}@example.cn")
            experts.append(make_expert(f"{prefix}专家{i}", city, ("绿色石化",), keywords="催化 炼油",
                                       title="正高级工程师" if i == 0 else "工程师", account=account))  # fmt: skip
    return experts


def open_round(page: Page) -> int:
    page.goto("/experts/rounds/")
    form = page.locator("#round-form")
    form.locator("input[name=name]").fill("甬舟石化科技项目评审")
    form.locator("input[name=deadline]").fill(TOMORROW.isoformat())
    form.locator("input[name=experts_per_project]").fill("3")
    form.locator("input[name=max_load]").fill("1")
    form.locator("input[name=min_other_city]").fill("1")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/experts/rounds/\d+/$"))
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def add_project(page: Page, title: str, city: str) -> None:
    form = page.locator("#project-form")
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=applicant_organisation]").fill(f"{title}申报单位")
    form.locator("select[name=region]").select_option(label=city)
    form.get_by_label("绿色石化").check()
    form.locator("textarea[name=summary]").fill("炼油装置催化剂节能改造")
    form.locator("button[type=submit]").click()
    expect(page.locator("#panels")).to_contain_text(title)


def panel_names(page: Page, status: str) -> list[str]:
    return page.locator(f"#panels tr.seat.{status}").evaluate_all("rows => rows.map(r => r.dataset.expert)")


def test_panels_are_proposed_invited_declined_and_refilled_through_the_pages(
    page: Page, pool, nb_organiser: User
) -> None:
    log_in(page, nb_organiser)
    round_id = open_round(page)
    add_project(page, "乙烯裂解节能", "宁波市")
    add_project(page, "绿色石化中试", "舟山市")

    page.click("#propose")  # htmx swaps the panels in place
    expect(page.locator("#round-status")).to_have_class(re.compile(r"\bproposed\b"))
    assert len(panel_names(page, "proposed")) == 6
    page.screenshot(path="/tmp/experts-proposed.png", full_page=True)

    page.click("#invite")
    expect(page.locator("#round-status")).to_have_class(re.compile(r"\binviting\b"))
    assert len(panel_names(page, "invited")) == 6
    assert len(mail.outbox) == 6

    # An invited expert declines with a reason on their own page.
    seat = Assignment.objects.filter(round_id=round_id).select_related("expert__person__account").first()
    assert seat is not None
    declining = account_of(seat.expert)
    log_in(page, declining)
    page.goto("/experts/me/")
    card = page.locator(f"#seat-{seat.pk}")
    card.locator("input[name=reason]").fill("与项目单位存在合作，申请回避")
    card.locator("button[value='0']").click()
    expect(page.locator(f"#seat-{seat.pk} .status")).to_have_class(re.compile(r"\bdeclined\b"))

    # The organiser sees the decline and re-fills the place.
    log_in(page, nb_organiser)
    page.goto(f"/experts/rounds/{round_id}/")
    declined_name = seat.expert.person.name
    assert panel_names(page, "declined") == [declined_name]
    expect(page.locator("#panels")).to_contain_text("与项目单位存在合作")
    page.click("#refill")
    expect(page.locator("#panels .messages")).to_be_visible()
    invited = panel_names(page, "invited")
    assert len(invited) == 6 and declined_name not in invited
    page.screenshot(path="/tmp/experts-refilled.png", full_page=True)

    held = Assignment.objects.filter(round_id=round_id, status=Assignment.Status.INVITED)
    assert held.filter(project_id=seat.project_id).count() == 3
    assert ReviewRound.objects.get(pk=round_id).status == ReviewRound.Status.INVITING
    with page.expect_download() as download:
        page.click("a[href$='panels.xlsx']")
    assert download.value.suggested_filename == f"review-round-{round_id}-panels.xlsx"
