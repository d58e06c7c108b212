"""The JSON API: search, profiles, committees, rounds from proposal to re-fill, permissions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from conftest import make_user
from talentlink.core.models import Role
from talentlink.experts.models import Assignment, Expert
from talentlink.experts.tests.conftest import TOMORROW, account_of


@pytest.fixture
def experts(make_expert, ningbo, zhoushan):
    made = []
    for i in range(4):
        made.append(make_expert(f"甬专家{i}", ningbo, ("绿色石化",), keywords="催化 炼油", title="高级工程师",
                                account=make_user(f"1380000010{i}", Role.TALENT)))  # fmt: skip
        made.append(make_expert(f"舟专家{i}", zhoushan, ("绿色石化", "海洋生物"), keywords="海洋 石化",
                                account=make_user(f"1390000010{i}", Role.TALENT)))  # fmt: skip
    return made


def test_search_answers_in_few_queries_whatever_the_number_of_results(client_of, nb_office, experts) -> None:
    client = client_of(nb_office)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/experts/experts", {"q": "石化", "limit": 50})
    assert answer.status_code == 200
    assert {e["region"] for e in answer.json()} == {"330200", "330900"}
    assert len(queries) <= 8, [q["sql"] for q in queries]


def test_search_filters_by_field_and_city(client_of, nb_office, experts) -> None:
    answer = client_of(nb_office).get("/api/experts/experts", {"field": "marine-biology", "region": "330900"})
    assert sorted(e["name"] for e in answer.json()) == [f"舟专家{i}" for i in range(4)]


def test_a_talent_cannot_search_the_pool(client_of, experts) -> None:
    answer = client_of(experts[0].person.account).get("/api/experts/experts", {"q": "石化"})
    assert answer.status_code == 403 and answer.json()["code"] == "invalid"


def test_an_expert_reads_and_updates_their_profile(client_of, experts) -> None:
    client = client_of(experts[0].person.account)
    answer = client.patch("/api/experts/me", {"keywords": "加氢裂化", "fields": ["new-materials"]},
                          content_type="application/json")  # fmt: skip
    assert answer.status_code == 200, answer.json()
    assert answer.json()["keywords"] == "加氢裂化" and answer.json()["fields"] == ["new-materials"]
    assert "*" in answer.json()["id_number"], "ID numbers are masked"
    refused = client.patch("/api/experts/me", {"title": "教授"}, content_type="application/json")
    assert refused.status_code == 403


def test_committees_are_created_and_staffed_across_cities(client_of, nb_office, experts) -> None:
    client = client_of(nb_office)
    created = client.post("/api/experts/committees", {"name": "石化委员会", "field": "green-petrochemical",
                                                      "established_on": "2021-01-01"}, content_type="application/json")  # fmt: skip
    assert created.status_code == 201
    url = f"/api/experts/committees/{created.json()['id']}/members"
    client.post(url, {"expert_id": experts[0].pk, "role": "chair"}, content_type="application/json")
    answer = client.post(url, {"expert_id": experts[1].pk}, content_type="application/json")
    assert answer.json()["joint"] is True and len(answer.json()["members"]) == 2
    targets = {t["code"]: t for t in client.get("/api/indicators/targets").json()}
    committees = targets["joint-expert-committees"]
    assert committees["actual"] == 1 and [(t["year"], t["value"]) for t in committees["targets"]] == [
        (2020, 2),
        (2022, 3),
        (2025, 5),
    ]


def test_a_round_goes_from_proposal_to_refill_through_the_api(client_of, nb_organiser, experts) -> None:
    organiser = client_of(nb_organiser)
    rnd = organiser.post("/api/experts/rounds", {"name": "API 评审", "deadline": TOMORROW.isoformat(),
                                                 "experts_per_project": 2, "max_load": 1, "min_other_city": 1},
                         content_type="application/json").json()  # fmt: skip
    for i, city in enumerate(["330200", "330900", "330200"]):
        organiser.post(f"/api/experts/rounds/{rnd['id']}/projects",
                       {"title": f"项目{i}", "applicant_organisation": f"单位{i}", "region": city,
                        "fields": ["green-petrochemical"], "summary": "炼油 催化"}, content_type="application/json")  # fmt: skip
    proposed = organiser.post(f"/api/experts/rounds/{rnd['id']}/propose").json()
    assert proposed["counts"]["proposed"] == 6 and proposed["status"] == "proposed"
    organiser.post(f"/api/experts/rounds/{rnd['id']}/invite")
    seat = Assignment.objects.filter(round_id=rnd["id"]).select_related("expert__person__account").first()
    assert seat is not None
    expert = client_of(account_of(seat.expert))
    [invitation] = expert.get("/api/experts/invitations").json()
    declined = expert.post(f"/api/experts/invitations/{invitation['id']}/respond", {"accept": False, "reason": "回避"},
                           content_type="application/json")  # fmt: skip
    assert declined.json()["status"] == "declined"
    refilled = organiser.post(f"/api/experts/rounds/{rnd['id']}/refill").json()
    assert refilled["counts"] == {"proposed": 0, "invited": 6, "accepted": 0, "declined": 1}
    sheet = load_workbook(
        io.BytesIO(organiser.get(f"/api/experts/rounds/{rnd['id']}/panels.xlsx").getvalue())
    )
    assert sheet.worksheets[0].max_row == 1 + 7


def test_an_infeasible_round_is_explained_with_the_project_named(client_of, nb_organiser, experts) -> None:
    organiser = client_of(nb_organiser)
    rnd = organiser.post("/api/experts/rounds", {"name": "太大", "deadline": TOMORROW.isoformat(),
                                                 "experts_per_project": 5, "max_load": 1, "min_other_city": 5},
                         content_type="application/json").json()  # fmt: skip
    organiser.post(f"/api/experts/rounds/{rnd['id']}/projects", {"title": "深海项目", "applicant_organisation": "x",
                                                                 "region": "330900"}, content_type="application/json")  # fmt: skip
    answer = organiser.post(f"/api/experts/rounds/{rnd['id']}/propose")
    assert answer.status_code == 400 and answer.json()["code"] == "infeasible"
    assert "深海项目" in answer.json()["message"]


def test_another_citys_organiser_cannot_touch_the_round(
    client_of, nb_organiser, zs_organiser, experts
) -> None:
    rnd = client_of(nb_organiser).post("/api/experts/rounds", {"name": "x", "deadline": TOMORROW.isoformat()},
                                       content_type="application/json").json()  # fmt: skip
    assert client_of(zs_organiser).post(f"/api/experts/rounds/{rnd['id']}/propose").status_code == 404


def test_workloads_count_seats_across_rounds(client_of, nb_office, experts) -> None:
    expert = Expert.objects.first()
    assert expert is not None
    assert client_of(nb_office).get("/api/experts/workloads").json() == []
    assert client_of(account_of(expert)).get("/api/experts/workloads").status_code == 403
    assert dt.date.today() < TOMORROW


def test_a_recorded_coauthorship_keeps_the_expert_off_the_applicants_project(
    client_of, nb_organiser, experts, make_person, ningbo
) -> None:
    from talentlink.experts.tests.conftest import id_number

    applicant = make_person("马申报", ningbo, id_number=id_number(ningbo, 500))
    coauthor = experts[1]  # a Zhoushan expert, whom the city mix would otherwise favour
    recorded = client_of(coauthor.person.account).post(
        "/api/experts/me/relations",
        {
            "name": "马申报",
            "id_number": id_number(ningbo, 500),
            "kind": "co_author",
            "year": dt.date.today().year,
        },
        content_type="application/json",
    )
    assert recorded.status_code == 201 and recorded.json()["person"] == "马申报"
    wrong = client_of(coauthor.person.account).post(
        "/api/experts/me/relations", {"name": "别人", "id_number": id_number(ningbo, 500), "kind": "relative"},
        content_type="application/json",
    )  # fmt: skip
    assert wrong.status_code == 400 and wrong.json()["code"] == "unknown_person"
    organiser = client_of(nb_organiser)
    rnd = organiser.post("/api/experts/rounds", {"name": "回避", "deadline": TOMORROW.isoformat(),
                                                 "experts_per_project": 7, "max_load": 1, "min_other_city": 3},
                         content_type="application/json").json()  # fmt: skip
    organiser.post(f"/api/experts/rounds/{rnd['id']}/projects",
                   {"title": "申报项目", "applicant_organisation": "某单位", "region": "330200",
                    "applicant_name": "马申报", "applicant_id_number": id_number(ningbo, 500),
                    "fields": ["green-petrochemical"]}, content_type="application/json")  # fmt: skip
    panel = organiser.post(f"/api/experts/rounds/{rnd['id']}/propose").json()["projects"][0]["seats"]
    assert len(panel) == 7 and coauthor.pk not in {s["expert_id"] for s in panel}
    assert applicant.pk
