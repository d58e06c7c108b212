"""A city's export in the formats its staff really save: XLSX, and CSV from Excel on Chinese Windows
(GBK, UTF-16 "Unicode text"), through the importer as the talent office runs it."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import GOOD_ROWS, NINGBO_HEADER
from talentlink.registry.models import ImportBatch, Person, RowError, SourceRecord, SourceSystem
from talentlink.registry.tests import test_imports
from talentlink.registry.tests.test_imports import run_import, zhoushan_xlsx

pytestmark = pytest.mark.django_db
pipelined = test_imports.pipelined  # the fixture that scans every file in a second process


@pytest.fixture(autouse=True)
def _import_only(settings):
    settings.TALENTLINK_LINKAGE_AFTER_IMPORT = False


ZHOUSHAN_ROWS = [
    ["ZS-1", "王海", "330902850615123", "1", "19850615", "13905800001", "", "舟山远洋渔业有限公司", "",
     "高技能人才", "D类", "31", "高级技师", "现代渔业", dt.datetime(2019, 3, 1)],
    [],  # a blank line the clerk left in the sheet
    ["ZS-2", "林静", "", "2", "1990/02/03", 13905800002, "", "", "", "专业技术人才", "E类", "21", "",
     "海洋生物", dt.datetime(2020, 5, 6, 14, 30)],
]  # fmt: skip


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_a_zhoushan_xlsx_export_imports_with_excels_row_numbers(zs_office, tmp_path, settings, reader):
    settings.TALENTLINK_XLSX_READER = reader
    batch = run_import(zs_office, zhoushan_xlsx(tmp_path, ZHOUSHAN_ROWS), source="zhoushan-talent-info")
    assert (batch.status, batch.created_count) == ("succeeded", 2), list(batch.errors.values())
    records = dict(SourceRecord.objects.values_list("source_key", "row_number"))
    assert records == {"ZS-1": 2, "ZS-2": 4}
    lin = Person.objects.get(name="林静")
    assert (lin.birth_date, lin.phone) == (dt.date(1990, 2, 3), "13905800002")
    assert SourceRecord.objects.get(source_key="ZS-1").registered_on == dt.date(2019, 3, 1)


def test_a_row_error_in_an_xlsx_names_the_row_excel_shows(zs_office, tmp_path):
    rows = [*ZHOUSHAN_ROWS, [], ["ZS-3", "", "", "1", "19800101", "", "", "", "", "高技能人才"]]
    batch = run_import(zs_office, zhoushan_xlsx(tmp_path, rows), source="zhoushan-talent-info")
    assert batch.status == "rejected"
    assert (6, "人员姓名", "required") in set(RowError.objects.values_list("row", "column", "code"))
    assert not SourceRecord.objects.exists()


def test_a_large_xlsx_is_read_by_the_second_process_too(zs_office, tmp_path, pipelined):
    many = [[f"ZS-{i}", *ZHOUSHAN_ROWS[0][1:2], "", *ZHOUSHAN_ROWS[0][3:]] for i in range(300)]
    batch = run_import(zs_office, zhoushan_xlsx(tmp_path, many), source="zhoushan-talent-info")
    assert (batch.status, batch.created_count) == ("succeeded", 300)
    assert len(pipelined) == 1


def excel_text(rows: list[list[str]], delimiter: str = ",") -> str:
    return "".join(delimiter.join(row) + "\r\n" for row in [NINGBO_HEADER, *rows])


def test_a_gbk_csv_from_excel_imports_with_the_sources_default_setting(nb_office, tmp_path):
    assert SourceSystem.objects.get(code="ningbo-talent-db").encoding == "utf-8-sig"
    path = tmp_path / "宁波人才库.csv"
    path.write_bytes(excel_text(GOOD_ROWS).encode("gbk"))
    batch = run_import(nb_office, path)
    assert (batch.status, batch.created_count) == ("succeeded", 3), list(batch.errors.values())
    assert set(Person.objects.values_list("name", flat=True)) == {"张伟", "欧阳明", "李海燕"}
    assert SourceRecord.objects.get(source_key="NB001").employer_name == "宁波海天石化有限公司"


def test_a_gbk_csv_is_read_by_the_second_process_too(nb_office, tmp_path, pipelined):
    path = tmp_path / "宁波人才库.csv"
    path.write_bytes(excel_text(GOOD_ROWS).encode("gbk"))
    batch = run_import(nb_office, path)
    assert (batch.status, batch.created_count) == ("succeeded", 3)
    assert len(pipelined) == 1


def test_a_utf16_unicode_text_export_imports_tab_separated(nb_office, tmp_path):
    # Excel names it .txt; a CSV source takes it once renamed to .csv.
    path = tmp_path / "宁波人才库.csv"
    path.write_bytes("\ufeff".encode("utf-16-le") + excel_text(GOOD_ROWS, "\t").encode("utf-16-le"))
    batch = run_import(nb_office, path)
    assert (batch.status, batch.created_count) == ("succeeded", 3), list(batch.errors.values())
    assert Person.objects.filter(name="欧阳明").exists()


def test_a_source_set_to_gb18030_reads_its_files_by_that_setting(nb_office, tmp_path):
    SourceSystem.objects.filter(code="ningbo-talent-db").update(encoding="gb18030")
    rows = [[*GOOD_ROWS[0][:1], "𠮷伟", *GOOD_ROWS[0][2:]]]  # 𠮷 exists in GB18030 only
    path = tmp_path / "宁波人才库.csv"
    path.write_bytes(excel_text(rows).encode("gb18030"))
    batch = run_import(nb_office, path)
    assert batch.status == "succeeded", list(batch.errors.values())
    assert Person.objects.get().name == "𠮷伟"


def test_a_binary_file_uploaded_as_csv_is_rejected_and_writes_nothing(nb_office, tmp_path):
    path = tmp_path / "scan.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    batch = run_import(nb_office, path)
    assert (batch.status, RowError.objects.get().code) == (ImportBatch.Status.REJECTED, "unreadable")
    assert not Person.objects.exists()
