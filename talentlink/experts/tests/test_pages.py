"""The pages: who sees what, query counts on lists, imports with their error report, the desk."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from conftest import make_user
from talentlink.core.models import AuditEvent, Role
from talentlink.core.tabular import ERROR_REPORT_HEADERS
from talentlink.experts import review
from talentlink.experts.tests.conftest import TOMORROW, access_of, id_number


@pytest.fixture
def experts(make_expert, ningbo, zhoushan):
    return [
        make_expert(f"{'甬舟'[i % 2]}专家{i}", [ningbo, zhoushan][i % 2], ("绿色石化",), keywords="催化",
                    title="正高级工程师")
        for i in range(12)
    ]  # fmt: skip


def test_the_search_page_lists_experts_of_both_cities_in_a_fixed_number_of_queries(
    client_of, nb_office, experts
) -> None:
    client = client_of(nb_office)
    client.get("/experts/")  # warm the session and the menu's caches
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/experts/", {"q": "催化"})
    assert page.status_code == 200
    assert "甬专家0" in page.content.decode() and "舟专家1" in page.content.decode()
    assert len(queries) <= 16, len(queries)
    assert AuditEvent.objects.filter(object_type="experts.expert", action="read").exists()


def test_htmx_search_returns_only_the_results(client_of, nb_office, experts) -> None:
    page = client_of(nb_office).get("/experts/", {"q": "催化"}, headers={"HX-Request": "true"})
    assert b"<html" not in page.content and b"expert-results" in page.content


def test_a_talent_is_refused_the_search_page(client_of, experts) -> None:
    talent = make_user("13800000009", Role.TALENT)
    assert client_of(talent).get("/experts/").status_code == 403


def test_the_menu_and_desk_show_an_expert_their_invitations(
    client_of, make_expert, ningbo, nb_organiser
) -> None:
    account = make_user("13800000008", Role.TALENT)
    make_expert("张伟", ningbo, ("绿色石化",), account=account)
    page = client_of(account).get("/dashboard/")
    assert "/experts/me/" in page.content.decode() and 'id="experts-desk"' in page.content.decode()
    organiser_page = client_of(nb_organiser).get("/dashboard/").content.decode()
    assert "/experts/rounds/" in organiser_page


def test_an_export_with_errors_is_rejected_on_the_page_with_a_bilingual_report(
    client_of, nb_office, make_person, ningbo, seeded
) -> None:
    make_person("张伟", ningbo, id_number=id_number(ningbo, 1))
    content = (
        "专家编号,姓名,公民身份号码,专业领域\n"
        f"E1,张伟,{id_number(ningbo, 1)},绿色石化\nE2,李四,{id_number(ningbo, 9)},深海\n"
    )
    upload = io.BytesIO(content.encode("utf-8-sig"))
    upload.name = "experts.csv"
    client = client_of(nb_office)
    answer = client.post("/experts/imports/", {"region": ningbo.pk, "file": upload})
    assert answer.status_code == 302
    detail = client.get(answer["Location"]).content.decode()
    assert "rejected" in detail and "深海" in detail
    sheet = load_workbook(io.BytesIO(client.get(answer["Location"] + "errors.xlsx").getvalue())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ERROR_REPORT_HEADERS and [r[3] for r in rows[1:]] == [
        "expert.unknown_person",
        "unknown_code",
    ]


def test_committee_and_studio_pages_link_the_plans_targets(client_of, observer, seeded) -> None:
    client = client_of(observer)
    for url, anchor in (
        ("/experts/committees/", "joint-expert-committees"),
        ("/experts/studios/", "leader-studios"),
    ):
        page = client.get(url)
        assert page.status_code == 200 and f'href="/targets/#indicator-{anchor}"' in page.content.decode()
        assert f'id="indicator-{anchor}"' in client.get("/targets/").content.decode()
    assert "<form" not in client.get("/experts/committees/").content.decode().split("</header>")[1]


def test_the_round_page_proposes_panels_with_htmx(client_of, nb_organiser, experts, ningbo, field_of) -> None:
    access = access_of(nb_organiser)
    rnd = review.round_create(
        access=access, name="页面评审", deadline=TOMORROW, experts_per_project=3, max_load=2
    )
    for i in range(3):
        review.project_add(access=access, review_round=rnd, title=f"项目{i}", applicant_organisation="x",
                           region=ningbo, fields=[field_of("绿色石化")])  # fmt: skip
    client = client_of(nb_organiser)
    answer = client.post(f"/experts/rounds/{rnd.pk}/propose/", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and answer.content.count(b'class="seat proposed"') == 9
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/experts/rounds/{rnd.pk}/")
    assert len(queries) <= 25, len(queries)


def test_an_expert_accepts_in_place_and_then_reviews_on_their_page(
    client_of, nb_organiser, make_expert, ningbo, zhoushan, field_of
) -> None:
    accounts = [make_user(f"1380000012{i}", Role.TALENT) for i in range(2)]
    for account, city in zip(accounts, (ningbo, zhoushan), strict=True):
        make_expert(account.username, city, ("绿色石化",), account=account)
    access = access_of(nb_organiser)
    rnd = review.round_create(
        access=access, name="复核", deadline=TOMORROW, experts_per_project=2, max_load=1
    )
    review.project_add(access=access, review_round=rnd, title="项目", applicant_organisation="x", region=ningbo,
                       fields=[field_of("绿色石化")])  # fmt: skip
    review.panel_propose(access=access, review_round=rnd)
    review.panel_invite(access=access, review_round=rnd)
    client = client_of(accounts[0])
    seat = rnd.assignments.get(expert__person__account=accounts[0])
    answer = client.post(
        f"/experts/seats/{seat.pk}/respond/", {"accept": "1"}, headers={"HX-Request": "true"}
    )
    assert b"status accepted" in answer.content and f'id="score-{seat.pk}"'.encode() in answer.content
    client.post(f"/experts/seats/{seat.pk}/review/", {"score": "88", "comment": "方案可行"})
    seat.refresh_from_db()
    assert (seat.review_score, seat.review_comment) == (88, "方案可行")
    assert "方案可行" in client.get("/experts/me/").content.decode()
