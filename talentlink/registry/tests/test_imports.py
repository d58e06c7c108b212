from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from openpyxl import Workbook

from conftest import GOOD_ROWS, upload
from talentlink.core import crypto
from talentlink.core.audit import Access
from talentlink.core.errors import NotAllowed
from talentlink.registry import imports, services
from talentlink.registry.models import ImportBatch, Person, RowError, SourceRecord, SourceSystem
from talentlink.registry.parsing import RowParser

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _import_only(settings):
    # The linkage an import queues has its own tests.
    settings.TALENTLINK_LINKAGE_AFTER_IMPORT = False


@pytest.fixture
def pipelined(monkeypatch):
    """Scan every file in a second process, however small; the list of those processes."""
    processes = []
    original = imports._received

    def watched(stream, process):
        processes.append(process)
        return original(stream, process)

    monkeypatch.setattr(imports, "PIPELINE_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "_received", watched)
    return processes


def run_import(user, path, source="ningbo-talent-db") -> ImportBatch:
    system = SourceSystem.objects.get(code=source)
    batch = services.import_submit(access=Access.system(user=user), source_system=system, upload=upload(path),
                                   enqueue=False)  # fmt: skip
    if batch.status == ImportBatch.Status.QUEUED:
        batch = services.import_run_now(batch_id=batch.pk)
    return batch


def errors_of(batch: ImportBatch) -> set[tuple[int, str, str]]:
    return set(batch.errors.filter(severity="error").values_list("row", "column", "code"))


def warnings_of(batch: ImportBatch) -> set[tuple[int, str, str]]:
    return set(batch.errors.filter(severity="warning").values_list("row", "column", "code"))


def test_a_good_file_creates_source_records_and_persons_with_provenance(nb_office, ningbo_csv):
    batch = run_import(nb_office, ningbo_csv())
    assert (batch.status, batch.total_rows, batch.created_count) == ("succeeded", 3, 3)
    record = SourceRecord.objects.select_related("person").get(source_key="NB001")
    assert (record.batch, record.row_number) == (batch, 2)
    person = record.person
    assert (person.name, person.sex, person.birth_date) == ("张伟", "M", dt.date(1990, 3, 7))
    assert person.category is not None and person.tier is not None
    assert person.category.code == "professional_technical" and person.tier.code == "C"
    assert person.education == "doctorate" and person.home_region.code == "330200"
    assert person.id_number_masked == "330203********4513"


def test_names_and_x_check_characters_are_normalised(nb_office, ningbo_csv):
    run_import(nb_office, ningbo_csv())
    person = Person.objects.get(source_records__source_key="NB003")
    assert person.name == "李海燕"
    assert crypto.id_number_open(person.id_number_encrypted) == "33020519780515106X"


def test_id_numbers_are_encrypted_at_rest_and_found_by_blind_index(nb_office, ningbo_csv):
    run_import(nb_office, ningbo_csv())
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_encrypted FROM registry_person")
        stored = [row[0] for row in cursor.fetchall()]
    assert all("330203199003074513" not in value for value in stored)
    found = Person.objects.get(id_number_index=crypto.id_number_index("330203199003074513"))
    assert found.name == "张伟"


def bad_rows() -> list[list[str]]:
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][2] = "330203199003074512"  # wrong check digit
    rows[1][9] = "09"  # no such category
    rows[1][4] = "1985-13-45"  # no such date
    rows[2][8] = "91330200144069621A"  # wrong credit-code check character
    rows[2][1] = ""  # missing name
    rows.append(
        [
            "NB001",
            "王芳",
            "330212198511230027",
            "女",
            "",
            "12345",
            "not-mail",
            "",
            "",
            "03",
            "Z",
            "",
            "",
            "",
            "",
        ]
    )
    return rows


