from __future__ import annotations

import io

from openpyxl import load_workbook

from talentlink.core.audit import Access, audit_record
from talentlink.core.models import AuditEvent


def test_staff_read_their_own_citys_audit_events_only(nb_office, zs_office, client_of):
    audit_record(access=Access.system(user=nb_office), action="read", object_type="registry.person",
                 object_id=1, object_label="张伟", object_region="330200")  # fmt: skip
    audit_record(access=Access.system(user=zs_office), action="read", object_type="registry.person",
                 object_id=2, object_label="李海", object_region="330900")  # fmt: skip
    rows = client_of(nb_office).get("/api/core/audit").json()
    assert [r["object_label"] for r in rows] == ["张伟"]


def test_the_audit_log_exports_to_xlsx_and_the_export_is_audited(nb_office, client_of):
    audit_record(access=Access.system(user=nb_office), action="read", object_type="registry.person",
                 object_id=1, object_label="张伟", object_region="330200")  # fmt: skip
    response = client_of(nb_office).get("/audit/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "时间"
    assert "张伟" in [row[7] for row in rows[1:]]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1


def test_talents_and_observers_cannot_read_the_audit_log(observer, client_of):
    assert client_of(observer).get("/api/core/audit").status_code == 403
    assert client_of(observer).get("/audit/").status_code == 403


def test_the_audit_pager_keeps_the_filters_without_repeating_the_page(nb_office, client_of):
    for n in range(60):
        audit_record(access=Access.system(user=nb_office), action="read", object_type="registry.person",
                     object_id=n, object_label=f"p{n}", object_region="330200")  # fmt: skip
    page = client_of(nb_office).get("/audit/", {"action": "read", "page": "2"}).content.decode()
    assert "?action=read&page=1" in page and "page=2&page" not in page
