"""The path a city takes: an upload on the page, the task worker, linkage, the persons after it."""

from __future__ import annotations

import pytest

from conftest import NINGBO_HEADER
from talentlink.core import crypto
from talentlink.registry.models import ImportBatch, LinkageRun, SourceRecord

pytestmark = pytest.mark.django_db


def _ningbo_row(key: str, record: SourceRecord, **changes: str) -> list[str]:
    number = crypto.id_number_open(record.id_number_encrypted) if record.id_number_encrypted else ""
    values = {
        "人才编号": key, "姓名": record.name, "公民身份号码": number, "性别": "男" if record.sex == "M" else "女",
        "出生日期": record.birth_date.isoformat() if record.birth_date else "", "手机号码": record.phone,
        "电子邮箱": "", "工作单位": record.employer_name, "统一社会信用代码": "", "人才类别": "03",
        "人才层次": "", "最高学历": "", "职称": record.title, "所属产业": "", "入库日期": "",
    }  # fmt: skip
    values.update(changes)
    return [values[column] for column in NINGBO_HEADER]


def test_a_few_rows_uploaded_on_the_page_are_linked_by_the_worker(
    linked, nb_office, client_of, ningbo_csv, django_capture_on_commit_callbacks
):
    known = (
        SourceRecord.objects.filter(source_system__code="zhoushan-talent-info")
        .exclude(id_number_encrypted="")
        .exclude(phone="")
        .order_by("pk")
    )
    first, second = known[0], known[1]
    path = ningbo_csv([_ningbo_row("NBNEW1", first), _ningbo_row("NBNEW2", second, 手机号码="")])
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as handle:
        response = client_of(nb_office).post(
            "/registry/imports/", {"source_system": _ningbo_source_id(), "file": handle}
        )
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == "succeeded", batch.message
    run = LinkageRun.objects.get(batch=batch)
    assert run.status == "succeeded", run.message
    for key, record in (("NBNEW1", first), ("NBNEW2", second)):
        new = SourceRecord.objects.get(source_key=key)
        assert new.person_id == SourceRecord.objects.get(pk=record.pk).person_id


def _ningbo_source_id() -> int:
    from talentlink.registry.models import SourceSystem

    return SourceSystem.objects.get(code="ningbo-talent-db").pk