def test_a_file_with_errors_is_rejected_whole_with_a_row_level_report(nb_office, ningbo_csv):
    batch = run_import(nb_office, ningbo_csv(bad_rows()))
    assert batch.status == "rejected"
    assert errors_of(batch) == {
        (3, "人才类别", "unknown_code"),
        (4, "统一社会信用代码", "credit_code.checksum"),
        (4, "姓名", "required"),
        (5, "人才层次", "unknown_code"),
        (5, "人才编号", "duplicate_key"),
    }
    # Findings Ningbo accepts (migration 0009) are in the report too, as warnings.
    assert warnings_of(batch) == {
        (2, "公民身份号码", "id_number.checksum"),
        (3, "出生日期", "date"),
        (5, "手机号码", "phone"),
        (5, "电子邮箱", "email"),
    }
    assert (batch.error_count, batch.warning_count) == (5, 4)
    assert not Person.objects.exists() and not SourceRecord.objects.exists()


def test_the_error_report_gives_reasons_in_chinese_and_english(nb_office, ningbo_csv, client_of):
    batch = run_import(nb_office, ningbo_csv(bad_rows()))
    rows = client_of(nb_office).get(f"/api/registry/imports/{batch.pk}/errors").json()
    checksum = next(r for r in rows if r["code"] == "id_number.checksum")
    assert checksum["severity"] == "warning"
    assert checksum["message_zh"] == "身份证号码的校验码错误。"
    assert checksum["message_en"] == "The check character of the ID number is wrong."
    duplicate = next(r for r in rows if r["code"] == "duplicate_key")
    assert "2" in duplicate["message_en"]


def test_reimporting_the_same_file_is_a_no_op(nb_office, ningbo_csv):
    path = ningbo_csv()
    run_import(nb_office, path)
    again = run_import(nb_office, path)
    assert again.status == ImportBatch.Status.DUPLICATE
    assert Person.objects.count() == 3


def test_a_corrected_file_updates_the_same_source_records(nb_office, ningbo_csv):
    run_import(nb_office, ningbo_csv())
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][7] = "宁波甬江实验室"
    batch = run_import(nb_office, ningbo_csv(rows, name="ningbo-v2.csv"))
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 1, 2)
    assert Person.objects.count() == 3
    assert Person.objects.get(source_records__source_key="NB001").employer_name == "宁波甬江实验室"


def test_a_file_that_fails_half_way_leaves_nothing(nb_office, ningbo_csv, monkeypatch):
    original = imports._Writer.write
    calls = []

    def failing(self, rows):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(self, rows)

    monkeypatch.setattr(imports, "CHUNK", 1)
    monkeypatch.setattr(imports._Writer, "write", failing)
    with pytest.raises(OSError):
        run_import(nb_office, ningbo_csv())
    assert not Person.objects.exists() and not SourceRecord.objects.exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED


