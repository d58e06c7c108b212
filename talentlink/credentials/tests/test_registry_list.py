"""The province's certificate list: all-or-nothing imports, error reports, withdrawal, re-check."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from talentlink.core.errors import DomainError, NotAllowed
from talentlink.core.models import AuditEvent
from talentlink.core.tabular import ERROR_REPORT_HEADERS
from talentlink.credentials import imports, services
from talentlink.credentials.models import Notification, Recognition, RegistryCertificate, RegistryImport
from talentlink.credentials.tests.conftest import LI, LI_ID, ZHANG, ZHANG_ID, access_of
from talentlink.credentials.tests.test_applications import submit

pytestmark = pytest.mark.django_db

HEADER = [
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
GOOD = [
    ["ZJ2021JS000123", ZHANG, ZHANG_ID, "二级/技师", "2021-06-30", "zj-skills", "", "有效", ""],
    ["ZJ2019GC000001", LI, LI_ID, "eng-senior", "2019/12/01", "浙江省人力资源和社会保障厅", "", "", ""],
]


def write_csv(tmp_path: Path, rows: list[list[str]], name: str = "list.csv") -> Path:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run(user, path: Path) -> RegistryImport:
    with open(path, "rb") as handle:
        return imports.registry_list_import(access=access_of(user), upload=File(handle, name=path.name))


def test_a_good_list_fills_the_local_registry_with_sealed_id_numbers(zs_hr, tmp_path):
    batch = run(zs_hr, write_csv(tmp_path, GOOD))
    assert (batch.status, batch.total_rows, batch.created_count) == ("succeeded", 2, 2)
    cert = RegistryCertificate.objects.get(number="ZJ2021JS000123")
    assert (cert.kind.code, cert.authority.code, cert.id_number_masked) == (
        "skill-2",
        "zj-skills",
        "330203********4513",
    )
    assert ZHANG_ID not in str(RegistryCertificate.objects.values().get(pk=cert.pk))
    assert AuditEvent.objects.filter(object_type="credentials.registryimport", action="create").exists()
    again = run(zs_hr, write_csv(tmp_path, GOOD))
    assert (again.created_count, again.updated_count) == (0, 2)


def test_an_xlsx_list_is_read_the_same_way(zs_hr, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([*GOOD[0][:4], dt.date(2021, 6, 30), *GOOD[0][5:]])
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    assert run(zs_hr, path).status == "succeeded"
    assert RegistryCertificate.objects.get().issued_on == dt.date(2021, 6, 30)


def test_a_list_with_errors_is_rejected_whole_with_a_bilingual_report_and_masked_id_numbers(
    zs_hr, tmp_path, client_of
):
    rows = [
        GOOD[0],
        ["ZJ2019GC000001", LI, "330205197805151061", "宇航员", "2019-13-01", "火星局", "", "作废", ""],
        ["ZJ2021JS000123", ZHANG, ZHANG_ID, "skill-2", "2021-06-30", "zj-skills", "", "已撤销", ""],
    ]
    batch = run(zs_hr, write_csv(tmp_path, rows))
    assert batch.status == "rejected"
    assert not RegistryCertificate.objects.exists()
    codes = [(row, code) for row, _c, _v, code, _p in batch.errors]
    assert codes == [
        (3, "cert_id_number.checksum"), (3, "cert_unknown_kind"), (3, "cert_unknown_authority"),
        (3, "date"), (3, "cert_status"), (4, "cert_withdrawn_on"),
    ]  # fmt: skip
    assert "330205197805151061" not in str(batch.errors)
    response = client_of(zs_hr).get(f"/credentials/registry/{batch.pk}/errors.xlsx")
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    report = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert report[0] == ERROR_REPORT_HEADERS
    assert all(row[4] and row[5] and row[4] != row[5] for row in report[1:])


def test_a_file_that_is_not_a_list_is_refused(zs_hr, tmp_path):
    path = tmp_path / "list.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(DomainError):
        run(zs_hr, path)
    broken = tmp_path / "list.xlsx"
    broken.write_bytes(b"not a workbook")
    assert run(zs_hr, broken).errors[0][3] == "unreadable"


def test_only_hr_and_talent_office_staff_import(talent, observer, tmp_path):
    for user in (talent, observer):
        with pytest.raises(NotAllowed):
            run(user, write_csv(tmp_path, GOOD))


def test_a_withdrawn_certificate_revokes_its_recognition_audited_and_notified(
    talent, zhoushan, zs_hr, tmp_path
):
    run(zs_hr, write_csv(tmp_path, GOOD))
    application = submit(talent, zhoushan)
    assert application.status == "recognised"
    withdrawn = [[*GOOD[0][:7], "已撤销", "2025-01-15"]]
    batch = run(zs_hr, write_csv(tmp_path, withdrawn, name="withdrawn.csv"))
    assert (batch.withdrawn_count, batch.revoked_count) == (1, 1)
    application.refresh_from_db()
    assert application.status == "revoked"
    assert Recognition.objects.get().status == "revoked"
    assert AuditEvent.objects.filter(object_id=str(application.pk), detail__revoked="True").exists()
    assert Notification.objects.filter(user=talent).count() == 2
    from talentlink.credentials.selectors import person_credential_levels

    assert person_credential_levels(person_id=application.person_id) == set()


def test_the_recheck_command_revokes_what_the_registry_withdrew(talent, zhoushan, in_registry, capsys):
    cert = in_registry()
    application = submit(talent, zhoushan)
    call_command("credentials_recheck", "--dry-run")
    assert Recognition.objects.get().status == "active"
    cert.status, cert.withdrawn_on = "withdrawn", dt.date(2025, 3, 1)
    cert.save()
    call_command("credentials_recheck", "--dry-run")
    assert Recognition.objects.get().status == "active"
    call_command("credentials_recheck")
    assert "1 withdrawn and revoked" in capsys.readouterr().out
    application.refresh_from_db()
    assert application.status == "revoked"
    call_command("credentials_recheck")  # safe to run again
    assert services.recognitions_recheck(access=access_of(None))["checked"] == 0


def test_the_import_command_checks_a_file_without_writing_in_a_dry_run(zs_hr, tmp_path, capsys):
    path = write_csv(tmp_path, GOOD)
    call_command("credentials_import_list", str(path), "--user", "zs-hr", "--dry-run")
    assert not RegistryCertificate.objects.exists()
    call_command("credentials_import_list", str(path), "--user", "zs-hr")
    assert RegistryCertificate.objects.count() == 2
