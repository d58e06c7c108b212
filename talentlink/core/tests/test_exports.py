"""No cell of any export starts a formula (OWASP "CSV injection"), for every export the platform has.

The exports are found in the URL configuration (pages and API): every route whose path or name
speaks of an export, XLSX, CSV or a template. Each must have a case below that puts hostile text
where citizens, staff or a city's file put text, through the real import or data path, and
downloads it through the HTTP client; a new export without a case fails
``test_every_export_of_the_url_configuration_has_a_case``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from openpyxl import load_workbook

from conftest import GOOD_ROWS, NINGBO_HEADER, make_user
from talentlink.core.audit import Access
from talentlink.core.exports import FORMULA_STARTS, cell_value, csv_row, xlsx_response
from talentlink.core.models import Role, User
from talentlink.experts.tests.conftest import field_of, make_expert, make_person, seeded

pytestmark = pytest.mark.django_db
__all__ = ["field_of", "make_expert", "make_person", "seeded"]  # fixtures of the experts' tests

LINK = '=HYPERLINK("http://evil.example/x","点我")'
SUM = "+SUM(1,2)"
MINUS = "-2+3"
AT = "@SUM(1)"
PHONE = "=1+2"
_EXPORT = re.compile(r"export|xlsx|csv|template", re.IGNORECASE)


def url_patterns() -> dict[str, str]:
    """Every route of the URL configuration (pages and the API) → its name."""
    found: dict[str, str] = {}

    def walk(patterns: list, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = (
                    f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace or namespace
                )
                walk(p.url_patterns, prefix + str(p.pattern), inner or "")
            elif isinstance(p, URLPattern):
                found[prefix + str(p.pattern)] = f"{namespace}:{p.name}" if namespace else str(p.name)

    walk(get_resolver().url_patterns, "", "")
    return found


def export_routes() -> set[str]:
    return {route for route, name in url_patterns().items() if _EXPORT.search(route) or _EXPORT.search(name)}


# --- The downloads --------------------------------------------------------------------------------


def cells_of(response) -> Iterator[tuple[str, object, str]]:
    """(where, value, openpyxl data type or "csv") of every cell of a downloaded XLSX or CSV file."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):
        workbook = load_workbook(io.BytesIO(body))  # not read-only: data types as written
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    yield f"{sheet.title}!{cell.coordinate}", cell.value, cell.data_type
        return
    charset = re.search(r"charset=([\w-]+)", response.get("Content-Type", ""))
    text = body.decode(charset.group(1) if charset else "utf-8-sig")
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        for column, value in enumerate(row, start=1):
            yield f"row {number} column {column}", value, "csv"


@dataclass
class Download:
    """One export to check: who downloads it, where, and the hostile texts that must reach it."""

    user: User
    url: str
    hostile: tuple[str, ...]


# --- Cases: hostile data through the real paths ---------------------------------------------------


