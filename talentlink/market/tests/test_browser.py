"""In a real browser, the market's loop (发布-推送-匹配-反馈): an employer publishes a job through
the form, the matching talent finds it in the inbox and in an e-mail a real SMTP server received,
applies, the employer takes the application to a hire, and the office's funnel counts each step.

Playwright drives Debian's chromium (never a downloaded browser) against pytest-django's live
server, as in ``talentlink/credentials/tests/test_browser.py``.
"""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import log_in
from talentlink.core.models import Region, User
from talentlink.experts.models import Field
from talentlink.market.models import Application, Job, Profile
from talentlink.registry.models import Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_catalogues"),
]

SCREENSHOTS = Path("/tmp")


def resume(talent: User, ningbo: Region) -> Profile:
    """The talent's résumé: a petrochemical equipment technician in Ningbo."""
    profile = Profile.objects.create(
        person=Person.objects.get(account=talent), headline="石化设备技师",
        summary="十年石化装置设备维护与检修经验，熟悉催化裂化装置。", education="associate",
        experience_years=10, skills=["设备维护", "检修", "焊接"], desired_salary=10000,
    )  # fmt: skip
    profile.desired_regions.set([ningbo])
    profile.desired_fields.set([Field.objects.get(code="green-petrochemical")])
    return profile


def mails_to(sink, address: str) -> list[tuple[str, str]]:
    out = []
    for _sender, recipients, raw in sink.messages:
        if address in recipients:
            message = email.message_from_bytes(raw, policy=policy.default)
            plain = message.get_body(("plain",))
            assert plain is not None
            out.append((str(message["Subject"]), plain.get_content()))
    return out


def test_a_published_job_reaches_the_talent_who_applies_and_is_hired_and_the_funnel_counts_it(
    page: Page, employer: User, talent: User, nb_office: User, ningbo: Region, smtp_sink
) -> None:
    resume(talent, ningbo)

    # The employer drafts the job through the form and publishes it.
    log_in(page, employer)
    page.goto("/market/jobs/mine/")
    page.click("#new-job")
    form = page.locator("#job-form")
    form.locator("input[name=title]").fill("设备工程师")
    form.locator("textarea[name=description]").fill("负责石化装置的设备维护与检修，熟悉催化裂化装置。")
    form.locator("select[name=field]").select_option(label="绿色石化")
    form.locator("select[name=region]").select_option(label="宁波市")
    form.locator("select[name=district]").select_option(label="镇海区")
    form.locator("select[name=education]").select_option(value="associate")
    form.locator("input[name=skills]").fill("设备维护，检修、PLC")
    form.locator("input[name=experience_years]").fill("3")
    form.locator("input[name=salary_min]").fill("9000")
    form.locator("input[name=salary_max]").fill("14000")
    form.locator("input[name=headcount]").fill("2")
    valid_until = timezone.localdate() + dt.timedelta(days=60)
    form.locator("input[name=valid_until]").fill(valid_until.isoformat())
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/market/jobs/\d+/$"))
    expect(page.locator("#job-status")).to_have_class(re.compile(r"\bpending\b"))  # a draft
    job = Job.objects.get()
    with page.expect_navigation():
        page.click("#publish")
    expect(page.locator("#job-status")).to_have_class(re.compile(r"\bsucceeded\b"))
    expect(page.locator("main")).to_contain_text("设备工程技术人员")  # the CSCO occupation of its title

    # Pushed: the talent's e-mail (a real SMTP exchange) and inbox, in Chinese, with the job's link.
    subject, body = mails_to(smtp_sink, "zw@example.cn")[-1]
    assert subject == "为您推荐岗位：设备工程师" and f"/market/jobs/{job.pk}/" in body
    log_in(page, talent)
    page.goto("/credentials/notifications/")
    suggestion = page.locator("main .card", has_text="为您推荐岗位：设备工程师")
    expect(suggestion).to_have_count(1)
    with page.expect_navigation():
        suggestion.get_by_role("button").click()
    expect(page).to_have_url(re.compile(rf"/market/jobs/{job.pk}/$"))
    expect(page.locator("h1")).to_have_text("设备工程师")

    # The talent applies with the résumé.
    page.fill("#apply-note", "可随时到岗")
    with page.expect_navigation():
        page.locator("#apply button[type=submit]").click()
    expect(page.locator("#apply")).to_contain_text("已申请")
    application = Application.objects.get()

    # The employer takes the application step by step to a hire.
    log_in(page, employer)
    page.goto(f"/market/jobs/{job.pk}/")
    page.click("#applications")
    row = page.locator(f"#application-{application.pk}")
    expect(row).to_contain_text("张伟")
    expect(row).to_contain_text("可随时到岗")
    for step in ("interview", "interviewed", "offered", "hired"):
        row.locator("select[name=status]").select_option(value=step)
        with page.expect_navigation():
            row.locator("button[type=submit]").click()
    expect(row).to_contain_text("已录用")
    expect(row.locator("select[name=status]")).to_have_count(0)  # nothing further
    page.screenshot(path=SCREENSHOTS / "market-applications.png", full_page=True)

    # The talent sees it among their applications.
    log_in(page, talent)
    page.goto("/market/applications/")
    expect(page.locator("#applications-mine")).to_contain_text("已录用")
    page.goto("/credentials/notifications/")
    expect(page.locator("main .card", has_text="已录用")).to_have_count(1)

    # The city's talent office reads the funnel: suggested, viewed, applied, hired.
    log_in(page, nb_office)
    page.goto("/market/funnel/")
    funnel_row = page.locator("#funnel tr", has_text="宁波市")
    expect(funnel_row).to_contain_text("绿色石化")
    expect(funnel_row.locator("td.figure")).to_have_text(["1", "1", "1", "1"])
    page.screenshot(path=SCREENSHOTS / "market-funnel.png", full_page=True)

    # And the year's market report counts the hire.
    page.goto(f"/market/report/{timezone.localdate().year}/")
    expect(page.locator("#report-summary")).to_contain_text("共录用人才 1 人")
    page.screenshot(path=SCREENSHOTS / "market-report.png", full_page=True)