def test_a_file_without_the_required_columns_is_rejected(nb_office, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("编号,名字\nNB1,张三\n", encoding="utf-8")
    batch = run_import(nb_office, path)
    assert batch.status == "rejected"
    assert {"missing_column"} == {e.code for e in batch.errors.all()}


# Neither UTF-8 nor GB18030 (nor UTF-16): the bytes 0x80 and 0xFF begin no character of either.
NO_KNOWN_ENCODING = b"\xe4\xba\xba\x80\x80,\xff\xff\nNB1,\x80\xff\n"


def test_a_file_in_no_known_encoding_is_rejected(nb_office, tmp_path):
    path = tmp_path / "garbled.csv"
    path.write_bytes(NO_KNOWN_ENCODING)
    batch = run_import(nb_office, path)
    assert batch.status == "rejected"
    assert RowError.objects.get().code == "unreadable"


def test_an_empty_file_is_rejected(nb_office, ningbo_csv):
    batch = run_import(nb_office, ningbo_csv([]))
    assert batch.status == "rejected" and RowError.objects.get().code == "empty_file"


def test_another_citys_office_cannot_import_into_ningbo(zs_office, ningbo_csv):
    with pytest.raises(NotAllowed):
        run_import(zs_office, ningbo_csv())


def zhoushan_xlsx(tmp_path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["人员编码", "人员姓名", "证件号码", "性别代码", "出生年月", "联系电话", "邮箱", "单位名称",
                  "单位信用代码", "人才分类", "人才等级", "学历代码", "职称名称", "产业领域", "登记日期"])  # fmt: skip
    for row in rows:
        sheet.append(row)
    path = tmp_path / "zhoushan.xlsx"
    workbook.save(path)
    return path


def test_zhoushan_xlsx_uses_its_own_columns_codes_and_legacy_numbers(zs_office, tmp_path):
    path = zhoushan_xlsx(tmp_path, [
        ["ZS-1", "王海", "330902850615123", "1", "19850615", "13905800001", "", "舟山远洋渔业有限公司", "",
         "高技能人才", "D类", "31", "高级技师", "现代渔业", "20190301"],
        ["ZS-2", "林静", "", "2", "1990/02/03", "", "", "", "", "专业技术人才", "E类", "21", "", "海洋生物",
         dt.datetime(2020, 5, 6)],
    ])  # fmt: skip
    batch = run_import(zs_office, path, source="zhoushan-talent-info")
    assert batch.status == "succeeded", list(batch.errors.values())
    legacy = Person.objects.get(name="王海")
    assert crypto.id_number_open(legacy.id_number_encrypted) == "330902198506151231"
    assert legacy.category is not None and legacy.tier is not None
    assert (legacy.category.code, legacy.tier.code, legacy.education) == ("high_skilled", "D", "associate")
    without_id = Person.objects.get(name="林静")
    assert without_id.id_number_masked == "" and without_id.birth_date == dt.date(1990, 2, 3)


def test_an_id_number_stored_as_an_xlsx_number_is_refused_where_its_source_says_so(zs_office, tmp_path):
    SourceSystem.objects.filter(code="zhoushan-talent-info").update(invalid_id_number="reject")
    path = zhoushan_xlsx(tmp_path, [["ZS-1", "王海", 330902198506151231, "1", "", "", "", "", "",
                                     "高技能人才", "", "", "", "", ""]])  # fmt: skip
    batch = run_import(zs_office, path, source="zhoushan-talent-info")
    assert batch.status == "rejected" and RowError.objects.get().code == "number_cell"


def many_rows(count: int) -> list[list[str]]:
    return [[f"NB{i:05d}", *GOOD_ROWS[i % 3][1:]] for i in range(count)]


def test_the_parser_cleans_names_phones_and_codes_of_a_row(ningbo):
    parser = RowParser(SourceSystem.objects.get(code="ningbo-talent-db"))
    from conftest import NINGBO_HEADER

    assert parser.bind_header(["\ufeff" + NINGBO_HEADER[0], *NINGBO_HEADER[1:]]) == []
    cells = list(GOOD_ROWS[0])
    cells[1], cells[5], cells[10] = "阿依古丽•买买提", "+86 138-0574-0001", "Z"
    row, errors = parser.parse(2, cells)
    assert row is None and [(e.column, e.code) for e in errors] == [("人才层次", "unknown_code")]
    cells[10] = "C"
    row, errors = parser.parse(2, cells)
    assert errors == [] and row is not None
    assert (row.name, row.phone, row.sex, row.education) == (
        "阿依古丽·买买提",
        "13805740001",
        "M",
        "doctorate",
    )


def test_a_large_file_is_scanned_in_a_second_process_with_the_same_outcome(nb_office, ningbo_csv, pipelined):
    batch = run_import(nb_office, ningbo_csv())
    assert (batch.status, batch.total_rows, batch.created_count) == ("succeeded", 3, 3)
    person = Person.objects.get(source_records__source_key="NB003")
    assert person.name == "李海燕" and person.birth_date == dt.date(1978, 5, 15)
    assert crypto.id_number_open(person.id_number_encrypted) == "33020519780515106X"
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][7] = "宁波甬江实验室"
    again = run_import(nb_office, ningbo_csv(rows, name="ningbo-v2.csv"))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 1, 2)
    assert len(pipelined) == 2 and all(process.returncode == 0 for process in pipelined)


