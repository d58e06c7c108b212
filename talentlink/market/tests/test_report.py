"""The annual regional talent market report (区域年度人才市场报告): its figures against hand counts
on a small market of both cities, the page's charts, and the PDF as a reader sees it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from talentlink.core.idnumbers import check_character
from talentlink.core.models import Organisation, Region
from talentlink.credentials.tests.conftest import person
from talentlink.experts.models import Field
from talentlink.market.models import Application, Event, Job, Occupation, Profile
from talentlink.market.report import market_report

pytestmark = pytest.mark.django_db

YEAR = 2025
TITLE = "区域年度人才市场报告"


def at(month: int, day: int = 1, year: int = YEAR) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 10))


def job(organisation: Organisation, region: Region, field: Field, occupation: Occupation, *, headcount: int,
        salary: tuple[int, int], published: dt.datetime | None = None,
        status: str = Job.Status.PUBLISHED) -> Job:  # fmt: skip
    return Job.objects.create(
        organisation=organisation, region=region, field=field, occupation=occupation, title="岗位",
        description="岗位说明", headcount=headcount, salary_min=salary[0], salary_max=salary[1],
        valid_until=dt.date(YEAR, 12, 31), status=status, published_at=published,
    )  # fmt: skip


def profile(name: str, id_base: str, home: Region, *, desired: list[Region], fields: list[Field],
            open_to_offers: bool = True, graduate: bool = False) -> Profile:  # fmt: skip
    who = person(name, id_base + check_character(id_base), home)
    made = Profile.objects.create(person=who, open_to_offers=open_to_offers, is_graduate=graduate)
    made.desired_regions.set(desired)
    made.desired_fields.set(fields)
    return made


def step(job: Job, profile: Profile, kind: str, when: dt.datetime, **extra) -> None:
    event = Event.objects.create(job=job, profile=profile, kind=kind, side=Event.Side.TALENT, **extra)
    Event.objects.filter(pk=event.pk).update(at=when)


def apply(job: Job, profile: Profile, when: dt.datetime, *, hired: dt.datetime | None = None) -> None:
    status = Application.Status.HIRED if hired else Application.Status.APPLIED
    application = Application.objects.create(job=job, profile=profile, status=status)
    Application.objects.filter(pk=application.pk).update(created_at=when)
    step(job, profile, Event.Kind.APPLIED, when)
    if hired:
        step(job, profile, Event.Kind.HIRED, hired)


def occupation(code: str, name: str, *, major: str) -> Occupation:
    """An occupation of the CSCO catalogue (seeded by a migration; put back after a flush)."""
    Occupation.objects.get_or_create(code=f"{code[0]}-00-00-00", defaults={"level": 1, "name": major})
    found, _ = Occupation.objects.get_or_create(code=code, defaults={"level": 4, "name": name})
    return found


@pytest.fixture
def market(employer, ningbo, zhoushan) -> dict[str, Job | Profile]:
    """Three jobs of 2025 in both cities (and a draft and a job of 2024 that do not count), two
    résumés open to offers and one that is not; a Ningbo graduate hired in Zhoushan, a Zhoushan
    talent hired in Ningbo."""
    nb = employer.organisation
    zs = Organisation.objects.create(
        name="舟山港航物流有限公司", credit_code="913309001440696210", region=zhoushan,
        status=Organisation.Status.APPROVED,
    )  # fmt: skip
    petro = Field.objects.get(code="green-petrochemical")
    port = Field.objects.get(code="port-shipping-logistics")
    engineer = occupation("2-02-07-04", "设备工程技术人员", major="专业技术人员")
    driver = occupation("4-02-01-01", "轨道交通列车司机", major="社会生产服务和生活服务人员")
    j1 = job(nb, ningbo, petro, engineer, headcount=3, salary=(9000, 15000), published=at(3))
    job(nb, ningbo, port, driver, headcount=1, salary=(6000, 8000), published=at(4))
    j3 = job(zs, zhoushan, petro, engineer, headcount=2, salary=(10000, 20000), published=at(5))
    job(zs, zhoushan, petro, engineer, headcount=5, salary=(9000, 9000), status=Job.Status.DRAFT)
    job(nb, ningbo, port, driver, headcount=4, salary=(9000, 9000), published=at(6, year=YEAR - 1))
    p1 = profile(
        "陈晨", "33020320020101001", ningbo, desired=[ningbo, zhoushan], fields=[petro], graduate=True
    )
    p2 = profile("王海", "33090219910505001", zhoushan, desired=[ningbo], fields=[petro, port])
    profile("赵强", "33020319850101001", ningbo, desired=[ningbo], fields=[port], open_to_offers=False)
    step(j1, p1, Event.Kind.PUSHED, at(3, 2), to=Event.Side.TALENT)
    apply(j1, p1, at(3, 3))
    apply(j3, p1, at(5, 3), hired=at(6))
    apply(j1, p2, at(3, 5), hired=at(4))
    return {"j1": j1, "j3": j3, "p1": p1, "p2": p2}


def test_the_figures_match_hand_counts(market) -> None:
    report = market_report(year=YEAR)

    cities = {r.label: (r.jobs, r.openings, r.supply) for r in report.cities}
    assert cities == {"宁波市": (2, 4, 2), "舟山市": (1, 2, 1)}, "the draft and last year's job do not count"
    industries = {r.label: (r.jobs, r.openings, r.supply, r.ratio) for r in report.industries}
    assert industries == {"绿色石化": (2, 5, 2, 2.5), "港航物流": (1, 1, 1, 1.0)}, (
        "a closed résumé is no supply"
    )
    assert [r.label for r in report.scarce] == ["绿色石化", "港航物流"]
    occupations = {r.key: (r.label, r.jobs, r.openings, r.supply) for r in report.occupations}
    assert occupations == {"2": ("专业技术人员", 2, 5, 2), "4": ("社会生产服务和生活服务人员", 1, 1, 0)}

    salaries = {r.label: (r.jobs, r.low, r.q1, r.median, r.q3, r.high) for r in report.salaries}
    assert salaries == {
        "绿色石化": (2, 12000, 12750, 13500, 14250, 15000),
        "港航物流": (1, 7000, 7000, 7000, 7000, 7000),
    }
    assert report.salary_histogram == [("5k–10k", 1), ("10k–15k", 1), ("15k–20k", 1)]

    flows = {(f.origin, f.destination): f.hires for f in report.flows}
    assert flows == {("宁波市", "舟山市"): 1, ("舟山市", "宁波市"): 1}
    assert report.cross_city_hires == 2
    # market/graduates.py counts them (test_graduates.py): the graduate hired in June 2025 is a
    # year on still an active Ningbo resident of the registry.
    graduates = {r.city: (r.applied, r.hired, r.due, r.stayed) for r in report.graduates.cities}
    assert graduates == {"宁波市": (1, 0, 0, 0), "舟山市": (1, 1, 1, 1)}
    assert report.funnel == {"pushed": 1, "viewed": 0, "applied": 3, "hired": 2}
    assert report.totals == {"jobs": 3, "openings": 6, "resumes": 2, "hires": 2, "cross_city": 2}


def test_the_report_takes_a_fixed_number_of_queries_whatever_the_market_holds(
    market, employer, ningbo, django_assert_max_num_queries
) -> None:
    petro = Field.objects.get(code="green-petrochemical")
    for n in range(20):
        job(employer.organisation, ningbo, petro, market["j1"].occupation, headcount=1, salary=(5000 + n, 9000),
            published=at(7))  # fmt: skip
    # 16 for the market's figures, at most 10 for the graduates' section (test_graduates.py).
    with django_assert_max_num_queries(26):
        market_report(year=YEAR)


def test_another_year_has_other_figures(market) -> None:
    report = market_report(year=YEAR - 1)
    assert {r.label: r.openings for r in report.cities} == {"宁波市": 4, "舟山市": 0}
    assert report.flows == [] and report.totals["hires"] == 0


def chart_data(page: str) -> dict[str, dict]:
    found = re.search(r'<script id="market-report-charts" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the charts' options are on the page as json_script data"
    return {chart["id"]: chart["option"] for chart in json.loads(found.group(1))}


def test_the_page_carries_each_charts_data_for_echarts_served_by_the_platform(
    market, client_of, nb_office
) -> None:
    page = client_of(nb_office).get(f"/market/report/{YEAR}/").content.decode()
    assert f"{YEAR}年{TITLE}" in page
    charts = chart_data(page)
    assert set(charts) == {
        "cities", "industries", "occupations", "scarce", "salaries", "salary_histogram", "flows",
        "graduates", "funnel",
    }  # fmt: skip
    assert charts["cities"]["xAxis"]["data"] == ["宁波市", "舟山市"]
    assert [s["data"] for s in charts["cities"]["series"]] == [[4, 2], [2, 1]]
    assert charts["salaries"]["series"][0]["data"][0] == [12000, 12750, 13500, 14250, 15000]
    assert {(link["source"], link["target"]): link["value"] for link in charts["flows"]["series"][0]["links"]} == {
        ("来自宁波市", "在舟山市"): 1, ("来自舟山市", "在宁波市"): 1,
    }  # fmt: skip
    assert "/static/market/vendor/echarts.min.js" in page and "/static/market/report.js" in page
    assert "<script>" not in page, "no inline script under the CSP"
    assert f"/market/report/{YEAR}.pdf" in page


def test_the_english_edition_is_a_lang_switch_away(market, client_of, observer) -> None:
    page = client_of(observer).get(f"/market/report/{YEAR}/?lang=en").content.decode()
    assert "Regional talent market report 2025" in page
    charts = chart_data(page)
    assert charts["cities"]["xAxis"]["data"] == ["Ningbo", "Zhoushan"]
    assert charts["industries"]["series"][0]["name"] == "Openings"
    assert "Green petrochemicals" in charts["industries"]["xAxis"]["data"]


def test_the_report_is_for_city_staff_and_the_observer(market, client_of, employer, talent) -> None:
    assert client_of(employer).get(f"/market/report/{YEAR}/").status_code == 403
    assert client_of(talent).get(f"/market/report/{YEAR}.pdf").status_code == 403


needs_pdf_tools = pytest.mark.skipif(
    not (shutil.which("node") and shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="Node.js and poppler-utils (make system-deps, make browser-deps)",
)


def pdf_of(client, url: str, tmp_path: Path) -> Path:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    assert path.read_bytes().startswith(b"%PDF-")
    return path


def first_page_ink(pdf: Path, tmp_path: Path) -> float:
    """The share of the first page (rendered by pdftoppm at 40 dpi) that is not white."""
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    (image_path,) = tmp_path.glob("p*.png")
    image = Image.open(image_path).convert("L")
    dark = sum(image.histogram()[:200])  # grey levels 0–199
    return dark / (image.width * image.height)


@needs_pdf_tools
def test_the_pdf_renders_chinese_text_and_the_charts(market, client_of, nb_office, tmp_path) -> None:
    pdf = pdf_of(client_of(nb_office), f"/market/report/{YEAR}.pdf", tmp_path)
    if keep := os.environ.get("TALENTLINK_KEEP_REPORT"):  # to look at it
        shutil.copy(pdf, keep)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    assert TITLE in text and "2025" in text
    assert "绿色石化" in text and "舟山市" in text
    assert first_page_ink(pdf, tmp_path) > 0.01, "the first page is not blank"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True).stdout
    assert "WenQuanYi" in fonts, "the Chinese text is set in the CJK font"


@needs_pdf_tools
def test_the_pdf_has_an_english_edition(market, client_of, observer, tmp_path) -> None:
    pdf = pdf_of(client_of(observer), f"/market/report/{YEAR}.pdf?lang=en", tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    assert "Regional talent market report 2025" in text and "Green petrochemicals" in text


def test_the_menu_offers_the_report_to_its_readers(client_of, observer, talent) -> None:
    year = timezone.localdate().year
    assert f"/market/report/{year}/" in client_of(observer).get("/market/funnel/").content.decode()
    assert "/market/report/" not in client_of(talent).get("/market/").content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_echarts_draws_every_chart_in_the_browser_under_the_csp(
    seeded_catalogues, market, nb_office, page
) -> None:
    from playwright.sync_api import expect

    from conftest import log_in, page_problems

    problems = page_problems(page)
    log_in(page, nb_office)
    page.goto(f"/market/report/{YEAR}/")
    for chart in ("cities", "industries", "occupations", "scarce", "salaries", "salary_histogram", "flows",
                  "graduates", "funnel"):  # fmt: skip
        expect(page.locator(f"#chart-{chart} svg")).to_have_count(1)
    expect(page.locator("#chart-cities svg")).to_contain_text("宁波市")
    assert problems == []
