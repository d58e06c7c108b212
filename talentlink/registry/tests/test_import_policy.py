"""A real city export loads: data-quality findings its source accepts are warnings, not rejections.

The defects are those of the cities' real exports: rows without an ID number, wrong check
characters, impossible birth dates and unknown regions in the number, ID numbers stored as
spreadsheet numbers, wrong phones and e-mail addresses, unreadable birth dates. Both seeded city
sources accept them (migration 0009); structural faults still reject the whole file.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from conftest import GOOD_ROWS, NINGBO_HEADER
from talentlink.core import crypto
from talentlink.core.models import User
from talentlink.registry import imports
from talentlink.registry.linkage import golden, normalise, runs
from talentlink.registry.models import ImportBatch, Person, RowError, SourceRecord, SourceSystem
from talentlink.registry.tests.test_imports import pipelined, run_import, warnings_of, zhoushan_xlsx

pytestmark = pytest.mark.django_db
__all__ = ["pipelined"]  # a fixture of test_imports, used here too

BAD_CHECKSUM = "330206199208152018"  # its check character is 9
BAD_BIRTH_DATE = "330203199002301234"  # 30 February
BAD_REGION = "990203199003074513"
LEGACY = "330203800102123"  # a valid 15-digit number of 1980-01-02
INVALID = (BAD_CHECKSUM, BAD_BIRTH_DATE, BAD_REGION)


@pytest.fixture(autouse=True)
def _import_only(settings):
    settings.TALENTLINK_LINKAGE_AFTER_IMPORT = False  # the linkage an import queues has its own tests


def defective_rows() -> list[list[str]]:
    """Three clean rows and one row of each defect a real Ningbo export has."""

    def row(key: str, name: str, id_number: str, sex: str, born: str, **other: str) -> list[str]:
        return [key, name, id_number, sex, born, other.get("phone", ""), other.get("email", ""),
                "宁波港集团有限公司", "", "04", "E", "大学本科", "", "港航物流", ""]  # fmt: skip

    return [
        *(list(r) for r in GOOD_ROWS),
        row("NB101", "王建国", "", "男", "1980-01-02"),
        row("NB102", "陈静", BAD_CHECKSUM, "女", "1992-08-15"),
        row("NB103", "周立新", LEGACY, "男", ""),
        row("NB104", "孙丽", BAD_BIRTH_DATE, "女", "1990-02-28"),
        row("NB105", "马超", "330204198807161235", "男", "", phone="1380574000"),
        row("NB106", "李娜", "330205199105050021", "女", "", email="li.na@qq"),
        row("NB107", "赵敏", "", "女", "1985-13-45"),
        row("NB108", "钱伟", BAD_REGION, "男", "1990-03-07"),
    ]


EXPECTED_WARNINGS = {
    (5, "公民身份号码", "", "id_number.empty"),
    (6, "公民身份号码", BAD_CHECKSUM, "id_number.checksum"),
    (8, "公民身份号码", BAD_BIRTH_DATE, "id_number.birth_date"),
    (9, "手机号码", "1380574000", "phone"),
    (10, "电子邮箱", "li.na@qq", "email"),
    (11, "公民身份号码", "", "id_number.empty"),
    (11, "出生日期", "1985-13-45", "date"),
    (12, "公民身份号码", BAD_REGION, "id_number.region"),
}


def upload_on_the_page(client, path, source="ningbo-talent-db"):
    """Upload on the imports page; the task runs as the upload commits (immediate backend)."""
    response = client.post("/registry/imports/", {
        "source_system": SourceSystem.objects.get(code=source).pk,
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def finding_rows(batch: ImportBatch, severity: str = "warning") -> set[tuple[int, str, str, str]]:
    return set(batch.errors.filter(severity=severity).values_list("row", "column", "value", "code"))


def test_a_real_export_with_the_usual_defects_loads_through_the_page_with_flags_and_warnings(
    nb_office, ningbo_csv, client_of, django_capture_on_commit_callbacks
):
    client = client_of(nb_office)
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload_on_the_page(client, ningbo_csv(defective_rows()))
    batch.refresh_from_db()
    assert (batch.status, batch.total_rows, batch.created_count) == ("succeeded", 11, 11)
    assert (batch.error_count, batch.warning_count, batch.flagged_count) == (0, 8, 7)
    assert finding_rows(batch) == EXPECTED_WARNINGS
    flags = dict(SourceRecord.objects.values_list("source_key", "quality_flags"))
    assert flags["NB001"] == [] and flags["NB103"] == []  # a valid legacy number is no finding
    assert flags["NB101"] == ["id_number_missing"] and flags["NB102"] == ["id_number_invalid"]
    assert flags["NB105"] == ["phone"] and flags["NB106"] == ["email"]
    assert flags["NB107"] == ["birth_date", "id_number_missing"]
    page = client.get(f"/registry/imports/{batch.pk}/").content.decode()
    assert 'id="warning-report"' in page and BAD_CHECKSUM in page and "1380574000" in page
    assert 'id="error-report"' not in page


def test_an_invalid_id_number_is_stored_encrypted_unverified_and_never_in_the_blind_index(
    nb_office, ningbo_csv
):
    run_import(nb_office, ningbo_csv(defective_rows()))
    record = SourceRecord.objects.select_related("person").get(source_key="NB102")
    assert crypto.id_number_open(record.id_number_encrypted) == BAD_CHECKSUM
    assert (record.id_number_index, record.id_number_masked) == ("", "?330206********2018")
    # The golden record takes ID numbers only from verified ones; the columns give birth date and sex.
    person = record.person
    assert (person.id_number_encrypted, person.id_number_index, person.id_number_masked) == ("", "", "")
    assert person.birth_date is not None
    assert (person.birth_date.isoformat(), person.sex) == ("1992-08-15", "F")
    indexes = {crypto.id_number_index(number) for number in INVALID}
    stored = set(SourceRecord.objects.values_list("id_number_index", flat=True))
    stored |= set(Person.objects.values_list("id_number_index", flat=True))
    assert not indexes & stored
    for indexed in SourceRecord.objects.exclude(id_number_index=""):
        number = crypto.id_number_open(indexed.id_number_encrypted)
        assert crypto.id_number_index(number) == indexed.id_number_index and number not in INVALID
    legacy = SourceRecord.objects.get(source_key="NB103")
    assert crypto.id_number_open(legacy.id_number_encrypted) == "330203198001021237"
    assert legacy.person.id_number_index == crypto.id_number_index("330203198001021237")


def test_linkage_reads_an_unverified_number_as_written_and_survivorship_keeps_it_off_the_person(
    nb_office, ningbo_csv
):
    run_import(nb_office, ningbo_csv(defective_rows()))
    record = SourceRecord.objects.get(source_key="NB104")
    raw = next(r for r in runs.records() if r.unique_id == record.pk)
    assert raw.id_number == BAD_BIRTH_DATE
    facts = normalise.id_number(raw.id_number)
    assert (facts.valid, facts.birth_date) == (False, None)  # birth date and sex only from valid numbers
    golden.refresh([record.person_id])
    person = Person.objects.get(pk=record.person_id)
    assert (person.id_number_index, person.id_number_masked) == ("", "")


def test_the_person_page_says_the_id_number_is_unverified(nb_office, ningbo_csv, client_of):
    run_import(nb_office, ningbo_csv(defective_rows()))
    client = client_of(nb_office)
    unverified = Person.objects.get(source_records__source_key="NB102")
    page = client.get(f"/registry/persons/{unverified.pk}/").content.decode()
    assert 'id="id-number-unverified"' in page and "?330206********2018" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    page = client.get(f"/registry/persons/{unverified.pk}/").content.decode()
    assert "ID number unverified" in page and "1 source record has an ID number that is not valid" in page
    assert "ID number invalid (unverified)" in page  # the record's flag
    verified = Person.objects.get(source_records__source_key="NB001")
    assert 'id="id-number-unverified"' not in client.get(f"/registry/persons/{verified.pk}/").content.decode()
    detail = client.get(f"/api/registry/persons/{unverified.pk}").json()
    record = detail["source_records"][0]
    assert (record["id_number_verified"], record["quality_flags"]) == (False, ["id_number_invalid"])


def test_the_report_lists_warnings_beside_errors_in_the_api_and_the_xlsx(nb_office, ningbo_csv, client_of):
    rows = defective_rows()
    rows[0][9] = "09"  # no such category: a structural fault
    batch = run_import(nb_office, ningbo_csv(rows))
    client = client_of(nb_office)
    found = client.get(f"/api/registry/imports/{batch.pk}/errors").json()
    assert [(f["severity"], f["row"], f["code"]) for f in found][:2] == [
        ("error", 2, "unknown_code"),
        ("warning", 5, "id_number.empty"),
    ]
    warnings = client.get(f"/api/registry/imports/{batch.pk}/errors", {"severity": "warning"}).json()
    assert {(w["row"], w["column"], w["value"], w["code"]) for w in warnings} == EXPECTED_WARNINGS
    response = client.get(f"/registry/imports/{batch.pk}/errors.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    errors, warned = (list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets)
    assert workbook.sheetnames == ["errors", "warnings"]
    assert [row[:4] for row in errors[1:]] == [(2, "人才类别", "09", "unknown_code")]
    assert {
        (row, column, value or "", code) for row, column, value, code, *_ in warned[1:]
    } == EXPECTED_WARNINGS
    assert all(row[5] for row in warned[1:])


def test_a_structural_fault_still_rejects_the_whole_file_and_commits_no_row(
    nb_office, ningbo_csv, client_of, django_capture_on_commit_callbacks
):
    rows = defective_rows()
    rows.append([*rows[4][:1], "重复", *rows[4][2:]])  # NB102 again: a repeated key
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload_on_the_page(client_of(nb_office), ningbo_csv(rows))
    batch.refresh_from_db()
    assert batch.status == "rejected" and (batch.error_count, batch.warning_count) == (1, 9)
    assert finding_rows(batch, "error") == {(13, "人才编号", "NB102", "duplicate_key")}
    assert not Person.objects.exists() and not SourceRecord.objects.exists()


def test_a_file_without_the_id_number_column_is_rejected_although_rows_may_lack_one(nb_office, tmp_path):
    path = tmp_path / "no-id.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([h for h in NINGBO_HEADER if h != "公民身份号码"])
        writer.writerow([c for i, c in enumerate(GOOD_ROWS[0]) if i != 2])
    batch = run_import(nb_office, path)
    assert batch.status == "rejected"
    assert finding_rows(batch, "error") == {(1, "公民身份号码", "", "missing_column")}


def test_where_the_source_rejects_a_finding_it_is_an_error_again(nb_office, ningbo_csv):
    SourceSystem.objects.filter(code="ningbo-talent-db").update(
        invalid_id_number="reject", invalid_phone="reject", id_number_required=True
    )
    batch = run_import(nb_office, ningbo_csv(defective_rows()))
    assert batch.status == "rejected"
    assert {code for _row, _column, _value, code in finding_rows(batch, "error")} == {
        "id_number.checksum", "id_number.birth_date", "id_number.region", "phone", "required",
    }  # fmt: skip
    assert {code for *_, code in finding_rows(batch)} == {"email", "date"}
    assert not SourceRecord.objects.exists()


def test_a_corrected_number_verifies_the_record_and_its_person(nb_office, ningbo_csv):
    run_import(nb_office, ningbo_csv(defective_rows()))
    rows = defective_rows()
    rows[4][2] = "330206199208152019"
    batch = run_import(nb_office, ningbo_csv(rows, name="ningbo-v2.csv"))
    assert (batch.updated_count, batch.flagged_count) == (1, 6)
    record = SourceRecord.objects.select_related("person").get(source_key="NB102")
    assert record.quality_flags == [] and record.id_number_masked == "330206********2019"
    assert record.person.id_number_index == crypto.id_number_index("330206199208152019")


def test_zhoushan_accepts_an_id_number_stored_as_an_xlsx_number_unverified(zs_office, tmp_path):
    path = zhoushan_xlsx(tmp_path, [["ZS-1", "王海", 330902198506151231, "1", "19850615", "", "", "", "",
                                     "高技能人才", "", "", "", "", ""]])  # fmt: skip
    batch = run_import(zs_office, path, source="zhoushan-talent-info")
    assert batch.status == "succeeded" and batch.flagged_count == 1
    assert {code for *_, code in warnings_of(batch)} == {"number_cell"}
    record = SourceRecord.objects.get()
    assert record.quality_flags == ["id_number_invalid"] and record.id_number_index == ""
    assert record.id_number_masked.startswith("?3309")


def test_flags_and_warnings_come_through_the_second_scanning_process(nb_office, ningbo_csv, pipelined):
    batch = run_import(nb_office, ningbo_csv(defective_rows()))
    assert (batch.status, batch.warning_count, batch.flagged_count) == ("succeeded", 8, 7)
    assert len(pipelined) == 1 and finding_rows(batch) == EXPECTED_WARNINGS
    assert SourceRecord.objects.get(source_key="NB102").quality_flags == ["id_number_invalid"]


def test_error_and_warning_counts_are_exact_beyond_what_is_stored(nb_office, ningbo_csv, monkeypatch):
    # Ten rows with an error and a warning each, two repeated keys; chunks of 4 leave a last
    # partial chunk of two rows whose findings are all beyond the stored three.
    rows = []
    for i in range(10):
        row = list(GOOD_ROWS[i % 3])
        row[0], row[9], row[5] = f"NB{i % 8:03d}", "09", "12345"
        rows.append(row)
    monkeypatch.setattr(imports, "MAX_STORED_ERRORS", 3)
    monkeypatch.setattr(imports, "CHUNK", 4)
    batch = run_import(nb_office, ningbo_csv(rows))
    assert (batch.status, batch.total_rows) == ("rejected", 10)
    assert (batch.error_count, batch.warning_count) == (12, 10)
    assert RowError.objects.filter(severity="error").count() == 3
    assert RowError.objects.filter(severity="warning").count() == 3


def test_the_registry_import_command_loads_a_defective_export_and_reports_its_warnings(nb_office, ningbo_csv):
    path = ningbo_csv(defective_rows())
    out = io.StringIO()
    call_command("registry_import", str(path), "--source", "ningbo-talent-db", "--dry-run", stdout=out)
    assert "11 rows, 0 errors, 8 warnings" in out.getvalue()
    assert f"warning: row 6 公民身份号码 '{BAD_CHECKSUM}'" in out.getvalue()
    assert not SourceRecord.objects.exists()
    out = io.StringIO()
    call_command("registry_import", str(path), "--source", "ningbo-talent-db", stdout=out)
    assert "succeeded, 11 rows, 11 new" in out.getvalue() and "8 warnings (7 rows flagged)" in out.getvalue()
    assert SourceRecord.objects.count() == 11
    bad = ningbo_csv([*defective_rows(), ["NB999", "", *GOOD_ROWS[0][2:]]], name="bad.csv")
    with pytest.raises(CommandError):
        call_command("registry_import", str(bad), "--source", "ningbo-talent-db", stdout=io.StringIO())
    assert SourceRecord.objects.count() == 11


# --- The template and the column descriptions ----------------------------------------------------


def test_the_import_page_describes_each_column_of_each_source_with_its_policy(nb_office, client_of):
    client = client_of(nb_office)
    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    page = client.get("/registry/imports/").content.decode()
    assert 'id="format-ningbo-talent-db"' in page and 'id="format-zhoushan-talent-info"' not in page
    assert all(f'<td class="mono">{column}</td>' in page for column in NINGBO_HEADER)
    assert "Rows without one are accepted, flagged and listed as a warning." in page
    assert "YYYY-MM-DD, YYYY/MM/DD" in page and '<span class="mono">01</span> = ' in page


def test_the_ningbo_csv_template_filled_in_below_its_description_row_imports(nb_office, client_of, tmp_path):
    response = client_of(nb_office).get("/registry/imports/templates/ningbo-talent-db/")
    assert response["Content-Disposition"] == 'attachment; filename="ningbo-talent-db-template.csv"'
    header, description = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == NINGBO_HEADER and len(description) == len(header)
    assert "01 = " in description[NINGBO_HEADER.index("人才类别")]
    path = tmp_path / "filled.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header, description, *GOOD_ROWS])
    batch = run_import(nb_office, path)
    assert (batch.status, batch.created_count) == ("succeeded", 3)
    assert SourceRecord.objects.get(source_key="NB001").row_number == 3  # the file's own numbering


def test_the_zhoushan_xlsx_template_describes_each_column_on_a_second_sheet_and_imports(
    zs_office, client_of, tmp_path
):
    response = client_of(zs_office).get("/registry/imports/templates/zhoushan-talent-info/")
    path = tmp_path / "zhoushan-template.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    workbook = load_workbook(path)
    data, guide = workbook.worksheets
    header = [cell.value for cell in data[1]]
    assert header[:3] == ["人员编码", "人员姓名", "证件号码"] and data["C2"].number_format == "@"
    described = {row[0]: row for row in guide.iter_rows(min_row=2, values_only=True)}
    assert set(described) == set(header) and "A类" in described["人才等级"][4]
    data.append(["ZS-1", "林静", "330902198506151231", "2", "", "", "", "", "", "专业技术人才", "E类", "21",
                 "", "", ""])  # fmt: skip
    workbook.save(path)
    batch = run_import(zs_office, path, source="zhoushan-talent-info")
    assert (batch.status, batch.created_count) == ("succeeded", 1), list(batch.errors.values())


def test_the_api_names_each_sources_accepted_findings_and_its_template(nb_office, client_of):
    client = client_of(nb_office)
    sources = {s["code"]: s for s in client.get("/api/registry/source-systems").json()}
    ningbo = sources["ningbo-talent-db"]
    assert ningbo["accepted_findings"] == [
        "birth_date", "email", "id_number_invalid", "id_number_missing", "phone",
    ]  # fmt: skip
    template = client.get(ningbo["template_url"])
    assert template.status_code == 200 and template.content.decode("utf-8-sig").startswith("人才编号,")


def test_the_policy_is_edited_in_the_admin(ningbo, client_of):
    admin = User.objects.create_superuser("root", "root@example.cn", "x")
    source = SourceSystem.objects.get(code="ningbo-talent-db")
    page = client_of(admin).get(f"/admin/registry/sourcesystem/{source.pk}/change/").content.decode()
    assert all(
        f'name="{name}"' in page for name in ("invalid_id_number", "invalid_phone", "id_number_required")
    )
