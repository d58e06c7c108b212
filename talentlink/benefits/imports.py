"""Import of a city's social-insurance contribution records (社保缴纳年限互认).

Each city's social-insurance agency delivers, per person, the spans of months its fund received
contributions. A file is read with the shared all-or-nothing importer: every row is checked
(ID number, the person on record, months), and only a file without errors is written. For each
person in the file, the city's earlier records are replaced by the file's, so delivering the
same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from talentlink.benefits.models import InsuranceImport, InsuranceRecord
from talentlink.core import crypto, idnumbers, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import NotAllowed
from talentlink.core.models import AuditEvent, Region
from talentlink.core.tabular import (
    CellError,
    Column,
    SpooledUpload,
    TableRejected,
    register_messages,
    table_import,
    upload_spooled,
)
from talentlink.registry.models import Person

COLUMNS = (
    Column("id_number", ("公民身份号码", "身份证号码", "ID number")),
    Column("name", ("姓名", "Name")),
    Column("first_month", ("缴费起始年月", "起始年月", "First month")),
    Column("last_month", ("缴费截止年月", "截止年月", "Last month")),
    Column("employer_name", ("缴费单位", "Employer"), required=False),
)
TEMPLATE_HEADERS = ("公民身份号码", "姓名", "缴费起始年月", "缴费截止年月", "缴费单位")

register_messages(
    {
        **{f"id_number.{k}": v for k, v in idnumbers.IdNumberError.MESSAGES.items()},
        "insurance.unknown_person": _("No talent on record has this ID number."),
        "insurance.name_mismatch": _("The name differs from the talent record of this ID number."),
        "insurance.month": _("Not a month; write it as YYYY-MM (e.g. 2021-07)."),
        "insurance.month_order": _("The last month lies before the first month."),
        "insurance.month_future": _("The month lies in the future."),
        "insurance.overlap": _("This span overlaps row %(row)s of the same person."),
    }
)

_MONTH = re.compile(r"^(\d{4})\D?(\d{1,2})(?:\D\d{1,2})?$")


def parse_month(text: str) -> dt.date | None:
    """'2021-07', '202107', '2021/7', '2021年7月' or a date cell (2021-07-01) → the month's first day."""
    match = _MONTH.match(text.replace("年", "-").replace("月", "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1900 <= year <= 2200 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


class _Rows:
    """Parses rows into records; remembers persons already found and spans per person."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.persons: dict[tuple[str, str], Person | Literal[False] | None] = {}
        self.spans: dict[int, list[tuple[int, dt.date, dt.date]]] = {}

    def person(self, id_number: str, name: str) -> Person | Literal[False] | None:
        """The active person with this ID number (and name, should linkage not have merged the
        cities' records yet); None if nobody has the number, False if nobody has it with this name."""
        key = (id_number, name)
        if key not in self.persons:
            candidates = list(
                Person.objects.filter(
                    id_number_index=crypto.id_number_index(id_number), status=Person.Status.ACTIVE
                )
            )
            named = [p for p in candidates if p.name == name]
            self.persons[key] = named[0] if named else (False if candidates else None)
        return self.persons[key]

    def month(self, raw: dict[str, str], field: str, header: str, errors: list[CellError]) -> dt.date | None:
        value = parse_month(raw.get(field, ""))
        if value is None:
            errors.append(
                CellError(header, raw.get(field, ""), "insurance.month" if raw.get(field) else "required")
            )
        elif value > self.today:
            errors.append(CellError(header, raw[field], "insurance.month_future"))
            return None
        return value

    def __call__(self, number: int, raw: dict[str, str]) -> tuple[dict[str, Any] | None, list[CellError]]:
        errors: list[CellError] = []
        person = self._person(raw, errors)
        first = self.month(raw, "first_month", TEMPLATE_HEADERS[2], errors)
        last = self.month(raw, "last_month", TEMPLATE_HEADERS[3], errors)
        if first and last and last < first:
            errors.append(CellError(TEMPLATE_HEADERS[3], raw["last_month"], "insurance.month_order"))
        if errors or person is None or first is None or last is None:
            return None, errors
        for row, other_first, other_last in self.spans.get(person.pk, []):
            if first <= other_last and other_first <= last:
                return None, [
                    CellError(TEMPLATE_HEADERS[2], raw["first_month"], "insurance.overlap", {"row": row})
                ]
        self.spans.setdefault(person.pk, []).append((number, first, last))
        record = {"person": person, "first_month": first, "last_month": last,
                  "employer_name": raw.get("employer_name", "")[:200]}  # fmt: skip
        return record, []

    def _person(self, raw: dict[str, str], errors: list[CellError]) -> Person | None:
        text = raw.get("id_number", "")
        try:
            parsed = idnumbers.parse(text)
        except idnumbers.IdNumberError as exc:
            errors.append(
                CellError(TEMPLATE_HEADERS[0], idnumbers.mask(text.strip()), f"id_number.{exc.code}")
            )
            return None
        person = self.person(parsed.value, "".join(raw.get("name", "").split()))
        if person is None:
            errors.append(CellError(TEMPLATE_HEADERS[0], parsed.masked, "insurance.unknown_person"))
        elif person is False:
            errors.append(CellError(TEMPLATE_HEADERS[1], raw.get("name", ""), "insurance.name_mismatch"))
            return None
        return person


def _writer(batch: InsuranceImport, region: Region):
    replaced: set[int] = set()

    def write(items: list[dict[str, Any]]) -> int:
        fresh = {item["person"].pk for item in items} - replaced
        InsuranceRecord.objects.filter(region=region, person_id__in=fresh).delete()
        replaced.update(fresh)
        InsuranceRecord.objects.bulk_create(
            InsuranceRecord(region=region, batch=batch, **item) for item in items
        )
        return len(items)

    return write


def insurance_import(
    *, access: Access, region: Region, upload: UploadedFile, today: dt.date | None = None
) -> InsuranceImport:
    """Import a city's contribution records from CSV or XLSX; a file with errors is kept as
    rejected with its error list, and no record changes."""
    user = access.user
    if not (user and permissions.may_manage_region(user, region.pk)):
        raise NotAllowed(_("Only the talent office of this city may import its insurance records."))
    with upload_spooled(upload) as spooled:
        batch = _run(spooled, access=access, region=region, today=today)
    audit_record(
        access=access, action=AuditEvent.Action.CREATE, object_type="benefits.insuranceimport",
        object_id=batch.pk, object_label=batch.original_name, object_region=region.code,
        detail={"status": batch.status, "rows": batch.total_rows, "errors": len(batch.errors)},
    )  # fmt: skip
    return batch


def _run(spooled: SpooledUpload, *, access: Access, region: Region, today: dt.date | None) -> InsuranceImport:
    parse = _Rows(today or dt.date.today())
    meta = {"region": region, "uploaded_by": access.user, **spooled.meta}
    try:
        with transaction.atomic():
            batch = InsuranceImport.objects.create(status=InsuranceImport.Status.SUCCEEDED, **meta)
            result = table_import(spooled.path, columns=COLUMNS, parse=parse, write=_writer(batch, region))
            batch.total_rows = result.rows
            batch.persons = len({p.pk for p in parse.persons.values() if isinstance(p, Person)})
            batch.save(update_fields=["total_rows", "persons"])
            return batch
    except TableRejected as exc:
        errors = [[row, e.column, e.value, e.code, e.params] for row, e in exc.errors]
        return InsuranceImport.objects.create(status=InsuranceImport.Status.REJECTED, errors=errors, **meta)


def import_error_rows(*, batch: InsuranceImport):
    """(row, column, value, code, reason in Chinese, reason in English) of a rejected file."""
    return batch.error_report_rows()