class World:
    """Users and the data the cases share, made on first use."""

    def __init__(self, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        self.request, self.tmp_path = request, tmp_path
        self._made: dict[str, object] = {}

    def fixture(self, name: str):
        return self.request.getfixturevalue(name)

    def once(self, key: str, make: Callable[[], object]):
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def client(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


def _ningbo_file(tmp_path: Path, rows: list[list[str]], name: str) -> Path:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(NINGBO_HEADER)
        writer.writerows(rows)
    return path


def _registry_upload(world: World, rows: list[list[str]], name: str) -> int:
    """A Ningbo export uploaded on the import page; the import runs (the task is inline)."""
    from talentlink.registry.models import ImportBatch, SourceSystem

    office = world.fixture("nb_office")
    source = SourceSystem.objects.get(code="ningbo-talent-db")
    capture = world.fixture("django_capture_on_commit_callbacks")
    with capture(execute=True), open(_ningbo_file(world.tmp_path, rows, name), "rb") as handle:
        answer = world.client(office).post("/registry/imports/", {"source_system": source.pk, "file": handle})
    assert answer.status_code == 302
    return ImportBatch.objects.latest("pk").pk


def rejected_registry_import(world: World) -> int:
    """An export rejected for an unknown category, with a formula as a phone number (a warning)."""

    def make() -> int:
        rows = [list(r) for r in GOOD_ROWS]
        rows[0][1], rows[0][5] = LINK, PHONE
        rows[1][9] = AT  # no such category: the file is rejected
        return _registry_upload(world, rows, "rejected.csv")

    return world.once("rejected_registry_import", make)


def imported_person(world: World) -> int:
    """A person imported under a formula for a name, then read by the office (audited)."""
    from talentlink.registry.models import Person

    def make() -> int:
        world.fixture("settings").TALENTLINK_LINKAGE_AFTER_IMPORT = False
        rows = [list(r) for r in GOOD_ROWS]
        rows[0][1], rows[1][1], rows[2][1] = LINK, SUM, MINUS
        _registry_upload(world, rows, "good.csv")
        person = Person.objects.get(name=LINK)
        assert (
            world.client(world.fixture("nb_office")).get(f"/registry/persons/{person.pk}/").status_code == 200
        )
        return person.pk

    return world.once("imported_person", make)


def registry_errors(world: World, api: bool) -> list[Download]:
    batch = rejected_registry_import(world)
    prefix = "/api/registry" if api else "/registry"
    return [Download(world.fixture("nb_office"), f"{prefix}/imports/{batch}/errors.xlsx", (AT, PHONE))]


def registry_templates(world: World, api: bool) -> list[Download]:
    """Column headers an office typed in the back office start with formula characters."""
    from talentlink.registry.models import ColumnMapping, SourceSystem

    downloads = []
    for code, office in (("ningbo-talent-db", "nb_office"), ("zhoushan-talent-info", "zs_office")):
        source = SourceSystem.objects.get(code=code)
        ColumnMapping.objects.filter(source_system=source, target="name").update(column="=姓名")
        ColumnMapping.objects.filter(source_system=source, target="source_key").update(column=MINUS)
        url = (
            f"/api/registry/source-systems/{code}/template" if api else f"/registry/imports/templates/{code}/"
        )
        downloads.append(Download(world.fixture(office), url, ("=姓名", MINUS)))
    return downloads


def audit_export(world: World, api: bool) -> list[Download]:
    imported_person(world)
    url = "/api/core/audit/export" if api else "/audit/export.xlsx"
    return [Download(world.fixture("nb_office"), url, (LINK,))]


def credential_list_errors(world: World, api: bool) -> list[Download]:
    from talentlink.credentials import imports

    def make() -> int:
        hr = make_user("zs-hr-x", Role.HR_REVIEWER, world.fixture("zhoushan"))
        path = world.tmp_path / "certificates.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "证书编号",
                    "姓名",
                    "公民身份号码",
                    "证书名称",
                    "发证日期",
                    "发证机关",
                    "有效期至",
                    "状态",
                    "撤销日期",
                ]
            )
            writer.writerow(["ZJ2021JS000123", LINK, GOOD_ROWS[0][2], SUM, "2021-06-30", AT, "", "有效", ""])
        with open(path, "rb") as handle:
            batch = imports.registry_list_import(
                access=Access.system(user=hr), upload=File(handle, name=path.name)
            )
        assert batch.status == "rejected"
        return batch.pk

    batch = world.once("credential_list", make)
    from talentlink.core.models import User as UserModel

    hr = UserModel.objects.get(username="zs-hr-x")
    url = (
        f"/api/credentials/registry/imports/{batch}/errors.xlsx"
        if api
        else f"/credentials/registry/{batch}/errors.xlsx"
    )
    return [Download(hr, url, (SUM, AT))]


def credential_statistics(world: World, api: bool) -> list[Download]:
    # Counts per month, city and kind of certificate: every text in it is the platform's own.
    return [Download(world.fixture("observer"), "/credentials/statistics.xlsx", ())]


