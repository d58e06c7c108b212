"""Import of the province's certificate list into the local registry, all-or-nothing.

The list is a delta or a full snapshot: each row adds or updates one certificate (by number);
certificates absent from the file stay as they are. A row marked withdrawn (已撤销) withdraws the
certificate, and every recognition resting on it is revoked in the same transaction.
The file holds ID numbers in clear, so it is read from a temporary file and never kept; error
reports mask ID numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from talentlink.core import crypto, idnumbers, permissions
from talentlink.core.audit import Access, audit_record
from talentlink.core.errors import NotAllowed
from talentlink.core.models import AuditEvent
from talentlink.core.tabular import (
    CellError,
    Column,
    TableRejected,
    register_messages,
    table_import,
    upload_spooled,
)
from talentlink.credentials.backends import normalise_name
from talentlink.credentials.models import (
    CertificateKind,
    IssuingAuthority,
    RegistryCertificate,
    RegistryImport,
)

COLUMNS = (
    Column("number", ("证书编号", "certificate_number")),
    Column("holder_name", ("姓名", "holder_name")),
    Column("id_number", ("公民身份号码", "id_number")),
    Column("kind", ("证书名称", "kind")),
    Column("issued_on", ("发证日期", "issued_on")),
    Column("authority", ("发证机关", "authority")),
    Column("valid_until", ("有效期至", "valid_until"), required=False),
    Column("status", ("状态", "status"), required=False),
    Column("withdrawn_on", ("撤销日期", "withdrawn_on"), required=False),
)
HEADERS = {c.field: c.headers[0] for c in COLUMNS}
STATUS_WORDS = {
    "": RegistryCertificate.Status.VALID, "有效": RegistryCertificate.Status.VALID,
    "valid": RegistryCertificate.Status.VALID, "已撤销": RegistryCertificate.Status.WITHDRAWN,
    "撤销": RegistryCertificate.Status.WITHDRAWN, "withdrawn": RegistryCertificate.Status.WITHDRAWN,
}  # fmt: skip

register_messages(
    {
        **{f"cert_id_number.{k}": v for k, v in idnumbers.IdNumberError.MESSAGES.items()},
        "cert_unknown_kind": _("Not a known certificate kind (give its code or its exact name)."),
        "cert_unknown_authority": _("Not a known issuing authority (give its code or its exact name)."),
        "cert_status": _("The status is 有效 (valid) or 已撤销 (withdrawn)."),
        "cert_withdrawn_on": _("A withdrawn certificate needs its withdrawal date, and only it has one."),
        "cert_number": _("A certificate number has 4 to 40 letters, digits, hyphens or slashes."),
        "cert_valid_until": _("The certificate expires before it was issued."),
    }
)


@dataclass(slots=True)
class CertificateRow:
    number: str
    holder_name: str
    id_number: str
    kind_id: int
    authority_id: int
    issued_on: dt.date
    valid_until: dt.date | None
    status: str
    withdrawn_on: dt.date | None


class RowParser:
    """Turns a row of the list into a :class:`CertificateRow` or cell errors."""

    def __init__(self) -> None:
        self.kinds = _by_code_or_name(CertificateKind.objects.all())
        self.authorities = _by_code_or_name(IssuingAuthority.objects.all())

    def __call__(self, number: int, raw: dict[str, str]) -> tuple[CertificateRow | None, list[CellError]]:
        errors: list[CellError] = []

        def fail(field: str, code: str, value: str | None = None, **params: Any) -> None:
            errors.append(
                CellError(HEADERS[field], raw.get(field, "") if value is None else value, code, params)
            )

        for field in ("number", "holder_name", "id_number", "kind", "issued_on", "authority"):
            if not raw.get(field):
                fail(field, "required")
        cert_number = "".join(raw.get("number", "").split()).upper()
        if cert_number and not (
            4 <= len(cert_number) <= 40 and all(c.isalnum() or c in "-/" for c in cert_number)
        ):
            fail("number", "cert_number")
        id_value = ""
        if raw.get("id_number"):
            try:
                id_value = idnumbers.parse(raw["id_number"].lstrip("\x00")).value
            except idnumbers.IdNumberError as exc:
                fail(
                    "id_number", f"cert_id_number.{exc.code}", idnumbers.mask(raw["id_number"].lstrip("\x00"))
                )
        kind = self.kinds.get(raw.get("kind", ""))
        if raw.get("kind") and kind is None:
            fail("kind", "cert_unknown_kind")
        authority = self.authorities.get(raw.get("authority", ""))
        if raw.get("authority") and authority is None:
            fail("authority", "cert_unknown_authority")
        dates = {f: _date(raw.get(f, ""), f, fail) for f in ("issued_on", "valid_until", "withdrawn_on")}
        status = STATUS_WORDS.get(raw.get("status", "").strip().lower())
        if status is None:
            fail("status", "cert_status")
        elif (status == RegistryCertificate.Status.WITHDRAWN) != bool(dates["withdrawn_on"]):
            fail("withdrawn_on", "cert_withdrawn_on")
        if dates["issued_on"] and dates["valid_until"] and dates["valid_until"] < dates["issued_on"]:
            fail("valid_until", "cert_valid_until")
        if errors or kind is None or authority is None or status is None or dates["issued_on"] is None:
            return None, errors
        return CertificateRow(
            number=cert_number, holder_name=normalise_name(raw["holder_name"])[:50], id_number=id_value,
            kind_id=kind, authority_id=authority, issued_on=dates["issued_on"],
            valid_until=dates["valid_until"], status=status, withdrawn_on=dates["withdrawn_on"],
        ), []  # fmt: skip


def _by_code_or_name(objects: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for obj in objects:
        found[obj.code] = obj.pk
        found[obj.name] = obj.pk
    return found


def _date(text: str, field: str, fail: Any) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            value = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if value > dt.date.today():
            fail(field, "date_future")
            return None
        return value
    fail(field, "date", formats="YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD")
    return None


class Writer:
    """Upserts rows by certificate number, counting what changed and what was withdrawn."""

    def __init__(self, batch: RegistryImport) -> None:
        self.batch = batch
        self.created = self.updated = 0
        self.withdrawn: set[str] = set()

    def __call__(self, rows: list[CertificateRow]) -> int:
        existing = {
            c.number: c for c in RegistryCertificate.objects.filter(number__in=[r.number for r in rows])
        }
        new, changed = [], []
        for row in rows:
            cert = existing.get(row.number)
            withdrawn = RegistryCertificate.Status.WITHDRAWN
            if row.status == withdrawn and (cert is None or cert.status != withdrawn):
                self.withdrawn.add(row.number)
            if cert is None:
                cert = RegistryCertificate(number=row.number)
                new.append(cert)
            else:
                changed.append(cert)
            self._fill(cert, row)
        RegistryCertificate.objects.bulk_create(new)
        RegistryCertificate.objects.bulk_update(changed, [*self.FIELDS, "updated_at"])
        self.created += len(new)
        self.updated += len(changed)
        return len(rows)

    FIELDS = [
        "holder_name", "id_number_encrypted", "id_number_index", "id_number_masked", "kind_id",
        "authority_id", "issued_on", "valid_until", "status", "withdrawn_on", "last_import",
    ]  # fmt: skip

    def _fill(self, cert: RegistryCertificate, row: CertificateRow) -> None:
        from django.utils import timezone

        if cert.id_number_encrypted and cert.id_number_index == crypto.id_number_index(row.id_number):
            token, index = cert.id_number_encrypted, cert.id_number_index
        else:
            token, index = crypto.id_number_seal(row.id_number)
        cert.holder_name, cert.id_number_encrypted, cert.id_number_index = row.holder_name, token, index
        cert.id_number_masked = idnumbers.mask(row.id_number)
        cert.kind_id, cert.authority_id, cert.issued_on = row.kind_id, row.authority_id, row.issued_on
        cert.valid_until, cert.status, cert.withdrawn_on = row.valid_until, row.status, row.withdrawn_on
        cert.last_import, cert.updated_at = self.batch, timezone.now()


def _importer_check(access: Access) -> None:
    user = access.user
    if user is None or not permissions.handles_recognition(user):
        raise NotAllowed(_("Only HR bureau and talent office staff may import the certificate list."))


def registry_list_import(*, access: Access, upload: File) -> RegistryImport:
    """Import the province's certificate list; a file with any error is rejected whole."""
    from talentlink.credentials.services import recognitions_revoke_withdrawn

    _importer_check(access)
    with upload_spooled(upload) as spooled:
        try:
            with transaction.atomic():
                batch = RegistryImport.objects.create(
                    status=RegistryImport.Status.SUCCEEDED, uploaded_by=access.user, **spooled.meta
                )
                writer = Writer(batch)
                result = table_import(
                    spooled.path,
                    columns=COLUMNS,
                    parse=RowParser(),
                    write=writer,
                    key=lambda r: r.number,
                )
                reason = str(_("The province's certificate registry withdrew the certificate."))
                revoked = recognitions_revoke_withdrawn(
                    access=access, numbers=writer.withdrawn, reason=reason
                )
                batch.total_rows, batch.created_count, batch.updated_count = (
                    result.rows,
                    writer.created,
                    writer.updated,
                )
                batch.withdrawn_count, batch.revoked_count = len(writer.withdrawn), revoked
                batch.save()
        except TableRejected as exc:
            batch = RegistryImport.objects.create(
                status=RegistryImport.Status.REJECTED, uploaded_by=access.user, errors=[
                    [row, e.column, e.value, e.code, e.params] for row, e in exc.errors[:10_000]
                ], **spooled.meta,
            )  # fmt: skip
    audit_record(
        access=access, action=AuditEvent.Action.CREATE, object_type="credentials.registryimport",
        object_id=batch.pk, object_label=batch.original_name,
        detail={"status": batch.status, "rows": batch.total_rows, "revoked": batch.revoked_count},
    )  # fmt: skip
    return batch
