from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from talentlink.core.audit import Access, audit_record
from talentlink.core.models import AuditEvent, User
from talentlink.core.services import office_staff_grant


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


# --- An event about another city's person never shows that person to the reader's city ---------


@pytest.fixture
def zhang(nb_office, ningbo_csv):
    from talentlink.registry.models import Person
    from talentlink.registry.tests.test_imports import run_import

    run_import(nb_office, ningbo_csv())
    return Person.objects.get(name="张伟")


def _audit_everywhere(client: Client, query: str = "") -> str:
    """Everything the audit log shows its reader: API, page, XLSX export and the back office."""
    api = client.get(f"/api/core/audit?{query}")
    page = client.get(f"/audit/?{query}")
    export = client.get(f"/audit/export.xlsx?{query}")
    sheet = load_workbook(io.BytesIO(export.getvalue())).active
    admin = client.get("/admin/core/auditevent/")
    assert [r.status_code for r in (api, page, export, admin)] == [200] * 4
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    return "\n".join([api.content.decode(), page.content.decode(), *cells, admin.content.decode()])


def test_a_refused_read_is_logged_without_the_name_of_the_person_refused(
    zhang, nb_office, zs_office, client_of
):
    office_staff_grant(user=zs_office)
    zs = client_of(zs_office)
    assert zs.get(f"/api/registry/persons/{zhang.pk}").status_code == 404
    assert zs.get(f"/registry/persons/{zhang.pk}/").status_code == 404
    [row, *_] = zs.get("/api/core/audit", {"action": "denied"}).json()
    assert (row["object_type"], row["object_id"], row["object_label"], row["object_region"]) == (
        "registry.person", str(zhang.pk), "", "330200"
    )  # fmt: skip
    assert "张伟" not in _audit_everywhere(zs)
    event = AuditEvent.objects.filter(action="denied")[0]
    assert (
        "张伟" not in client_of(zs_office).get(f"/admin/core/auditevent/{event.pk}/change/").content.decode()
    )
    # Ningbo's own auditors and the superuser still see whom the refusal was about.
    office_staff_grant(user=nb_office)
    assert {r["object_id"] for r in client_of(nb_office).get("/api/core/audit?action=denied").json()} == {
        str(zhang.pk)
    }


def test_labels_of_other_citys_objects_are_hidden_even_in_events_recorded_before(
    nb_office, zs_office, client_of
):
    """An event written with a name before the fix (or a read under consent) shows the name to the
    object's city and the superuser only; the other city's search in the back office finds nothing."""
    for action in ("denied", "read"):
        AuditEvent.objects.create(
            actor=zs_office, actor_username="zs-office", actor_role="talent_office", actor_region="330900",
            action=action, object_type="registry.person", object_id="400", object_label="逯倩楠",
            object_region="330200", channel="api", path="/api/registry/persons/400",
        )  # fmt: skip
    office_staff_grant(user=zs_office)
    zs = client_of(zs_office)
    assert len(zs.get("/api/core/audit").json()) == 2
    shown = _audit_everywhere(zs)
    assert "逯倩楠" not in shown and "/api/registry/persons/400" in shown
    assert 'id="result_list"' not in zs.get("/admin/core/auditevent/", {"q": "逯倩楠"}).content.decode()
    assert 'id="result_list"' in zs.get("/admin/core/auditevent/", {"q": "400"}).content.decode()
    event = AuditEvent.objects.filter(object_id="400")[0]
    assert "逯倩楠" not in zs.get(f"/admin/core/auditevent/{event.pk}/change/").content.decode()

    office_staff_grant(user=nb_office)
    assert "逯倩楠" in _audit_everywhere(client_of(nb_office))
    admin = User.objects.create_superuser("root", "root@example.cn", "x")
    assert "逯倩楠" in _audit_everywhere(client_of(admin))
    assert "逯倩楠" in client_of(admin).get(f"/admin/core/auditevent/{event.pk}/change/").content.decode()


def test_the_back_office_lists_of_accounts_and_registrations_are_audited_with_the_ids_shown(
    nb_office, ningbo, client_of
):
    from talentlink.registry import services as registry_services
    from talentlink.registry.models import TalentClaim

    registry_services.talent_register(
        name="王小明", id_number="330203199003074513", phone="13805740009", email="",
        password="Correct-Horse-2026", region=ningbo,
    )  # fmt: skip
    office_staff_grant(user=nb_office)
    client = client_of(nb_office)
    assert client.get("/admin/core/user/").status_code == 200
    users = AuditEvent.objects.get(action="read", object_type="core.user", channel="admin")
    assert nb_office.pk in users.detail["ids"]
    assert client.get("/admin/registry/talentclaim/").status_code == 200
    claims = AuditEvent.objects.get(action="read", object_type="registry.talentclaim", channel="admin")
    assert claims.detail["ids"] == list(TalentClaim.objects.values_list("pk", flat=True))


def test_behind_the_tls_proxy_the_audit_log_records_the_client_not_the_proxy(nb_office, settings, rf):
    settings.TALENTLINK_PROXY_COUNT = 1
    request = rf.get(
        "/registry/persons/1/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7"
    )
    request.user = nb_office
    event = audit_record(access=Access.from_request(request), action="read", object_type="registry.person")
    # The proxy appended the address it got the request from; what stands left of it, a client may forge.
    assert event.ip_address == "203.0.113.7"
