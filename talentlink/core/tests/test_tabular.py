"""Reading the files people deliver: the encodings Excel writes on Chinese Windows, and XLSX."""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from talentlink.core.tabular import (
    Column,
    FileRejected,
    TableRejected,
    read_csv,
    read_table,
    read_xlsx,
    table_import,
    text_encoding,
)

HEADER = ["人才编号", "姓名", "工作单位"]
ROWS = [
    ["NB001", "张伟", "宁波舟山港股份有限公司"],
    ["NB002", "欧阳镕", "浙江海港集团"],  # 镕: in GBK, not in GB2312
]


def written(tmp_path: Path, text: str, encoding: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def excel_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    # Excel ends lines with CRLF, also in its "Unicode text" export.
    return "".join(delimiter.join(row) + "\r\n" for row in [HEADER, *rows])


def test_a_gbk_csv_saved_by_excel_on_chinese_windows_is_read(tmp_path):
    path = written(tmp_path, excel_csv(ROWS), "gbk")
    assert text_encoding(path) == "gb18030"
    assert list(read_csv(path)) == [HEADER, *ROWS]


def test_the_default_setting_utf_8_sig_detects_gbk_too(tmp_path):
    path = written(tmp_path, excel_csv(ROWS), "gbk")
    assert list(read_csv(path, encoding="utf-8-sig")) == [HEADER, *ROWS]


def test_a_gb18030_file_with_a_name_outside_gbk_is_read(tmp_path):
    # 𠮷 (U+20BB7) only exists in GB18030, as four bytes.
    rows = [["NB003", "𠮷野", "舟山海洋科技有限公司"]]
    path = written(tmp_path, excel_csv(rows), "gb18030")
    assert list(read_csv(path)) == [HEADER, *rows]


def test_a_gbk_file_whose_first_64_kib_are_ascii_is_still_detected(tmp_path):
    ascii_rows = [[f"NB{i:06d}", "Li Lei", "ACME"] for i in range(5000)]
    path = written(tmp_path, excel_csv([*ascii_rows, *ROWS]), "gbk")
    assert path.stat().st_size > 64 * 1024
    assert list(read_csv(path))[-2:] == ROWS


def test_a_utf16_unicode_text_export_with_tabs_and_a_bom_is_read(tmp_path):
    path = written(tmp_path, "\ufeff" + excel_csv(ROWS, delimiter="\t"), "utf-16-le")
    assert path.read_bytes().startswith(codecs.BOM_UTF16_LE)
    assert list(read_csv(path)) == [HEADER, *ROWS]


def test_a_big_endian_utf16_file_is_read_by_its_bom(tmp_path):
    path = written(tmp_path, "\ufeff" + excel_csv(ROWS, delimiter="\t"), "utf-16-be")
    assert list(read_csv(path)) == [HEADER, *ROWS]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_is_read_with_and_without_a_bom(tmp_path, encoding):
    path = written(tmp_path, excel_csv(ROWS), encoding)
    rows = list(read_csv(path))
    assert rows == [HEADER, *ROWS]  # no BOM left on the first header cell


def test_a_plain_ascii_file_is_read_as_utf8(tmp_path):
    path = written(tmp_path, "key,name\r\nA1,Li Lei\r\n", "ascii")
    assert text_encoding(path) == "utf-8"
    assert list(read_csv(path)) == [["key", "name"], ["A1", "Li Lei"]]


def test_a_comma_separated_file_with_tabs_inside_a_cell_keeps_its_commas(tmp_path):
    path = written(tmp_path, "人才编号,姓名\r\nNB001,\t张伟\t\r\n", "gbk")
    assert list(read_csv(path)) == [["人才编号", "姓名"], ["NB001", "张伟"]]


def test_an_explicit_encoding_setting_is_honoured(tmp_path):
    # Big5 bytes decode as GB18030 too, into the wrong characters: only the setting reads them.
    path = written(tmp_path, "編號,姓名\r\nTW1,臺灣\r\n", "big5")
    assert list(read_csv(path, encoding="big5")) == [["編號", "姓名"], ["TW1", "臺灣"]]
    assert list(read_csv(path))[1][1] != "臺灣"


def test_a_byte_order_mark_wins_over_the_setting(tmp_path):
    path = written(tmp_path, "\ufeff" + excel_csv(ROWS), "utf-8")
    assert list(read_csv(path, encoding="gb18030")) == [HEADER, *ROWS]


def rejected(rows_of) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        list(rows_of)
    return caught.value


def test_a_binary_file_named_csv_is_rejected_as_unreadable(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    error = rejected(read_csv(path))
    assert (error.code, error.params["format"]) == ("unreadable", "CSV")


def test_an_xlsx_file_named_csv_is_rejected_as_unreadable(tmp_path):
    path = xlsx(tmp_path, [HEADER, *ROWS])
    renamed = path.rename(tmp_path / "export.csv")
    assert rejected(read_csv(renamed)).code == "unreadable"


def test_bytes_that_are_neither_utf8_nor_gb18030_are_rejected(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"key,name\r\nA1,\xff\xfe\x80\x80\r\n")
    error = rejected(read_csv(path))
    assert error.code == "unreadable" and "GB18030" in error.params["reason"]


def test_a_utf8_file_with_gbk_rows_further_down_is_rejected(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(excel_csv(ROWS * 2000).encode("utf-8") + "NB9,王五,宁波\r\n".encode("gbk"))
    assert rejected(read_csv(path)).code == "unreadable"


def test_an_unknown_encoding_setting_is_rejected(tmp_path):
    path = written(tmp_path, excel_csv(ROWS), "gbk")
    error = rejected(read_csv(path, encoding="ansi"))
    assert error.code == "unreadable" and "ansi" in error.params["reason"]


# --- XLSX --------------------------------------------------------------------------------------


def xlsx(tmp_path: Path, rows: Sequence[Sequence[object]], name: str = "export.xlsx") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("说明").append(["第二张表不导入"])
    path = tmp_path / name
    workbook.save(path)
    return path


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request, settings) -> str:
    settings.TALENTLINK_XLSX_READER = request.param
    return request.param


def test_xlsx_cells_come_as_text_dates_iso_and_whole_numbers_without_a_fraction(tmp_path, reader):
    path = xlsx(tmp_path, [
        ["编号", "姓名", "出生日期", "入库时间", "手机", "工龄", "评分"],
        ["ZS-1", "  王海 ", dt.date(1985, 6, 15), dt.datetime(2020, 5, 6, 9, 30), 13905800001, 12, 87.5],
    ])  # fmt: skip
    assert list(read_xlsx(path)) == [
        ["编号", "姓名", "出生日期", "入库时间", "手机", "工龄", "评分"],
        ["ZS-1", "王海", "1985-06-15", "2020-05-06", "13905800001", "12", "87.5"],
    ]


def test_an_id_number_typed_as_a_number_is_marked_as_having_lost_digits(tmp_path, reader):
    rows: list[list[object]] = [
        ["编号", "证件号码"],
        ["ZS-1", 330902198506151231],
        ["ZS-2", "330902198506151231"],
    ]
    path = xlsx(tmp_path, rows)
    _, as_number, as_text = read_xlsx(path)
    assert as_number[1].startswith("\x00") and as_number[1] != "\x00330902198506151231"
    assert as_text[1] == "330902198506151231"


def test_empty_rows_and_columns_keep_excels_row_and_column_numbers(tmp_path, reader):
    path = xlsx(tmp_path, [[None, "编号", "姓名"], [None, "ZS-1", "王海"], [], [None, "ZS-2", "林静"]])
    assert list(read_xlsx(path)) == [
        ["", "编号", "姓名"], ["", "ZS-1", "王海"], ["", "", ""], ["", "ZS-2", "林静"],
    ]  # fmt: skip


def test_an_empty_sheet_has_no_rows(tmp_path, reader):
    path = xlsx(tmp_path, [])
    assert list(read_xlsx(path)) == []


@pytest.mark.parametrize("content", [b"key,name\r\nA1,Li\r\n", b"PK\x03\x04 truncated zip"])
def test_a_file_that_is_not_an_xlsx_is_rejected_as_unreadable(tmp_path, reader, content):
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    error = rejected(read_xlsx(path))
    assert (error.code, error.params["format"]) == ("unreadable", "XLSX")


def test_read_table_chooses_the_reader_by_the_files_suffix(tmp_path):
    assert list(read_table(xlsx(tmp_path, [HEADER, *ROWS]))) == [HEADER, *ROWS]
    assert list(read_table(written(tmp_path, excel_csv(ROWS), "gbk"))) == [HEADER, *ROWS]


# --- Through a small import ----------------------------------------------------------------------

COLUMNS = [Column("key", ("人才编号",)), Column("name", ("姓名",)), Column("employer", ("工作单位",), False)]


def parse_row(number: int, raw: dict[str, str]) -> tuple[dict[str, str], list]:
    return raw, []


@pytest.mark.django_db
def test_a_small_import_reads_a_gbk_file_and_writes_every_row(tmp_path):
    stored: list[dict[str, str]] = []

    def write(rows: list[dict[str, str]]) -> int:
        stored.extend(rows)
        return len(rows)

    path = written(tmp_path, excel_csv(ROWS), "gbk")
    result = table_import(path, columns=COLUMNS, parse=parse_row, write=write)
    assert (result.rows, result.written) == (2, 2)
    assert [row["name"] for row in stored] == ["张伟", "欧阳镕"]


@pytest.mark.django_db
def test_a_small_import_of_a_binary_file_is_rejected_whole(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(TableRejected) as caught:
        table_import(path, columns=COLUMNS, parse=parse_row, write=lambda rows: len(rows))
    [(row, error)] = caught.value.errors
    assert (row, error.code) == (0, "unreadable")
