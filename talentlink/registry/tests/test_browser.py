"""In a real browser: Ningbo's talent office imports its export and finds a person.

Playwright drives Debian's chromium (never a downloaded browser) against
pytest-django's live server. The conftest runs tasks with the ImmediateBackend,
so an upload is imported as soon as the upload request's transaction commits.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from openpyxl import load_workbook
from playwright.sync_api import Page, Response, expect

from conftest import GOOD_ROWS, log_in
from talentlink.core.models import User
from talentlink.core.tabular import ERROR_REPORT_HEADERS
from talentlink.registry.models import ImportBatch, Person, SourceRecord

# The live server sees only committed data, so the test runs outside a transaction.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NINGBO_SOURCE = "宁波市人才数据库导出"
SCREENSHOTS = Path("/tmp")

# One mistake per row; the report numbers rows as the file does (header = row 1).
BAD_ID_NUMBER = "330203199003074512"  # check character should be 3
BAD_CATEGORY = "09"  # Ningbo's codes are 01–06
BAD_DATE = "2020-13-45"
BAD_CREDIT_CODE = "91330200144069621J"  # check character should be H
EXPECTED_ERRORS = [
    (3, "人才类别", BAD_CATEGORY, "unknown_code"),
    (5, "统一社会信用代码", BAD_CREDIT_CODE, "credit_code.checksum"),
]
# Findings Ningbo's source accepts (registry migration 0009): reported, but alone they reject nothing.
EXPECTED_WARNINGS = [
    (2, "公民身份号码", BAD_ID_NUMBER, "id_number.checksum"),
    (4, "出生日期", BAD_DATE, "date"),
]


def rows_with_errors() -> list[list[str]]:
    """GOOD_ROWS with one mistake in each, plus a fourth row with a bad credit code."""
    zhang, ouyang, li = (list(row) for row in GOOD_ROWS)
    zhang[2] = BAD_ID_NUMBER
    ouyang[9] = BAD_CATEGORY
    li[4] = BAD_DATE
    wang = ["NB004", "王芳", "330206199208152019", "女", "1992-08-15", "", "",
            "宁波港集团", BAD_CREDIT_CODE, "04", "E", "大学本科", "", "港航物流", ""]  # fmt: skip
    return [zhang, ouyang, li, wang]


# Data migrations that seed the regions, catalogues and source systems.
SEED_MIGRATIONS = [
    "talentlink.core.migrations.0002_seed_regions",
    "talentlink.registry.migrations.0002_seed_catalogues",
    "talentlink.registry.migrations.0009_import_quality_policy",
]


@pytest.fixture(autouse=True)
def _seeded_catalogues(transactional_db) -> None:
    """Put back what the data migrations seed, should an earlier transactional test have flushed it.

    (serialized_rollback=True would do this too, but its restore fails on the unique content
    types whenever a transactional test without it ran first and post_migrate re-created them.)
    The seeds use update_or_create, so on a fresh database this changes nothing.
    """
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


# --- Steps ----------------------------------------------------------------------


def upload_export(page: Page, path: Path) -> None:
    """Upload a Ningbo export on the imports page and land on its import page."""
    page.goto("/registry/imports/")
    page.select_option("select[name=source_system]", label=NINGBO_SOURCE)
    page.set_input_files("input[name=file]", path)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/registry/imports/\d+/$"))
    page.wait_for_load_state()
    # The ImmediateBackend imports the file as the upload request commits, so the
    # page the browser is sent to already shows the outcome, not the progress bar.
    assert page.locator("#progress").count() == 0, "the import is still queued or running"


def expect_import_status(page: Page, status: str) -> None:
    # #import-status is shown only once the import has finished; its class is the status code,
    # which does not depend on the translations of the status labels.
    expect(page.locator("#import-status")).to_have_class(re.compile(rf"\bstatus {status}\b"))


def download_error_report(page: Page, tmp_path: Path) -> Path:
    with page.expect_download() as download_info:
        page.click("a[href$='errors.xlsx']")
    download = download_info.value
    assert download.suggested_filename.endswith("-errors.xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return target


def xlsx_rows(path: Path, sheet: int = 0) -> list[tuple]:
    workbook = load_workbook(path, read_only=True)
    try:
        return list(workbook.worksheets[sheet].iter_rows(values_only=True))
    finally:
        workbook.close()


def table_cells(page: Page, table: str) -> list[list[str]]:
    """The text of each data cell of a table, row by row (the heading row left out)."""
    lines = page.locator(f"{table} tr").all()[1:]
    return [[cell.strip() for cell in line.locator("td").all_inner_texts()] for line in lines]


def is_htmx_search(response: Response) -> bool:
    request = response.request
    return "/registry/persons/?" in request.url and request.headers.get("hx-request") == "true"


def switch_language(page: Page, code: str) -> None:
    with page.expect_navigation():
        page.click(f"header form.lang button[name=language][value={code}]")


# --- The test ---------------------------------------------------------------------


def test_ningbo_staff_fix_a_rejected_export_and_then_find_the_person(
    page: Page, nb_office: User, ningbo_csv: Callable[..., Path], tmp_path: Path
) -> None:
    log_in(page, nb_office)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # A file with a mistake in each of four rows is rejected whole, with a report of its errors
    # and of the findings its source would have accepted (warnings).
    bad_file = ningbo_csv(rows_with_errors(), name="ningbo-with-errors.csv")
    upload_export(page, bad_file)
    expect_import_status(page, "rejected")
    # Columns: row, column, value, reason.
    for table, expected in (("#error-report", EXPECTED_ERRORS), ("#warning-report", EXPECTED_WARNINGS)):
        report_lines = table_cells(page, table)
        assert [(int(row), column, value) for row, column, value, _ in report_lines] == [
            (row, column, value) for row, column, value, _ in expected
        ]
        assert all(reason for *_, reason in report_lines), "every finding says why"
    page.screenshot(path=SCREENSHOTS / "browser-error-report.png", full_page=True)

    report_file = download_error_report(page, tmp_path)
    for sheet, expected in ((0, EXPECTED_ERRORS), (1, EXPECTED_WARNINGS)):
        report = xlsx_rows(report_file, sheet)
        assert report[0] == ERROR_REPORT_HEADERS
        assert [row[:4] for row in report[1:]] == expected
        assert all(row[4] and row[5] for row in report[1:]), "every finding, in Chinese and English"

    assert Person.objects.count() == 0
    assert SourceRecord.objects.count() == 0

    # The corrected file goes in: three new persons.
    good_file = ningbo_csv(name="ningbo.csv")
    upload_export(page, good_file)
    expect_import_status(page, "succeeded")
    batch = ImportBatch.objects.get(original_name="ningbo.csv")
    assert (batch.status, batch.created_count, batch.error_count) == (ImportBatch.Status.SUCCEEDED, 3, 0)
    assert Person.objects.count() == 3

    # Typing a name refreshes the results in place (htmx), without a page load.
    page.goto("/registry/persons/")
    results = page.locator("#results")
    expect(results).to_contain_text("欧阳明")
    with page.expect_response(is_htmx_search) as search:
        page.fill("input[name=q]", "张伟")
    assert search.value.ok
    expect(results).not_to_contain_text("欧阳明")
    expect(results).to_contain_text("张伟")
    expect(page).to_have_url(re.compile(r"[?&]q=(%E5%BC%A0%E4%BC%9F|张伟)"))  # hx-push-url

    results.get_by_role("link", name="张伟").click()
    expect(page.locator("h1")).to_contain_text("张伟")
    expect(page.locator("#id-number")).to_have_text("330203********4513")
    # Columns: city, source, record key, file, row, name, ID number, data-quality flags, last changed.
    [record] = table_cells(page, "#source-records")
    assert (record[1], record[2], record[3], record[4]) == (NINGBO_SOURCE, "NB001", "ningbo.csv", "2")
    page.screenshot(path=SCREENSHOTS / "browser-person.png", full_page=True)

    # The header's language buttons switch the whole page to English.
    switch_language(page, "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#source-records")).to_contain_text("ningbo.csv")
    expect(page.locator("#id-number")).to_have_text("330203********4513")
    page.screenshot(path=SCREENSHOTS / "browser-person-en.png", full_page=True)
