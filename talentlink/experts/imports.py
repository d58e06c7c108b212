"""Import of a city's expert database export: every row valid, or nothing written.

Each row names a person of the registry by ID number; the import creates or updates that person's
expert profile and keeps the outcome as an :class:`~talentlink.experts.models.ExpertImport`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files import File
from django.utils.translation import gettext_lazy as _

from talentlink.core import credit_codes, crypto, idnumbers, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import NotAllowed
from talentlink.core.masking import mask_name
from talentlink.core.models import AuditEvent, Region
from talentlink.core.tabular import (
    CellError,
    Column,
    TableRejected,
    register_messages,
    table_import,
    upload_spooled,
)
from talentlink.experts import policy, text
from talentlink.experts.models import Availability, Expert, ExpertImport, Field
from talentlink.experts.services import expert_reindex
from talentlink.registry.models import Person

EXPERT_COLUMNS = [
    Column("source_key", ("专家编号", "专家代码", "Expert number")),
    Column("name", ("姓名", "专家姓名", "Name")),
    Column("id_number", ("公民身份号码", "身份证号", "证件号码", "ID number")),
    Column("fields", ("专业领域", "产业领域", "Fields")),
    Column("employer_name", ("工作单位", "单位名称", "Employer"), required=False),
    Column(
        "employer_credit_code", ("统一社会信用代码", "单位信用代码", "Employer credit code"), required=False
    ),
    Column("title", ("职称", "职称名称", "Title"), required=False),
    Column("keywords", ("关键词", "研究方向", "Keywords"), required=False),
    Column("biography", ("个人简介", "简介", "Biography"), required=False),
    Column("availability", ("可参加评审", "评审状态", "Availability"), required=False),
]
COLUMN_LABELS = {column.field: column.headers[0] for column in EXPERT_COLUMNS}
AVAILABILITY_WORDS = {
    "": Availability.AVAILABLE, "是": Availability.AVAILABLE, "可参加": Availability.AVAILABLE,
    "available": Availability.AVAILABLE, "有限": Availability.LIMITED, "limited": Availability.LIMITED,
    "否": Availability.UNAVAILABLE, "暂不参加": Availability.UNAVAILABLE,
    "unavailable": Availability.UNAVAILABLE,
}  # fmt: skip

register_messages(
    {
        "expert.unknown_person": _(
            "No active person of the registry has this ID number; import the person first."
        ),
        "expert.name_mismatch": _("The registry holds this ID number under another name (%(masked)s)."),
        **{f"id_number.{k}": v for k, v in idnumbers.IdNumberError.MESSAGES.items()},
        **{f"credit_code.{k}": v for k, v in credit_codes.CreditCodeError.MESSAGES.items()},
    }
)


@dataclass
class ExpertRow:
    person: Person
    source_key: str
    fields: list[Field]
    profile: dict[str, str]


class _RowParser:
    def __init__(self) -> None:
        self.fields = {key: f for f in Field.objects.filter(is_active=True) for key in (f.name, f.code)}

    def __call__(self, number: int, raw: dict[str, str]) -> tuple[ExpertRow | None, list[CellError]]:
        errors: list[CellError] = []
        for name in ("source_key", "name", "id_number", "fields"):
            if not raw.get(name):
                errors.append(CellError(name, "", "required"))
        person = self._person(raw, errors) if raw.get("id_number") else None
        fields = [self.fields[f] for f in text.split_keywords(raw.get("fields", "")) if f in self.fields]
        for unknown in (f for f in text.split_keywords(raw.get("fields", "")) if f not in self.fields):
            known = "、".join(sorted({f.name for f in self.fields.values()}))
            errors.append(CellError("fields", unknown, "unknown_code", {"known": known}))
        profile = {k: raw.get(k, "").strip() for k in ("employer_name", "title", "keywords", "biography")}
        profile["employer_credit_code"] = self._credit_code(raw.get("employer_credit_code", ""), errors)
        availability = AVAILABILITY_WORDS.get(raw.get("availability", "").strip().lower())
        if availability is None:
            known = "、".join(k for k in AVAILABILITY_WORDS if k)
            errors.append(CellError("availability", raw["availability"], "unknown_code", {"known": known}))
        profile["availability"] = availability or Availability.AVAILABLE
        for name, limit in (("biography", 2000), ("keywords", 300), ("employer_name", 200), ("title", 60)):
            if len(profile[name]) > limit:
                errors.append(CellError(name, profile[name][:50], "too_long", {"max": limit}))
        for error in errors:  # the report names columns as the export does
            error.column = COLUMN_LABELS.get(error.column, error.column)
        if errors or person is None:
            return None, errors
        return ExpertRow(person, raw["source_key"], fields, profile), []

    def _person(self, raw: dict[str, str], errors: list[CellError]) -> Person | None:
        try:
            number = idnumbers.parse(raw["id_number"])
        except idnumbers.IdNumberError as exc:
            errors.append(CellError("id_number", idnumbers.mask(raw["id_number"]), f"id_number.{exc.code}"))
            return None
        index = crypto.id_number_index(number.value)
        person = Person.objects.filter(id_number_index=index, status=Person.Status.ACTIVE).first()
        if person is None:
            errors.append(CellError("id_number", number.masked, "expert.unknown_person"))
        elif "".join(raw.get("name", "").split()) != person.name:
            masked = mask_name(person.name)
            errors.append(CellError("name", raw.get("name", ""), "expert.name_mismatch", {"masked": masked}))
        return person

    @staticmethod
    def _credit_code(raw: str, errors: list[CellError]) -> str:
        if not raw.strip():
            return ""
        try:
            return credit_codes.parse(raw)
        except credit_codes.CreditCodeError as exc:
            errors.append(CellError("employer_credit_code", raw, f"credit_code.{exc.code}"))
            return ""


def _write_experts(region: Region, rows: list[ExpertRow]) -> int:
    existing = {e.person_id: e for e in Expert.objects.select_related("person").filter(
        person__in=[r.person for r in rows])}  # fmt: skip
    for row in rows:
        expert = existing.get(row.person.pk) or Expert(person=row.person, region=region)
        expert.source_key = row.source_key
        for name, value in row.profile.items():
            setattr(expert, name, value)
        expert_reindex(expert, fields=row.fields)
        expert.save()
        expert.fields.set(row.fields)
    return len(rows)


def experts_import(*, access: Access, region: Region, upload: File) -> ExpertImport:
    """Import a city's expert database export: every row valid, or nothing written.

    Each row names a person of the registry by ID number (matched through its blind index);
    the import creates or updates that person's expert profile. The outcome, with every row
    error, is kept as an :class:`ExpertImport` for the bilingual error report.
    """
    user = policy.require_pool_manager(access.user)
    if not permissions.in_region(user, region.pk):
        raise NotAllowed(_("Only the talent office of this city may do this."))
    with upload_spooled(upload) as spooled:
        record = ExpertImport(region=region, uploaded_by=user, **spooled.meta)
        try:
            result = table_import(
                spooled.path, columns=EXPERT_COLUMNS, parse=_RowParser(), key=lambda row: row.person.pk,
                write=lambda rows: _write_experts(region, rows),
            )  # fmt: skip
        except TableRejected as exc:
            record.status = ExpertImport.Status.REJECTED
            record.errors = [[row, e.column, e.value, e.code, e.params] for row, e in exc.errors]
        else:
            record.status, record.total_rows, record.written = (
                ExpertImport.Status.SUCCEEDED,
                result.rows,
                result.written,
            )
    record.save()
    audit_record(
        access=access, action=AuditEvent.Action.CREATE, object_type="experts.expertimport",
        object_id=record.pk, object_label=record.original_name, object_region=region.code,
        detail={"status": record.status, "rows": record.total_rows, "errors": len(record.errors)},
    )  # fmt: skip
    return record
