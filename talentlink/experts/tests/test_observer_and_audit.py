"""Who sees which experts: the province observer counts, staff names (and every naming is audited);
a profile the caller may not read is answered as a missing one (issue 12, findings 1, 10, 11)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import make_user
from talentlink.core.models import AuditEvent, Organisation, Role
from talentlink.experts import review, selectors, services
from talentlink.experts.schemas import CommitteeOut, StudioOut
from talentlink.experts.tests.conftest import TOMORROW, access_of


@pytest.fixture
def committee(make_expert, ningbo, zhoushan, nb_office, field_of):
    access = access_of(nb_office)
    committee = services.committee_create(
        access=access, name="绿色石化产业联合专家委员会", field=field_of("绿色石化"),
        established_on=dt.date(2021, 3, 1),
    )  # fmt: skip
    for name, city in (("张委员", ningbo), ("王委员", zhoushan)):
        services.committee_member_add(access=access, committee=committee, expert=make_expert(name, city))
    return committee


@pytest.fixture
def studio(make_expert, ningbo, nb_office, field_of):
    host = Organisation.objects.create(name="宁波大学", credit_code="12330200419522990X", region=ningbo,
                                       kind=Organisation.Kind.UNIVERSITY, status=Organisation.Status.APPROVED)  # fmt: skip
    return services.studio_create(
        access=access_of(nb_office), name="新材料领军人才工作室", leader=make_expert("李领军", ningbo),
        host=host, established_on=dt.date(2021, 5, 1), fields=[field_of("新材料")],
    )  # fmt: skip


@pytest.fixture
def proposed_round(make_expert, ningbo, zhoushan, nb_organiser, field_of):
    for i in range(6):
        make_expert(f"评审专家{i}", [ningbo, zhoushan][i % 2], ("绿色石化",), keywords="催化")
    access = access_of(nb_organiser)
    rnd = review.round_create(access=access, name="石化评审", deadline=TOMORROW, experts_per_project=2,
                              max_load=2)  # fmt: skip
    review.project_add(access=access, review_round=rnd, title="催化改造", applicant_organisation="x",
                       region=ningbo, fields=[field_of("绿色石化")])  # fmt: skip
    review.panel_propose(access=access, review_round=rnd)
    return rnd


NAMES = ("张委员", "王委员", "李领军")


def test_the_province_observer_sees_committees_and_studios_as_counts_never_experts(
    committee, studio, observer, client_of
) -> None:
    client = client_of(observer)
    [row] = client.get("/api/experts/committees").json()
    assert (row["members"], row["member_count"], row["cities"], row["joint"]) == ([], 2, 2, True)
    [leader] = client.get("/api/experts/studios").json()
    assert (leader["leader"], leader["leader_id"], leader["leader_region"]) == (None, None, "330200")
    for url in ("/api/experts/committees", "/api/experts/studios", "/experts/committees/",
                "/experts/studios/", f"/experts/studios/{studio.pk}/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert not [name for name in NAMES if name in body], url
        assert f"/experts/{studio.leader_id}/" not in body, url
    assert client.get(f"/experts/committees/{committee.pk}/").status_code == 403
    assert not AuditEvent.objects.filter(actor=observer, action="read").exists(), "no person was shown"


def test_staff_see_the_names_the_observer_does_not(committee, studio, nb_office, client_of) -> None:
    client = client_of(nb_office)
    [row] = client.get("/api/experts/committees").json()
    assert sorted(m["name"] for m in row["members"]) == ["张委员", "王委员"]
    assert client.get("/api/experts/studios").json()[0]["leader"] == "李领军"
    assert "李领军" in client.get(f"/experts/studios/{studio.pk}/").content.decode()


def test_a_committee_or_studio_read_without_a_request_names_nobody(committee, studio) -> None:
    [row] = selectors.committees_overview()
    assert CommitteeOut.from_orm(row).members == [] and CommitteeOut.from_orm(row).member_count == 2
    leader = StudioOut.from_orm(selectors.studios_overview().get(pk=studio.pk))
    assert (leader.leader, leader.leader_id, leader.leader_region) == (None, None, "330200")


def _named(object_type: str, channel: str, object_id: object = "") -> list[int]:
    """The experts named by the one read event of this kind (there must be exactly one)."""
    [event] = AuditEvent.objects.filter(
        action="read", object_type=object_type, channel=channel, object_id=str(object_id)
    )
    return event.detail["experts"]


def test_committee_and_studio_pages_and_answers_that_name_experts_are_audited(
    committee, studio, nb_office, client_of
) -> None:
    client = client_of(nb_office)
    members = sorted(committee.memberships.values_list("expert_id", flat=True))
    assert client.get("/experts/committees/").status_code == 200
    assert _named("experts.committee", "page") == members
    client.get("/api/experts/committees")
    assert _named("experts.committee", "api") == members
    client.get(f"/experts/committees/{committee.pk}/")
    assert _named("experts.committee", "page", committee.pk) == members
    client.get("/experts/studios/")
    assert _named("experts.studio", "page") == [studio.leader_id]
    client.get("/api/experts/studios")
    assert _named("experts.studio", "api") == [studio.leader_id]
    client.get(f"/experts/studios/{studio.pk}/")
    assert _named("experts.studio", "page", studio.pk) == [studio.leader_id]


def test_reading_a_rounds_panels_and_the_workloads_is_audited(
    proposed_round, nb_organiser, client_of
) -> None:
    client = client_of(nb_organiser)
    seated = sorted(set(proposed_round.assignments.values_list("expert_id", flat=True)))
    assert len(seated) == 2
    assert client.get(f"/experts/rounds/{proposed_round.pk}/").status_code == 200
    assert _named("experts.reviewround", "page", proposed_round.pk) == seated
    assert client.get(f"/api/experts/rounds/{proposed_round.pk}").status_code == 200
    assert _named("experts.reviewround", "api", proposed_round.pk) == seated
    assert client.get("/experts/workloads/").status_code == 200
    assert _named("experts.expert", "page") == seated
    assert client.get("/api/experts/workloads").status_code == 200
    assert _named("experts.expert", "api") == seated


def test_a_profile_the_caller_may_not_read_is_answered_as_a_missing_one(
    make_expert, ningbo, client_of
) -> None:
    expert = make_expert("赵专家", ningbo, ("绿色石化",))
    talent = client_of(make_user("13800000009", Role.TALENT))
    missing = expert.pk + 1000
    for url in ("/api/experts/experts/{}",):
        refused, absent = talent.get(url.format(expert.pk)), talent.get(url.format(missing))
        assert (refused.status_code, refused.json()) == (404, absent.json())
    patch = talent.patch(f"/api/experts/experts/{expert.pk}", {"title": "x"}, content_type="application/json")
    absent = talent.patch(f"/api/experts/experts/{missing}", {"title": "x"}, content_type="application/json")
    assert (patch.status_code, patch.json()) == (404, absent.json())
    assert talent.get(f"/experts/{expert.pk}/").status_code == 404
    denied = AuditEvent.objects.filter(action="denied", object_type="experts.expert")
    assert set(denied.values_list("object_id", "object_label", "object_region")) == {
        (str(expert.pk), "", "330200")
    }
    assert denied.count() == 3
