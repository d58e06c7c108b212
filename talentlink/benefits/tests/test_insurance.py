from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from talentlink.benefits.imports import TEMPLATE_HEADERS, import_error_rows, insurance_import, parse_month
from talentlink.benefits.models import InsuranceImport, InsuranceRecord
from talentlink.benefits.selectors import insurance_months, person_insurance_years
from talentlink.benefits.tests.conftest import OUYANG_ID, ZHANG_ID
from talentlink.core.audit import Access
from talentlink.core.errors import NotAllowed
from talentlink.core.models import AuditEvent

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


def csv_upload(tmp_path: Path, rows: list[list[str]], name: str = "records.csv") -> SimpleUploadedFile:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(TEMPLATE_HEADERS)
        writer.writerows(rows)
    return SimpleUploadedFile(name, path.read_bytes())


def xlsx_upload(tmp_path: Path, rows: list[list[str]]) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(TEMPLATE_HEADERS)
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / "records.xlsx"
    workbook.save(path)
    return SimpleUploadedFile("records.xlsx", path.read_bytes())


def run(user, region, upload):
    return insurance_import(
        access=Access(user=user, channel="page"), region=region, upload=upload, today=TODAY
    )


GOOD = [
    [ZHANG_ID, "张伟", "2015-07", "2019-12", "宁波海天石化有限公司"],
    [ZHANG_ID, "张伟", "202201", "2026-06", "宁波海天石化有限公司"],
    [OUYANG_ID, "欧阳 明", "2019/3", "2023年8月", ""],
]


def test_months_are_read_in_the_ways_the_agencies_write_them():
    assert {parse_month(t) for t in ("2021-07", "202107", "2021/7", "2021年7月", "2021-07-01")} == {
        dt.date(2021, 7, 1)
    }
    assert parse_month("2021-13") is None and parse_month("July") is None


def test_a_good_file_is_imported_and_combined_years_count_a_month_once(
    tmp_path, nb_office, zs_office, ningbo, zhoushan, zhang, ouyang
):
    batch = run(nb_office, ningbo, csv_upload(tmp_path, GOOD))
    assert (batch.status, batch.total_rows, batch.persons) == ("succeeded", 3, 2)
    assert person_insurance_years(person_id=zhang.pk) == Decimal("9.00")  # 54 + 54 months
    # Zhoushan delivers an overlapping span: months paid in both cities count once.
    run(zs_office, zhoushan, xlsx_upload(tmp_path, [[ZHANG_ID, "张伟", "2019-01", "2021-12", "舟山港务"]]))
    summary = insurance_months(person_id=zhang.pk)
    assert summary["per_region"] == {"宁波市": 108, "舟山市": 36}
    assert summary["combined"] == 108 + 24  # 2019 was paid in both cities
    assert person_insurance_years(person_id=zhang.pk) == Decimal("11.00")


def test_the_same_file_twice_changes_nothing(tmp_path, nb_office, ningbo, zhang, ouyang):
    run(nb_office, ningbo, csv_upload(tmp_path, GOOD))
    run(nb_office, ningbo, csv_upload(tmp_path, GOOD))
    assert InsuranceRecord.objects.count() == 3


def test_a_bad_file_is_rejected_whole_with_a_bilingual_report_and_changes_nothing(
    tmp_path, nb_office, ningbo, zhang, ouyang
):
    run(nb_office, ningbo, csv_upload(tmp_path, GOOD))
    before = list(InsuranceRecord.objects.values_list("pk", flat=True))
    bad = [
        [ZHANG_ID, "张伟", "2015-07", "2014-12", ""],  # ends before it starts
        ["330203199003074512", "张伟", "2015-07", "2016-01", ""],  # wrong check character
        ["110101199003078515", "赵六", "2015-07", "2016-01", ""],  # nobody on record
        [OUYANG_ID, "欧阳红", "2015-07", "2016-13", ""],  # other name, no such month
        [OUYANG_ID, "欧阳明", "2027-01", "2027-02", ""],  # future
    ]
    batch = run(nb_office, ningbo, csv_upload(tmp_path, GOOD[:1] + bad, name="bad.csv"))
    assert batch.status == "rejected"
    report = list(import_error_rows(batch=batch))
    assert [(row, code) for row, _c, _v, code, *_ in report] == [
        (3, "insurance.month_order"), (4, "id_number.checksum"), (5, "insurance.unknown_person"), (6, "insurance.name_mismatch"),
        (6, "insurance.month"), (7, "insurance.month_future"), (7, "insurance.month_future"),
    ]  # fmt: skip
    assert all(zh and en and zh != en for *_, zh, en in report), [r for r in report if r[4] == r[5]]
    assert "330203********4512" in [value for _r, _c, value, *_ in report]  # never the whole number
    assert list(InsuranceRecord.objects.values_list("pk", flat=True)) == before


def test_overlapping_spans_of_one_person_in_one_file_are_an_error(tmp_path, nb_office, ningbo, zhang):
    batch = run(
        nb_office, ningbo, csv_upload(tmp_path, [GOOD[0], [ZHANG_ID, "张伟", "2019-01", "2020-01", ""]])
    )
    assert batch.status == "rejected" and batch.errors[0][3] == "insurance.overlap"


def test_an_unreadable_file_is_rejected(tmp_path, nb_office, ningbo):
    batch = run(nb_office, ningbo, SimpleUploadedFile("records.xlsx", b"not a workbook"))
    assert batch.status == "rejected" and batch.errors[0][3] == "unreadable"
    assert InsuranceImport.objects.count() == 1 and InsuranceRecord.objects.count() == 0


def test_only_the_citys_own_office_imports_its_records(tmp_path, zs_office, ningbo, zhang):
    with pytest.raises(NotAllowed):
        run(zs_office, ningbo, csv_upload(tmp_path, GOOD[:1]))
    assert not InsuranceImport.objects.exists()


def test_every_import_is_audited(tmp_path, nb_office, ningbo, zhang):
    run(nb_office, ningbo, csv_upload(tmp_path, GOOD[:1]))
    assert AuditEvent.objects.filter(object_type="benefits.insuranceimport", action="create").exists()