def settlement(world: World, api: bool) -> list[Download]:
    """A provider and a benefit named with formulas (as an office may type them), used once."""
    from talentlink.benefits.models import Redemption, ServicePoint
    from talentlink.benefits.tests.conftest import make_benefit, make_provider

    def make() -> None:
        ningbo = world.fixture("ningbo")
        provider = make_provider(ningbo, LINK)
        benefit = make_benefit(provider, "nb-hostile", name=SUM, list_price=Decimal("30"))
        point = ServicePoint.objects.create(provider=provider, name=AT)
        Redemption.objects.create(
            client_id=uuid.uuid4(), benefit=benefit, service_point=point, holder_region=ningbo,
            scanned_at=timezone.make_aware(dt.datetime(2026, 4, 3, 10)), value=Decimal("30"),
        )  # fmt: skip

    world.once("settlement", make)
    url = "/api/benefits/settlement.xlsx?month=2026-04" if api else "/benefits/settlement.xlsx?month=2026-04"
    return [Download(world.fixture("nb_office"), url, (LINK, SUM))]


def insurance_errors(world: World, api: bool) -> list[Download]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make() -> int:
        text = f"公民身份号码,姓名,缴费起始年月,缴费截止年月\n{GOOD_ROWS[0][2]},{MINUS},2020-01,{PHONE}\n"
        upload = SimpleUploadedFile("nb.csv", text.encode("utf-8-sig"))
        answer = world.client(world.fixture("nb_office")).post(
            "/api/benefits/insurance/imports", {"file": upload}
        )
        assert answer.status_code == 400, answer.content
        body = answer.json()
        return int(body["rejected"]["id"] if "rejected" in body else body["id"])

    batch = world.once("insurance", make)
    prefix = "/api/benefits/insurance/imports" if api else "/benefits/insurance"
    return [Download(world.fixture("nb_office"), f"{prefix}/{batch}/errors.xlsx", (PHONE,))]


def expert_import_errors(world: World, api: bool) -> list[Download]:
    from talentlink.experts.models import ExpertImport

    def make() -> int:
        world.fixture("seeded")
        content = io.StringIO()
        csv.writer(content).writerows(
            [["专家编号", "姓名", "公民身份号码", "专业领域"], ["E1", LINK, GOOD_ROWS[0][2], AT]]
        )
        upload = io.BytesIO(content.getvalue().encode("utf-8-sig"))
        upload.name = "experts.csv"
        office = world.fixture("nb_office")
        answer = world.client(office).post(
            "/experts/imports/", {"region": world.fixture("ningbo").pk, "file": upload}
        )
        assert answer.status_code == 302
        return ExpertImport.objects.latest("pk").pk

    record = world.once("expert_import", make)
    return [Download(world.fixture("nb_office"), f"/experts/imports/{record}/errors.xlsx", (AT,))]


def review_panels(world: World, api: bool) -> list[Download]:
    """A round whose project an organiser titled with formulas, panels proposed through the API."""

    def make() -> tuple[User, int]:
        make_expert_ = world.fixture("make_expert")
        ningbo, zhoushan = world.fixture("ningbo"), world.fixture("zhoushan")
        for i in range(3):
            make_expert_(f"甬专家{i}", ningbo, ("绿色石化",), keywords="催化 炼油")
            make_expert_(f"舟专家{i}", zhoushan, ("绿色石化",), keywords="海洋 石化")
        organiser = make_user("nb-organiser-x", Role.REVIEW_ORGANISER, ningbo)
        client = world.client(organiser)
        deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        rnd = client.post("/api/experts/rounds", {"name": "评审", "deadline": deadline, "experts_per_project": 2,
                                                  "max_load": 1, "min_other_city": 1},
                          content_type="application/json").json()  # fmt: skip
        client.post(f"/api/experts/rounds/{rnd['id']}/projects",
                    {"title": LINK, "applicant_organisation": AT, "region": "330200",
                     "fields": ["green-petrochemical"], "summary": "炼油 催化"}, content_type="application/json")  # fmt: skip
        assert client.post(f"/api/experts/rounds/{rnd['id']}/propose").status_code == 200
        return organiser, rnd["id"]

    organiser, round_id = world.once("round", make)
    url = f"/api/experts/rounds/{round_id}/panels.xlsx" if api else f"/experts/rounds/{round_id}/panels.xlsx"
    return [Download(organiser, url, (LINK, AT))]