def test_the_second_process_reports_the_same_row_errors(nb_office, ningbo_csv, pipelined):
    batch = run_import(nb_office, ningbo_csv(bad_rows()))
    assert batch.status == "rejected" and (batch.error_count, batch.warning_count) == (5, 4)
    assert (5, "人才编号", "duplicate_key") in errors_of(batch) and len(pipelined) == 1
    assert not Person.objects.exists() and not SourceRecord.objects.exists()


def test_an_error_found_after_rows_were_written_leaves_nothing(nb_office, ningbo_csv, pipelined, monkeypatch):
    rows = many_rows(30)
    rows[-1][9] = "09"  # no such category in the last row
    written = []
    original = imports._Writer.write

    def counting(self, chunk):
        written.append(len(chunk))
        return original(self, chunk)

    monkeypatch.setattr(imports, "CHUNK", 4)
    monkeypatch.setattr(imports._Writer, "write", counting)
    batch = run_import(nb_office, ningbo_csv(rows))
    assert sum(written) == 28 and len(pipelined) == 1  # seven chunks were written before the error came
    assert batch.status == "rejected" and errors_of(batch) == {(31, "人才类别", "unknown_code")}
    assert not Person.objects.exists() and not SourceRecord.objects.exists()


def test_a_crash_of_the_scanning_process_fails_the_import_and_leaves_nothing(
    nb_office, ningbo_csv, pipelined, monkeypatch
):
    original = imports._received

    def killed_after_the_first_chunk(stream, process):
        for n, message in enumerate(original(stream, process)):
            yield message
            if n == 0:  # the writer has written the first chunk
                process.kill()

    # More chunks than the pipe holds, so that the killed process leaves some unsent.
    monkeypatch.setattr(imports, "CHUNK", 50)
    monkeypatch.setattr(imports, "_received", killed_after_the_first_chunk)
    with pytest.raises(imports.ScanFailed, match="scanning process stopped"):
        run_import(nb_office, ningbo_csv(many_rows(20_000)))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and "ScanFailed" in batch.message
    assert not Person.objects.exists() and not SourceRecord.objects.exists()
    assert pipelined[0].poll() is not None


def test_a_failing_writer_stops_the_scanning_process(nb_office, ningbo_csv, pipelined, monkeypatch):
    def failing(self, rows):
        raise OSError("disk full")

    monkeypatch.setattr(imports._Writer, "write", failing)
    with pytest.raises(OSError):
        run_import(nb_office, ningbo_csv(many_rows(3000)))
    assert pipelined[0].poll() is not None  # killed, not left scanning
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED


def test_an_unreadable_file_is_rejected_by_the_second_process(nb_office, tmp_path, pipelined):
    path = tmp_path / "garbled.csv"
    path.write_bytes(NO_KNOWN_ENCODING)
    batch = run_import(nb_office, path)
    assert batch.status == "rejected" and RowError.objects.get().code == "unreadable"
    assert len(pipelined) == 1


@pytest.mark.usefixtures("seeded_catalogues")
def test_an_import_outside_a_transaction_leaves_consistent_keys_and_settings_as_they_were(
    nb_office, ningbo_csv
):
    # Outside a caller's transaction the import writes with SQLite's foreign key checks off.
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            cache_size = cursor.execute("PRAGMA cache_size").fetchone()
    run_import(nb_office, ningbo_csv())
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][9] = "05"
    batch = run_import(nb_office, ningbo_csv(rows, name="ningbo-v2.csv"))
    assert (batch.created_count, batch.updated_count) == (0, 1)
    if sqlite:
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA foreign_keys").fetchone() == (1,)
            assert cursor.execute("PRAGMA cache_size").fetchone() == cache_size
            assert cursor.execute("PRAGMA foreign_key_check").fetchall() == []
    assert Person.objects.filter(source_records__isnull=False).distinct().count() == 3
