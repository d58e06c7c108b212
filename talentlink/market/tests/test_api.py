"""The market's JSON API: the same path as the pages, for the employers' and talents' own systems."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from talentlink.core.models import AuditEvent
from talentlink.market.models import Application, Job

pytestmark = pytest.mark.django_db

VALID = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
JOB = {
    "title": "设备工程师", "description": "负责石化装置的设备维护与检修。", "region": "330200",
    "district": "镇海区", "industry": "green-petrochemical", "education": "associate",
    "skills": ["设备维护", "检修"], "experience_years": 3, "salary_min": 9000, "salary_max": 14000,
    "valid_until": VALID,
}  # fmt: skip


def test_a_job_goes_from_draft_to_a_hire_through_the_api(client_of, employer, talent, ningbo) -> None:
    hr, me = client_of(employer), client_of(talent)
    created = hr.post("/api/market/jobs", JOB, content_type="application/json")
    assert created.status_code == 201, created.json()
    job = created.json()
    assert (job["status"], job["occupation"], job["industry"], job["employer"]) == (
        "draft", "2-02-07-04", "green-petrochemical", "宁波海天石化有限公司",
    )  # fmt: skip
    assert me.get(f"/api/market/jobs/{job['id']}").status_code == 404, "a draft is the employer's"
    assert hr.post(f"/api/market/jobs/{job['id']}/publish").json()["status"] == "published"

    profile = me.put("/api/market/profile", {
        "headline": "设备技师", "education": "associate", "skills": ["设备维护", "焊接"], "experience_years": 8,
        "desired_regions": ["330200"], "desired_industries": ["green-petrochemical"], "declared_levels": ["skill_3"],
    }, content_type="application/json")  # fmt: skip
    assert profile.status_code == 200 and profile.json()["desired_regions"] == ["330200"]
    [match] = me.get("/api/market/profile/matches").json()
    assert match["job"]["id"] == job["id"] and "1 of 2 skills (missing: 检修)" in " ".join(
        me.get("/api/market/profile/matches", HTTP_ACCEPT_LANGUAGE="en").json()[0]["reasons"]
    )
    applied = me.post(
        f"/api/market/jobs/{job['id']}/applications", {"note": "可随时到岗"}, content_type="application/json"
    )
    assert applied.status_code == 201 and applied.json()["status"] == "applied"
    assert (
        me.post(f"/api/market/jobs/{job['id']}/applications", {}, content_type="application/json").status_code
        == 409
    )

    [candidate] = hr.get(f"/api/market/jobs/{job['id']}/candidates").json()
    assert candidate["name"] == "张*" and candidate["reasons"]
    [application] = hr.get(f"/api/market/jobs/{job['id']}/applications").json()
    assert application["talent_name"] == "张伟"
    for step in ("interview", "interviewed", "offered", "hired"):
        moved = hr.post(
            f"/api/market/applications/{application['id']}/move",
            {"status": step},
            content_type="application/json",
        )
        assert moved.status_code == 200, moved.json()
    assert Application.objects.get().status == "hired"
    assert AuditEvent.objects.filter(object_type="market.profile", action="read").count() == 2


def test_bad_input_is_refused_in_the_asked_language_and_nothing_is_written(
    client_of, employer, ningbo
) -> None:
    hr = client_of(employer)
    answer = hr.post("/api/market/jobs", {**JOB, "salary_min": 20000}, content_type="application/json",
                     HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert answer.status_code == 400 and answer.json()["code"] == "salary_range"
    assert answer.json()["message"] == "The salary range ends below where it starts."
    assert (
        hr.post("/api/market/jobs", {**JOB, "region": "110000"}, content_type="application/json").status_code
        == 404
    )
    assert (
        hr.post("/api/market/jobs", {**JOB, "industry": "astrology"}, content_type="application/json").json()[
            "code"
        ]
        == "industry"
    )
    assert (
        hr.post("/api/market/jobs", {**JOB, "education": "phd"}, content_type="application/json").status_code
        == 422
    )
    assert not Job.objects.exists()


def test_the_funnel_is_for_staff_and_the_observer(client_of, talent, observer) -> None:
    assert client_of(talent).get("/api/market/funnel").status_code == 403
    assert client_of(observer).get("/api/market/funnel").json() == []