# Every export route → how to fill it with hostile text (False: the page, True: the API).
CASES: dict[str, tuple[Callable[[World, bool], list[Download]], bool]] = {
    "registry/imports/<int:batch_id>/errors.xlsx": (registry_errors, False),
    "api/registry/imports/<batch_id>/errors.xlsx": (registry_errors, True),
    "registry/imports/templates/<slug:source_code>/": (registry_templates, False),
    "api/registry/source-systems/<code>/template": (registry_templates, True),
    "audit/export.xlsx": (audit_export, False),
    "api/core/audit/export": (audit_export, True),
    "credentials/registry/<int:import_id>/errors.xlsx": (credential_list_errors, False),
    "api/credentials/registry/imports/<import_id>/errors.xlsx": (credential_list_errors, True),
    "credentials/statistics.xlsx": (credential_statistics, False),
    "benefits/settlement.xlsx": (settlement, False),
    "api/benefits/settlement.xlsx": (settlement, True),
    "benefits/insurance/<int:batch_id>/errors.xlsx": (insurance_errors, False),
    "api/benefits/insurance/imports/<batch_id>/errors.xlsx": (insurance_errors, True),
    "experts/imports/<int:import_id>/errors.xlsx": (expert_import_errors, False),
    "experts/rounds/<int:round_id>/panels.xlsx": (review_panels, False),
    "api/experts/rounds/<round_id>/panels.xlsx": (review_panels, True),
}


def test_every_export_of_the_url_configuration_has_a_case():
    missing = export_routes() - CASES.keys()
    assert not missing, f"exports without a case in {__name__}.CASES: {sorted(missing)}"
    assert not CASES.keys() - export_routes(), "cases of routes that are gone"


@pytest.mark.parametrize("route", sorted(CASES))
def test_no_cell_of_an_export_starts_a_formula(route, request, tmp_path, settings):
    settings.TALENTLINK_LINKAGE_AFTER_IMPORT = False
    case, api = CASES[route]
    downloads = case(World(request, tmp_path), api)
    for download in downloads:
        response = Client()
        response.force_login(download.user)
        answer = response.get(download.url)
        assert answer.status_code == 200, (download.url, answer.status_code)
        cells = list(cells_of(answer))
        formulas = [(where, value) for where, value, kind in cells if kind == "f"]
        starts = [
            (where, value)
            for where, value, _k in cells
            if isinstance(value, str) and value.startswith(FORMULA_STARTS)
        ]
        assert not formulas and not starts, (download.url, formulas, starts)
        texts = {value for _w, value, _k in cells if isinstance(value, str)}
        for hostile in download.hostile:  # the hostile text reached the export, quoted
            assert any(text.startswith("'" + hostile) for text in texts), (download.url, hostile)


# --- The one function every export uses --------------------------------------------------------------


@pytest.mark.parametrize("text", [LINK, SUM, MINUS, AT, "\tx", "\rx", "-", "=", "+86 138"])
def test_text_that_starts_a_formula_is_quoted(text):
    assert cell_value(text) == "'" + text
    assert csv_row([text, None]) == ["'" + text, ""]


@pytest.mark.parametrize(
    "value", [-3, -2.5, Decimal("-30.00"), 0, dt.date(2026, 4, 1), "张伟", "a=b", " =1", None]
)
def test_numbers_dates_and_ordinary_text_stay_as_they_are(value):
    assert cell_value(value) == value
    assert type(cell_value(value)) is type(value)


def test_characters_an_xlsx_cannot_hold_are_dropped_instead_of_failing_the_export():
    assert cell_value("张\x00伟\x1b") == "张伟"
    response = xlsx_response(
        filename="x.xlsx", sheet="x", headers=["a", "b"], rows=[["=1\x00+2", -5], ["#N/A", 1]]
    )
    cells = {where: (value, kind) for where, value, kind in cells_of(response)}
    assert cells["x!A2"] == ("'=1+2", "s") and cells["x!B2"] == (-5, "n") and cells["x!A3"] == ("#N/A", "s")
