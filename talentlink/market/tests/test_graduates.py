"""The graduates' market (毕业生就业市场, issue 14 item 8): graduates who applied and were hired in a
year by city, where they came from, who stayed a year later, and the target the plans set, against
hand counts on a market with the defects real data has (a university written in no known way, a
missing graduation year, an unverified ID number, a hire withdrawn afterwards, a person merged
into another record, one who moved away)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from talentlink.core.idnumbers import check_character
from talentlink.core.models import Organisation, Region
from talentlink.credentials.tests.conftest import person
from talentlink.indicators.models import Indicator, Plan, Target
from talentlink.indicators.selectors import targets_progress
from talentlink.market import services
from talentlink.market.apps import MarketConfig
from talentlink.market.graduates import HIRED_KEY, graduates_year
from talentlink.market.models import Application, Event, Job, Profile
from talentlink.market.universities import key, province_of_id, university_code
from talentlink.registry.models import Person

pytestmark = pytest.mark.django_db

YEAR = 2025
COUNTED_ON = dt.date(2026, 12, 1)


def market_config() -> MarketConfig:
    config = apps.get_app_config("market")
    assert isinstance(config, MarketConfig)
    return config


def at(year: int, month: int, day: int = 1) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 10))


def id_number(base: str) -> str:
    return base + check_character(base)


def job(organisation: Organisation, region: Region, title: str = "工艺工程师") -> Job:
    return Job.objects.create(
        organisation=organisation, region=region, title=title, description="岗位说明", salary_min=8000,
        salary_max=12000, valid_until=dt.date(YEAR, 12, 31), status=Job.Status.PUBLISHED,
        published_at=at(YEAR, 1, 5),
    )  # fmt: skip


def resume(who: Person, *, university: str = "", graduate: bool = False, year: int | None = None) -> Profile:
    return Profile.objects.create(
        person=who, university=university, is_graduate=graduate, graduation_year=year
    )


def step(job: Job, profile: Profile, kind: str, when: dt.datetime) -> None:
    event = Event.objects.create(job=job, profile=profile, kind=kind, side=Event.Side.EMPLOYER)
    Event.objects.filter(pk=event.pk).update(at=when)


def apply(job: Job, profile: Profile, when: dt.datetime, *, status: str = Application.Status.APPLIED,
          hired: dt.datetime | None = None) -> None:  # fmt: skip
    application = Application.objects.create(job=job, profile=profile, status=status)
    Application.objects.filter(pk=application.pk).update(created_at=when)
    step(job, profile, Event.Kind.APPLIED, when)
    if hired is not None:
        step(job, profile, Event.Kind.HIRED, hired)


@pytest.fixture
def market(employer, ningbo, zhoushan) -> dict[str, Any]:
    """Graduates of both cities in 2025, with what real records hold:

    A  a Ningbo graduate who writes 宁大 (宁波大学), hired in Ningbo in June 2025;
    B  graduated 2024 (not marked as a new graduate), 华中科技大学, from Hubei, hired in Zhoushan in
       March 2025, whose registry record has since moved to Shanghai (outside the two cities);
    C  two records of one person: the retired one (merged) keeps the résumé hired in Zhoushan in
       July 2025 (浙江海洋大学), the golden one its own résumé, which applied in Ningbo in 2025
       and again in August 2026;
    D  a new graduate with no graduation year, a school not in the ministry's list and an ID number
       the registry could not verify, hired in Ningbo in September 2025 and turned down in Zhoushan;
    E  a graduate whose Zhoushan hire was later withdrawn (the hired step stands in the log);
    F  hired in Ningbo, graduated 2015: not a graduate;
    G  a graduate turned down in Ningbo;
    H  a graduate of 浙江大学 hired in Ningbo on 20 December 2025 (not yet a year ago on the day counted);
    J  a student graduating in 2027, hired in 2025: not yet a graduate."""
    nb = employer.organisation
    zs = Organisation.objects.create(
        name="舟山港航物流有限公司", credit_code="913309001440696210", region=zhoushan,
        status=Organisation.Status.APPROVED,
    )  # fmt: skip
    shanghai = Region.objects.create(
        code="310100", name="上海市", name_en="Shanghai", short_name="沪", is_active=False
    )
    j_nb, j_zs, j_nb2 = job(nb, ningbo), job(zs, zhoushan), job(nb, ningbo, "设备工程师")

    a = resume(
        person("陈晨", id_number("33020320030101001"), ningbo), university="宁大", graduate=True, year=2025
    )
    b = resume(person("李雷", id_number("42010219990101001"), zhoushan), university="华中科技大学", year=2024)
    c_old = person("王芳", id_number("33090219990202002"), zhoushan)
    c_new = person("王芳", id_number("33090219990202002"), zhoushan)
    c1 = resume(c_old, university="浙江海洋大学", graduate=True, year=2025)
    c2 = resume(c_new, university="浙江海洋大学", graduate=True, year=2025)
    Person.objects.filter(pk=c_old.pk).update(status=Person.Status.MERGED, merged_into=c_new)
    # A number the registry could not verify stays off the person (registry.imports._golden).
    d_person = Person.objects.create(name="赵敏", home_region=ningbo, id_number_masked="")
    d = resume(d_person, university="宁波市某某职业技能培训学校", graduate=True)
    e = resume(person("钱进", id_number("33020320020303003"), ningbo), graduate=True, year=2025)
    f = resume(person("孙立", id_number("33020319930404004"), ningbo), university="宁波大学", year=2015)
    g = resume(person("周洁", id_number("33020320030505005"), ningbo), university="宁波大学", graduate=True)
    h = resume(person("吴迪", id_number("33020320030606006"), ningbo), university="浙江大学", year=2025)
    j = resume(person("郑好", id_number("33020320050707007"), ningbo), university="宁波大学", year=2027)

    apply(j_nb, a, at(2025, 5, 2), status=Application.Status.HIRED, hired=at(2025, 6, 10))
    apply(j_zs, b, at(2025, 2, 1), status=Application.Status.HIRED, hired=at(2025, 3, 1))
    Person.objects.filter(pk=b.person_id).update(home_region=shanghai)
    apply(j_zs, c1, at(2025, 6, 1), status=Application.Status.HIRED, hired=at(2025, 7, 1))
    apply(j_nb, c2, at(2025, 4, 1), status=Application.Status.REJECTED)
    apply(j_nb2, c2, at(2026, 8, 3))
    apply(j_nb, d, at(2025, 8, 1), status=Application.Status.HIRED, hired=at(2025, 9, 1))
    apply(j_zs, d, at(2025, 8, 2), status=Application.Status.REJECTED)
    apply(j_zs, e, at(2025, 4, 1), status=Application.Status.WITHDRAWN, hired=at(2025, 5, 1))
    apply(j_nb, f, at(2025, 3, 1), status=Application.Status.HIRED, hired=at(2025, 4, 1))
    apply(j_nb, g, at(2025, 3, 1), status=Application.Status.REJECTED)
    apply(j_nb, h, at(2025, 11, 1), status=Application.Status.HIRED, hired=at(2025, 12, 20))
    apply(j_nb, j, at(2025, 3, 1), status=Application.Status.HIRED, hired=at(2025, 4, 1))
    assert services.profiles_universities_match() == 8, "宁大 is 宁波大学; the training school is not listed"
    return {"a": a, "d": d, "j_nb2": j_nb2}


def test_universities_are_matched_by_name_english_name_or_alias_and_nothing_else() -> None:
    assert (
        university_code("宁波大学") == university_code("宁大") == university_code(" 宁 大 ") == "4133011646"
    )
    assert university_code("中国石油大学(华东)") == university_code("中国石油大学（华东）") == "4137010425"
    assert university_code("zhejiang university") == university_code("浙大") == "4133010335"
    assert university_code("宁波大学附属中学") is None and university_code("") is None
    assert key("ＡＢＣ 大学") == "abc大学"


def test_the_home_province_is_read_from_the_masked_id_number_and_only_a_verified_one() -> None:
    assert province_of_id("420102********0011") == "42"
    assert province_of_id("?330203********4512") is None, "a number the registry could not verify"
    assert province_of_id("") is None and province_of_id("99xxxx") is None


def test_the_year_matches_hand_counts(market) -> None:
    g = graduates_year(year=YEAR, today=COUNTED_ON)

    cities = {r.city: (r.applied, r.hired, r.due, r.stayed, r.stay_rate) for r in g.cities}
    assert cities == {
        # applied: A, C (once for both records), D, G, H; hired: A, D, H (H not a year ago yet)
        "宁波市": (5, 3, 2, 2, 100.0),
        # applied: B, C, D, E; hired: B (moved to Shanghai: left) and C; E's hire was withdrawn
        "舟山市": (4, 2, 2, 1, 50.0),
    }, "F graduated ten years before and J is still a student: neither counts"
    total = g.total
    assert (total.applied, total.hired, total.due, total.stayed, total.stay_rate) == (7, 5, 4, 3, 75.0)

    assert [(o.key if o.key == "unlisted" else o.label, o.hired) for o in g.universities] == [
        ("浙江大学", 1), ("浙江海洋大学", 1), ("宁波大学", 1), ("华中科技大学", 1), ("unlisted", 1),
    ]  # fmt: skip
    assert [(o.key, o.hired) for o in g.university_provinces] == [("33", 3), ("42", 1), ("unlisted", 1)]
    assert [(o.key, o.label, o.hired) for o in g.home_provinces][:2] == [
        ("33", "浙江省", 3),
        ("42", "湖北省", 1),
    ]
    assert [(o.key, o.hired) for o in g.home_provinces][2:] == [("unknown", 1)], "D's number is not verified"
    assert {o.key: o.per_city for o in g.home_provinces} == {
        "33": (("330200", 2), ("330900", 1)),  # A and H in Ningbo, C in Zhoushan
        "42": (("330200", 0), ("330900", 1)),
        "unknown": (("330200", 1), ("330900", 0)),
    }
    assert g.target is None, "no indicator counts the key: the page shows the plan's sentence instead"


def test_a_year_not_yet_gone_by_has_hires_but_no_staying_rate(market) -> None:
    g = graduates_year(year=YEAR, today=dt.date(2026, 1, 31))
    assert (g.total.hired, g.total.due, g.total.stay_rate) == (5, 0, None)


def test_the_talents_own_university_text_is_matched_when_the_resume_is_saved(talent, client_of) -> None:
    saved = client_of(talent).put("/api/market/profile", {
        "headline": "应届毕业生", "university": "宁波诺丁汉", "graduation_year": 2025, "is_graduate": True,
        "desired_regions": ["330200"],
    }, content_type="application/json")  # fmt: skip
    assert saved.status_code == 200
    profile = Profile.objects.select_related("listed_university").get(person__account=talent)
    assert profile.university == "宁波诺丁汉", "the talent's own text stays"
    assert profile.listed_university is not None and profile.listed_university.name == "宁波诺丁汉大学"
    assert profile.listed_university.province == "33"


def test_the_page_shows_the_figures_to_city_staff_and_the_observer(
    market, client_of, nb_office, observer
) -> None:
    for reader in (nb_office, observer):
        page = client_of(reader).get(f"/market/graduates/?year={YEAR}")
        assert page.status_code == 200
    text = page.content.decode()
    assert "争取两地每年联动引进高校毕业生15万人以上" in text and "毕业生留甬比例达50%以上" in text
    assert 'id="graduates-cities"' in text and "华中科技大学" in text
    assert "style=" not in text and "<script>" not in text


def test_the_page_and_the_api_are_refused_to_talents_and_employers(
    market, client_of, talent, employer
) -> None:
    for reader in (talent, employer):
        assert client_of(reader).get("/market/graduates/").status_code == 403
        assert client_of(reader).get(f"/api/market/graduates?year={YEAR}").status_code == 403


def test_the_api_answers_the_same_figures(market, client_of, observer) -> None:
    body = client_of(observer).get(f"/api/market/graduates?year={YEAR}").json()
    assert body["year"] == YEAR and body["total"]["hired"] == 5 and body["total"]["applied"] == 7
    assert {c["code"]: c["hired"] for c in body["cities"]} == {"330200": 3, "330900": 2}
    assert body["plan_sentence"] == "争取两地每年联动引进高校毕业生15万人以上" and body["target"] is None
    hubei = {"key": "42", "label": "湖北省", "hired": 1, "by_city": {"330200": 0, "330900": 1}}
    assert hubei in body["home_provinces"]
    english = client_of(observer).get(f"/api/market/graduates?year={YEAR}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {**hubei, "label": "Hubei"} in english["home_provinces"]
    assert client_of(observer).get("/api/market/graduates?year=1999").status_code == 422


def test_the_annual_report_carries_the_graduates_section(market, client_of, nb_office) -> None:
    page = client_of(nb_office).get(f"/market/report/{YEAR}/").content.decode()
    assert 'id="graduates-cities"' in page and 'id="graduates-home-provinces"' in page
    assert "湖北省" in page and "宁波大学" in page


def test_the_page_takes_a_fixed_number_of_queries(market, django_assert_max_num_queries) -> None:
    # Regions, hires, applicants, persons (each with its merge chains), later applications, insurance, target.
    with django_assert_max_num_queries(11):  # with the social-insurance read of benefits' hook
        graduates_year(year=YEAR, today=COUNTED_ON)


def test_the_targets_read_the_hires_through_the_hook_and_show_the_indicator_beside(
    market, client_of, observer
) -> None:
    counted = market_config().indicator_actuals(on=dt.date(2025, 12, 31))
    assert counted[HIRED_KEY] == 5
    assert market_config().indicator_actuals(on=dt.date(2025, 6, 30))[HIRED_KEY] == 2, (
        "A and B were hired by the end of June (C on 1 July)"
    )
    assert market_config().indicator_actuals(on=COUNTED_ON)["market.graduates_stay_rate"] == Decimal(
        "75.0"
    ), "of the graduates hired in 2025, three of the four hired a year before stayed"

    plan = Plan.objects.create(
        code="test-plan", title="行动方案", title_en="Plan", start_year=2020, end_year=2025
    )
    indicator = Indicator.objects.create(
        plan=plan, code="graduates", name="联动引进高校毕业生", name_en="College graduates brought in",
        unit="人", source="争取两地每年联动引进高校毕业生15万人以上", computed_from=HIRED_KEY,
        measure=Indicator.Measure.LEVEL,
    )  # fmt: skip
    Target.objects.create(indicator=indicator, year=YEAR, value=Decimal(150000))
    [progress] = [p for p in targets_progress(on=dt.date(2025, 12, 31)) if p.indicator == indicator]
    assert progress.actual == 5
    g = graduates_year(year=YEAR, today=COUNTED_ON)
    assert g.target == Decimal(150000) and g.target_share == 0.0
    page = client_of(observer).get(f"/market/graduates/?year={YEAR}").content.decode()
    assert "联动引进高校毕业生" in page and "150000" in page


def test_contributions_that_ended_before_the_anniversary_mean_the_graduate_left(market, ningbo) -> None:
    from talentlink.benefits.models import InsuranceImport, InsuranceRecord

    batch = InsuranceImport.objects.create(region=ningbo, original_name="nb.csv")
    a, d = market["a"], market["d"]
    for who, last in ((a, dt.date(2026, 2, 1)), (d, dt.date(2026, 11, 1))):
        InsuranceRecord.objects.create(
            person_id=who.person_id,
            region=ningbo,
            first_month=dt.date(2025, 7, 1),
            last_month=last,
            batch=batch,
        )
    nb = graduates_year(year=YEAR, today=COUNTED_ON).cities[0]
    assert (nb.due, nb.stayed) == (2, 1), "A's contributions ended in February; D's go on past September"

    # Contributions that ended years before the hire (a job before the degree) say nothing of after it.
    InsuranceRecord.objects.filter(person_id=a.person_id).update(
        first_month=dt.date(2014, 7, 1), last_month=dt.date(2016, 3, 1)
    )
    nb = graduates_year(year=YEAR, today=COUNTED_ON).cities[0]
    assert (nb.due, nb.stayed) == (2, 2), "nothing on record since A's hire: the registry record decides"


def test_a_record_no_longer_active_is_not_staying_whatever_else_happened(market) -> None:
    d = market["d"]
    Application.objects.create(job=market["j_nb2"], profile=d)  # applied again, a year on
    Person.objects.filter(pk=d.person_id).update(status=Person.Status.DECEASED)
    nb = graduates_year(year=YEAR, today=timezone.localdate()).cities[0]
    assert (nb.due, nb.stayed) == (2, 1), "D's record is no longer active: only A stayed"


def test_the_demo_has_graduates_of_listed_universities_some_hired_last_year_and_staying(tmp_path) -> None:
    call_command("demo_load", size=40, out=tmp_path, stdout=io.StringIO())
    assert Profile.objects.filter(is_graduate=True, listed_university__isnull=False).exists()
    last = graduates_year(year=timezone.localdate().year - 1)
    assert last.total.hired and last.total.due and last.total.stayed, last.total
    assert any(o.key not in ("unlisted", "none", "other") for o in last.universities)
    assert [o.key for o in last.home_provinces if o.key != "unknown"], "home provinces from the ID numbers"
