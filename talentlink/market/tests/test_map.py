"""The key-industry talent map (重点产业人才地图): its counts against hand counts on a small market
with defective data, the page and the API for its readers and no one else, its section of the
annual report, and the migration that read the jobs' free-text districts."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from talentlink.core.idnumbers import check_character
from talentlink.core.models import Organisation, Region
from talentlink.credentials.tests.conftest import person
from talentlink.experts.models import Field
from talentlink.market.models import District, Job, KeyIndustry, Profile
from talentlink.market.talent_map import Cell, period_parse, talent_map
from talentlink.registry.models import Person

NOW = timezone.now()
TODAY = timezone.localdate()


def at(year: int, month: int, day: int = 1) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 10))


def job(organisation: Organisation, region: Region, field: str, district: str | None, *, headcount: int,
        status: str = Job.Status.PUBLISHED, published: dt.datetime | None = None,
        valid_until: dt.date | None = None, changed: dt.datetime | None = None) -> Job:  # fmt: skip
    made = Job.objects.create(
        organisation=organisation, region=region, field=Field.objects.get(code=field), title="岗位",
        district=District.objects.get(code=district) if district else None, description="岗位说明",
        headcount=headcount, salary_min=8000, salary_max=12000, status=status,
        published_at=None if status == Job.Status.DRAFT else (published or NOW - dt.timedelta(days=10)),
        valid_until=valid_until or TODAY + dt.timedelta(days=30),
    )  # fmt: skip
    if changed is not None:  # when it was closed (its last change)
        Job.objects.filter(pk=made.pk).update(updated_at=changed)
    return made


def resume(name: str, id_base: str, home: Region, district: str | None, fields: list[str], *,
           open_to_offers: bool = True, written: dt.datetime | None = None, **extra) -> Profile:  # fmt: skip
    who = person(name, id_base + check_character(id_base), home, **extra)
    made = Profile.objects.create(
        person=who, open_to_offers=open_to_offers,
        district=District.objects.get(code=district) if district else None,
    )  # fmt: skip
    made.desired_regions.set([home])
    made.desired_fields.set(Field.objects.filter(code__in=fields))
    if written is not None:
        Profile.objects.filter(pk=made.pk).update(created_at=written)
    return made


@pytest.fixture
def zs_employer(zhoushan) -> Organisation:
    return Organisation.objects.create(
        name="舟山港航物流有限公司", credit_code="913309001440696210", region=zhoushan,
        status=Organisation.Status.APPROVED,
    )  # fmt: skip


@pytest.fixture
def market(db, employer, zs_employer, ningbo, zhoushan) -> None:
    """Open jobs in 镇海, 北仑 and 定海 and one without a district; beside them a closed, an expired, a
    lapsed, a draft and a non-key-industry job that do not count; résumés in 镇海 and 定海 and one
    without a district, a closed one and one of a merged person that do not count."""
    nb = employer.organisation
    job(nb, ningbo, "green-petrochemical", "330211", headcount=3)
    job(nb, ningbo, "green-petrochemical", "330211", headcount=2, status=Job.Status.CLOSED)
    job(nb, ningbo, "green-petrochemical", "330206", headcount=4, status=Job.Status.EXPIRED,
        valid_until=TODAY - dt.timedelta(days=1))  # fmt: skip
    job(nb, ningbo, "green-petrochemical", "330206", headcount=6, valid_until=TODAY - dt.timedelta(days=1))
    job(nb, ningbo, "green-petrochemical", "330211", headcount=9, status=Job.Status.DRAFT)
    job(nb, ningbo, "port-shipping-logistics", None, headcount=1)
    job(nb, ningbo, "new-materials", "330206", headcount=2)
    job(zs_employer, zhoushan, "shipbuilding", "330902", headcount=5)  # 高端装备 and 海洋经济
    job(zs_employer, zhoushan, "modern-services", "330902", headcount=7)  # no key industry
    resume("陈晨", "33020320020101001", ningbo, "330211", ["green-petrochemical"])
    resume("王海", "33020319910505001", ningbo, "330211", ["green-petrochemical", "port-shipping-logistics"])
    resume("赵强", "33020319850101001", ningbo, "330211", ["green-petrochemical"], open_to_offers=False)
    resume(
        "钱江", "33020319800101001", ningbo, "330206", ["green-petrochemical"], status=Person.Status.MERGED
    )
    resume("孙洋", "33090219900101001", zhoushan, "330902", ["shipbuilding", "marine-biology"])
    resume("李港", "33090219920101001", zhoushan, None, ["port-shipping-logistics"])


def cells(tmap) -> dict[tuple[str, str], tuple[int, int, float | None, str]]:
    """(district, key industry) → (openings, résumés, ratio, band), for cells with anything in them."""
    out = {}
    for row in tmap.rows:
        for (code, _label), cell in [*zip(tmap.industries, row.cells, strict=True), (("*", ""), row.total)]:
            if cell.openings or cell.supply:
                out[(row.label, code)] = (cell.openings, cell.supply, cell.ratio, cell.band)
    return out


def test_the_plans_key_industries_are_rows_covering_the_taxonomys_industries(db) -> None:
    names = list(KeyIndustry.objects.values_list("name", flat=True))
    assert names[:8] == [
        "绿色石化",
        "汽车制造",
        "高端装备",
        "新材料",
        "电子信息",
        "软件与新兴服务",
        "港航物流",
        "海洋经济",
    ]
    marine = KeyIndustry.objects.get(code="marine-economy")
    assert set(marine.covers.values_list("code", flat=True)) == {
        "marine-economy", "marine-biology", "modern-fisheries", "shipbuilding",
    }  # fmt: skip
    assert District.objects.filter(region__code="330200").count() == 10
    assert set(District.objects.filter(region__code="330900").values_list("code", "name")) == {
        ("330902", "定海区"), ("330903", "普陀区"), ("330921", "岱山县"), ("330922", "嵊泗县"),
    }  # fmt: skip


def test_the_map_counts_open_jobs_and_open_resumes_by_district_and_key_industry(market) -> None:
    tmap = talent_map(period=period_parse(""))

    assert cells(tmap) == {
        ("镇海区", "green-petrochemical"): (3, 2, 1.5, "tight"),
        ("镇海区", "port-shipping-logistics"): (0, 1, 0.0, "ample"),
        ("镇海区", "*"): (3, 2, 1.5, "tight"),  # the talent wanting two key industries counts once
        ("北仑区", "new-materials"): (2, 0, None, "unmet"),
        ("北仑区", "*"): (2, 0, None, "unmet"),
        ("定海区", "high-end-equipment"): (5, 1, 5.0, "scarce"),  # shipbuilding counts under both
        ("定海区", "marine-economy"): (5, 1, 5.0, "scarce"),  # wanting two of its industries: once
        ("定海区", "*"): (5, 1, 5.0, "scarce"),  # the shipbuilding job once, the services job not at all
        ("未填写区（县、市）", "port-shipping-logistics"): (1, 1, 1.0, "tight"),
        ("未填写区（县、市）", "*"): (1, 1, 1.0, "tight"),
    }, "closed, expired, lapsed and draft jobs, closed résumés and merged persons' do not count"
    assert tmap.totals == Cell(11, 4)
    assert [c.openings for c in tmap.industry_totals][:3] == [3, 0, 5]


def test_the_map_takes_a_fixed_number_of_queries_whatever_the_market_holds(
    market, employer, ningbo, django_assert_max_num_queries
) -> None:
    for n in range(15):
        job(employer.organisation, ningbo, "new-materials", "330212", headcount=n + 1)
        resume(f"周{n}", f"33020319900201{n:03d}", ningbo, "330212", ["new-materials", "automotive"])
    with django_assert_max_num_queries(10):
        tmap = talent_map(period=period_parse(""))
    assert cells(tmap)[("鄞州区", "new-materials")] == (120, 15, 8.0, "scarce")


def test_a_past_quarter_counts_what_was_open_at_its_end(employer, ningbo) -> None:
    nb = employer.organisation
    later = dt.date(2025, 12, 31)
    job(nb, ningbo, "automotive", "330212", headcount=2, published=at(2025, 4, 10), valid_until=later)
    job(
        nb,
        ningbo,
        "automotive",
        "330212",
        headcount=3,
        published=at(2025, 4, 10),
        valid_until=later,
        status=Job.Status.CLOSED,
        changed=at(2025, 8, 1),
    )  # closed after the quarter: open at its end
    job(
        nb,
        ningbo,
        "automotive",
        "330212",
        headcount=4,
        published=at(2025, 4, 10),
        valid_until=later,
        status=Job.Status.CLOSED,
        changed=at(2025, 5, 1),
    )  # closed within it
    job(
        nb,
        ningbo,
        "automotive",
        "330212",
        headcount=8,
        published=at(2025, 4, 10),
        valid_until=dt.date(2025, 6, 15),
        status=Job.Status.EXPIRED,
        changed=at(2025, 6, 16),
    )
    job(nb, ningbo, "automotive", "330212", headcount=16, published=at(2025, 7, 5), valid_until=later)
    resume("陈晨", "33020320020101001", ningbo, "330212", ["automotive"], written=at(2025, 5, 2))
    resume("王海", "33020319910505001", ningbo, "330212", ["automotive"], written=at(2025, 8, 2))

    q2 = talent_map(period=period_parse("2025-Q2"))
    assert q2.period.at == timezone.make_aware(dt.datetime(2025, 7, 1))
    assert cells(q2)[("鄞州区", "automotive")] == (5, 1, 5.0, "scarce")
    year = talent_map(period=period_parse("2025"))
    assert cells(year)[("鄞州区", "automotive")] == (18, 2, 9.0, "scarce"), "valid on the year's last day"
    automotive = next(s for s in q2.trend if s.code == "automotive")
    assert q2.quarters[-2:] == ["2025 Q1", "2025 Q2"]
    assert (automotive.openings[-2:], automotive.supply[-2:]) == ([0, 5], [0, 1])
    with pytest.raises(ValueError):
        period_parse("2025-Q5")


def test_the_page_shows_the_heat_table_and_the_district_map_to_city_staff(
    market, client_of, nb_office
) -> None:
    page = client_of(nb_office).get("/market/map/?industry=marine-economy").content.decode()
    assert 'id="talent-map-table"' in page
    row = re.search(r'<tr data-district="330902">(.*?)</tr>', page, re.S)
    assert row and 'class="heat heat-scarce"' in row.group(1) and "5 / 1" in row.group(1)
    assert "style=" not in page, "colours come from CSS classes (the CSP allows no inline style)"
    found = re.search(
        r'<script id="talent-map-chart-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert found
    charts = {c["id"]: c for c in json.loads(found.group(1))}
    series = charts["talent-map"]["option"]["series"][0]
    assert charts["talent-map"]["map"] == series["map"] == "talentlink-districts"
    assert {"name": "定海区", "value": 5.0} in series["data"]
    assert "/static/market/vendor/districts.geo.json" in page and "/static/market/talent_map.js" in page


def test_the_page_and_the_api_are_for_the_reports_readers(
    market, client_of, observer, employer, talent
) -> None:
    assert client_of(observer).get("/market/map/?period=2025").status_code == 200
    answer = client_of(observer).get("/api/market/map", {"period": ""})
    assert answer.status_code == 200
    data = answer.json()
    assert [i["code"] for i in data["industries"]][:2] == ["green-petrochemical", "automotive"]
    zhenhai = next(r for r in data["rows"] if r["district"] == "330211")
    assert zhenhai["city"] == "宁波市" and zhenhai["total"] == {
        "openings": 3, "supply": 2, "ratio": 1.5, "band": "tight",
    }  # fmt: skip
    assert data["trend"][-1]["industry"] == "" and data["trend"][-1]["openings"][-1] == 11
    assert client_of(observer).get("/api/market/map", {"period": "2025-Q7"}).status_code == 400
    assert client_of(observer).get("/market/map/?period=soon").status_code == 404
    for reader in (employer, talent):
        assert client_of(reader).get("/market/map/").status_code == 403
        assert client_of(reader).get("/api/market/map").status_code == 403


def test_the_annual_report_has_the_maps_section(market, client_of, nb_office) -> None:
    page = client_of(nb_office).get(f"/market/report/{TODAY.year}/").content.decode()
    assert 'id="report-talent-map"' in page and 'id="talent-map-table"' in page
    assert 'id="chart-talent-map"' in page and "/static/market/talent_map.js" in page


def test_the_job_form_offers_the_districts_of_the_jobs_city(employer, client_of, ningbo, zhoushan) -> None:
    client = client_of(employer)
    form = client.get("/market/jobs/new/").content.decode()
    assert f'data-region="{zhoushan.pk}"' in form and '<optgroup label="宁波市">' in form
    data = {
        "title": "设备工程师", "description": "负责石化装置的设备维护。", "region": ningbo.pk, "district": "330902",
        "education": "", "required_level": "", "skills": "", "experience_years": "0", "salary_min": "9000",
        "salary_max": "14000", "headcount": "2", "valid_until": (TODAY + dt.timedelta(days=30)).isoformat(),
    }  # fmt: skip
    refused = client.post("/market/jobs/new/", data).content.decode()
    assert "330902" not in re.findall(r'value="(\d{6})"', refused), "only Ningbo's districts are offered"
    assert not Job.objects.exists()
    client.post("/market/jobs/new/", {**data, "district": "330211"})
    district = Job.objects.get().district
    assert district is not None and district.name == "镇海区"


def test_the_api_takes_a_district_by_code_or_name_within_the_jobs_city(employer, client_of) -> None:
    client = client_of(employer)
    body = {
        "title": "设备工程师", "description": "负责石化装置的设备维护。", "region": "330200", "district": "宁波市北仑区",
        "salary_min": 9000, "salary_max": 14000, "valid_until": (TODAY + dt.timedelta(days=30)).isoformat(),
    }  # fmt: skip
    made = client.post("/api/market/jobs", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["district"] == "330206"
    assert made.json()["district_name"] == "北仑区"
    other = client.post("/api/market/jobs", {**body, "district": "定海区"}, content_type="application/json")
    assert other.status_code == 400, "a district of the other city is refused"


@pytest.mark.django_db(transaction=True)
def test_the_migration_reads_free_text_districts_into_the_citys_districts(seeded_catalogues) -> None:
    before, after = [("market", "0005_sms_suggestions")], [("market", "0006_districts_key_industries")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        OldJob, OldOrganisation = old.get_model("market", "Job"), old.get_model("core", "Organisation")
        regions = {r.code: r.pk for r in old.get_model("core", "Region").objects.all()}
        organisation = OldOrganisation.objects.create(
            name="宁波海天石化有限公司",
            credit_code="91330200144069621H",
            region_id=regions["330200"],
            status="approved",
        )
        texts = {
            "镇海区": "330200", "宁波市北仑区大碶街道": "330200", "奉化市": "330200", "Dinghai": "330900",
            "定海区": "330200", "不详": "330200", "": "330200",
        }  # fmt: skip
        for text, city in texts.items():
            OldJob.objects.create(
                organisation=organisation, region_id=regions[city], title=text or "空", description="说明",
                district=text, salary_min=1, salary_max=2, valid_until=TODAY,
            )  # fmt: skip
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("market", "Job")
        found = dict(new.objects.values_list("title", "district__code"))
        assert found == {
            "镇海区": "330211", "宁波市北仑区大碶街道": "330206", "奉化市": "330213", "Dinghai": "330902",
            "定海区": None, "不详": None, "空": None,
        }, "a district of another city, or none, leaves the job without one"  # fmt: skip
    finally:
        call_command("migrate", verbosity=0)


needs_pdf_tools = pytest.mark.skipif(
    not (shutil.which("node") and shutil.which("pdftotext")),
    reason="Node.js and poppler-utils (make system-deps, make browser-deps)",
)


@needs_pdf_tools
def test_the_reports_pdf_prints_the_map_its_charts_and_the_table(
    market, client_of, nb_office, tmp_path
) -> None:
    response = client_of(nb_office).get(f"/market/report/{TODAY.year}.pdf?lang=en")
    assert response.status_code == 200
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    text = " ".join(text.split())  # the table's headings wrap
    assert "Key-industry talent map" in text and "Zhenhai" in text
    assert "Software and emerging services" in text
    assert f"{TODAY.year} Q4" in text, "the trend's quarters, which only its chart (ECharts' SVG) names"


@pytest.mark.django_db(transaction=True)
def test_echarts_draws_the_district_map_and_the_trend_in_the_browser_under_the_csp(
    seeded_catalogues, market, nb_office, page
) -> None:
    from playwright.sync_api import expect

    from conftest import log_in, page_problems

    problems = page_problems(page)
    log_in(page, nb_office)
    page.goto("/market/map/")
    expect(page.locator("#chart-talent-map svg")).to_have_count(1)
    expect(page.locator("#chart-talent-map svg")).to_contain_text("定海区")
    expect(page.locator("#chart-talent-trend svg")).to_have_count(1)
    assert problems == []


@pytest.mark.django_db
def test_the_demo_gives_the_map_districts_with_openings_and_talents(tmp_path) -> None:
    call_command("demo_load", size=40, out=tmp_path, stdout=io.StringIO())
    tmap = talent_map(period=period_parse(""))
    placed = [row for row in tmap.rows if row.code and row.total.openings and row.total.supply]
    assert {row.city for row in placed} == {"宁波市", "舟山市"}, "both cities' districts have content"
    assert len(placed) >= 4
    assert Profile.objects.filter(district__isnull=False).count() > Profile.objects.count() // 2
