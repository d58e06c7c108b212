"""The talent market through its pages: an employer publishes a job, talents keep résumés, and the
matches both ways are filtered, ranked and explained."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_user
from talentlink.core.idnumbers import check_character
from talentlink.core.models import AuditEvent, Organisation, Role, User
from talentlink.credentials.tests.conftest import LI, LI_ID, pdf_upload, person
from talentlink.credentials.tests.test_api_pages import FORM as CERTIFICATE
from talentlink.market import occupations
from talentlink.market.models import Job, Occupation, Profile

pytestmark = pytest.mark.django_db

VALID = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
JOB = {
    "title": "设备工程师", "description": "负责石化装置的设备维护与检修，熟悉催化裂化装置。",
    "region": "", "district": "330211", "education": "associate", "required_level": "skill_3",
    "skills": "设备维护，检修、PLC", "experience_years": "3", "salary_min": "9000", "salary_max": "14000",
    "headcount": "2", "valid_until": VALID,
}  # fmt: skip
RESUME = {
    "headline": "石化设备技师", "summary": "十年石化装置设备维护与检修经验。", "education": "associate",
    "experience_years": "10", "skills": "设备维护、检修、焊接", "desired_salary": "10000",
    "open_to_offers": "on", "suggestions": "on",
}  # fmt: skip


def publish(client, ningbo, **change) -> Job:
    response = client.post("/market/jobs/new/", {**JOB, "region": ningbo.pk, **change})
    assert response.status_code == 302, response.content.decode()[-3000:]
    job = Job.objects.latest("id")
    assert client.post(f"/market/jobs/{job.pk}/publish/").status_code == 302
    job.refresh_from_db()
    return job


def resume(client, *regions, **change) -> Profile:
    response = client.post(
        "/market/profile/", {**RESUME, "desired_regions": [r.pk for r in regions], **change}
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    return Profile.objects.latest("id")


def test_the_occupation_catalogue_is_csco_2022_with_its_groups(db) -> None:
    # 1,634 occupation rows, of which four repeat a code (two of them also name a minor group).
    assert Occupation.objects.filter(level=4).count() == 1631 and Occupation.objects.count() == 2047
    fitter = Occupation.objects.get(code="2-02-07-04")
    chain = []
    group = fitter.parent
    while group is not None:
        chain.append(group.code)
        group = group.parent
    assert fitter.name == "设备工程技术人员" and chain == ["2-02-07-00", "2-02-00-00", "2-00-00-00"]
    normaliser = occupations.normaliser()
    assert normaliser.code_for("设备工程师") == "2-02-07-04", "a recruitment alias"
    assert normaliser.code_for("资深设备工程师（石化）") == "2-02-07-04", "an alias inside the title"
    cases = occupations.labelled_cases()
    right = sum(normaliser.code_for(title) == code for title, code in cases)
    assert len(cases) == 5903 and right / len(cases) > 0.35, "a floor under the normaliser's accuracy"


def test_an_employer_drafts_publishes_and_closes_a_job(client_of, employer, ningbo, talent) -> None:
    client = client_of(employer)
    response = client.post("/market/jobs/new/", {**JOB, "region": ningbo.pk})
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == Job.Status.DRAFT
    assert job.occupation is not None and job.occupation.code == "2-02-07-04", (
        "the occupation follows from the title"
    )
    assert job.skills == ["设备维护", "检修", "PLC"]
    assert job.title not in client_of(talent).get("/market/").content.decode(), "a draft is not on the board"
    assert client_of(talent).get(f"/market/jobs/{job.pk}/").status_code == 404

    client.post(f"/market/jobs/{job.pk}/publish/")
    job.refresh_from_db()
    assert job.status == Job.Status.PUBLISHED and job.published_at is not None
    board = client_of(talent).get("/market/", {"q": "设备"}).content.decode()
    assert job.title in board and "宁波海天石化有限公司" in board
    assert client_of(talent).get(f"/market/jobs/{job.pk}/").status_code == 200

    client.post(f"/market/jobs/{job.pk}/close/")
    job.refresh_from_db()
    assert job.status == Job.Status.CLOSED and job.title not in client.get("/market/").content.decode()
    events = AuditEvent.objects.filter(object_type="market.job", object_id=str(job.pk))
    assert set(events.values_list("action", flat=True)) == {"create", "decide"}


def test_bad_job_input_is_refused_with_a_clear_error_and_nothing_saved(client_of, employer, ningbo) -> None:
    client = client_of(employer)
    page = client.post("/market/jobs/new/", {**JOB, "region": ningbo.pk, "salary_min": "20000"})
    assert page.status_code == 200 and "薪资范围的上限低于下限" in page.content.decode()
    late = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    page = client.post("/market/jobs/new/", {**JOB, "region": ningbo.pk, "valid_until": late})
    assert "180" in page.content.decode()
    assert not Job.objects.exists()


def test_an_employer_awaiting_approval_cannot_publish(client_of, ningbo) -> None:
    pending = Organisation.objects.create(name="待审公司", credit_code="91330200MA2AAAAA1X", region=ningbo)
    recruiter = make_user("pending-hr", Role.EMPLOYER, ningbo, organisation=pending)
    assert client_of(recruiter).get("/market/jobs/new/").status_code == 403
    assert client_of(recruiter).post("/market/jobs/new/", {**JOB, "region": ningbo.pk}).status_code == 403
    assert not Job.objects.exists()


def test_jobs_expire_after_their_validity(client_of, employer, ningbo) -> None:
    job = publish(client_of(employer), ningbo)
    Job.objects.filter(pk=job.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert job.title not in client_of(employer).get("/market/").content.decode()
    out = io.StringIO()
    call_command("market_expire", stdout=out)
    assert out.getvalue().strip() == "1 jobs expired."
    job.refresh_from_db()
    assert job.status == Job.Status.EXPIRED


def test_a_recognised_level_ranks_above_a_declared_one_and_each_match_is_explained(
    client_of, employer, talent, in_registry, ningbo, zhoushan
) -> None:
    # 张伟 holds a recognised 技师 (skill level 2) certificate: above the 高级工 the job requires.
    in_registry()
    assert (
        client_of(talent)
        .post("/api/credentials/applications", {**CERTIFICATE, "scan": pdf_upload()})
        .status_code
        == 201
    )
    resume(client_of(talent), ningbo)
    # 李海燕 declares the same level without a recognised certificate.
    li = make_user("13805740002", Role.TALENT, link_status=User.LinkStatus.LINKED)
    person(LI, LI_ID, ningbo, account=li)
    resume(client_of(li), ningbo, zhoushan, declared_levels=["skill_2"])
    job = publish(client_of(employer), ningbo)

    page = client_of(employer).get(f"/market/jobs/{job.pk}/candidates/").content.decode()
    rows = page.split('id="candidates"')[1].split("</table>")[0].split("<tr>")[2:]
    assert len(rows) == 2 and rows[0].startswith("<td>张*<") and rows[1].startswith("<td>李**")
    assert "持有三级/高级工" not in rows[0]  # the page words the level by its label
    assert "（已认定）" in rows[0] and "（尚未认定）" in rows[1] and "2/3" not in rows[0]
    assert "3项技能中的2项" in rows[0] and "PLC" in rows[0]
    read = AuditEvent.objects.get(object_type="market.profile", action="read")
    assert len(read.detail["profiles"]) == 2 and read.actor == employer

    mine = client_of(talent).get("/market/profile/matches/").content.decode()
    assert job.title in mine and "（已认定）" in mine and "愿意在宁波市工作" in mine


def test_a_talent_of_the_other_city_is_shown_only_with_consent(
    client_of, employer, ningbo, zhoushan, db
) -> None:
    account = make_user("13905800001", Role.TALENT, link_status=User.LinkStatus.LINKED)
    person("王海", "33090219910505001" + check_character("33090219910505001"), zhoushan, account=account)
    profile = resume(client_of(account), ningbo, zhoushan, required_level="")
    job = publish(client_of(employer), ningbo, required_level="", education="")
    page = client_of(employer).get(f"/market/jobs/{job.pk}/candidates/").content.decode()
    assert "王*" not in page, "a Ningbo employer does not see a Zhoushan résumé without consent"
    Profile.objects.filter(pk=profile.pk).update(shared_with_other_city=True)
    assert "王*" in client_of(employer).get(f"/market/jobs/{job.pk}/candidates/").content.decode()


def test_another_employers_job_cannot_be_edited_or_its_candidates_read(
    client_of, employer, ningbo, zhoushan
) -> None:
    job = publish(client_of(employer), ningbo)
    rival_org = Organisation.objects.create(
        name="舟山港务",
        credit_code="91330900MA2BBBBB2Y",
        region=zhoushan,
        status=Organisation.Status.APPROVED,
    )
    rival = client_of(make_user("zs-hr-rival", Role.EMPLOYER, zhoushan, organisation=rival_org))
    assert rival.get(f"/market/jobs/{job.pk}/candidates/").status_code == 404
    assert (
        rival.post(f"/market/jobs/{job.pk}/edit/", {**JOB, "region": ningbo.pk, "title": "改"}).status_code
        == 404
    )
    assert rival.post(f"/market/jobs/{job.pk}/close/").status_code == 404
    job.refresh_from_db()
    assert job.status == Job.Status.PUBLISHED and job.title == "设备工程师"


def test_bm25_drops_words_common_to_most_documents() -> None:
    from talentlink.market.index import TextIndex

    texts = TextIndex()
    for words in [["工程师", f"技能{i}"] for i in range(40)] + [["工程师", "催化"]]:
        texts.add(words, ())
    texts.finish()
    scores = texts.text(["工程师", "催化"])
    assert scores.argmax() == 40 and scores[:40].max() == 0, "工程师 is in every document: it says nothing"
