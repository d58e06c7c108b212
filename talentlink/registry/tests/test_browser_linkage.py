"""In a real browser: Ningbo's talent office works through the clerical review queue by keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from talentlink.core.models import User
from talentlink.registry.models import MatchDecision, Person, ReviewPair, SourceRecord
from talentlink.registry.tests.test_browser import _seeded_catalogues  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue(linked) -> list[ReviewPair]:
    a, b, c = Person.objects.filter(status="active", home_region__code="330200").order_by("pk")[4:7]
    make = [(a, b, 3.0), (a, c, 1.0)]
    return [
        ReviewPair.objects.create(
            record_a=x.source_records.all()[0],
            record_b=y.source_records.all()[0],
            match_weight=w,
            match_probability=0.9,
            comparison={"name": {"level": "same_pinyin", "weight": 6.0}},
        )
        for x, y, w in make
    ]


def test_staff_accept_one_pair_and_reject_the_next_with_the_keyboard(
    page: Page,
    nb_office: User,
    queue: list[ReviewPair],
) -> None:
    first, second = queue
    log_in(page, nb_office)
    page.goto("/registry/linkage/")
    expect(page.locator("#review-count")).to_contain_text("2")
    page.click("a[href='/registry/linkage/review/']")
    expect(page).to_have_url(re.compile(rf"/registry/linkage/review/{first.pk}/$"))
    expect(page.locator("#review-pair tr.agree[data-field=name]")).to_be_visible()
    page.screenshot(path="/tmp/browser-linkage-review.png", full_page=True)

    page.keyboard.press("a")  # accept: same person
    expect(page).to_have_url(re.compile(rf"/registry/linkage/review/{second.pk}/$"))
    page.keyboard.press("r")  # reject: different persons
    expect(page.locator("#queue-empty")).to_be_visible()

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.decision is not None and second.decision is not None
    assert (first.decision.verdict, second.decision.verdict) == ("match", "non_match")
    assert first.decision.decided_by == nb_office
    a = SourceRecord.objects.get(pk=first.record_a_id)
    assert SourceRecord.objects.get(pk=first.record_b_id).person_id == a.person_id
    assert MatchDecision.objects.filter(origin="review").count() == 2
