from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_user
from talentlink.benefits.models import Benefit, Redemption, SettlementPeriod
from talentlink.benefits.selectors import SETTLEMENT_HEADERS
from talentlink.benefits.tests.conftest import ZHANG_ID, at, make_benefit
from talentlink.core.models import AuditEvent, Role
from talentlink.registry.demo import credit_code

pytestmark = pytest.mark.django_db


def redeem(client, qr, benefit="nb-tianyige-free", when=None, offline=False, client_id=None):
    return client.post("/api/benefits/redemptions", {
        "client_id": str(client_id or uuid.uuid4()), "code": qr, "benefit": benefit,
        "scanned_at": (when or at("2026-05-01")).isoformat(), "offline": offline,
    }, content_type="application/json")  # fmt: skip


def test_a_service_point_reads_its_own_point_and_benefits(gate_user, tianyige_free, client_of):
    body = client_of(gate_user).get("/api/benefits/service-points/mine").json()
    assert (body["name"], body["region"]) == ("东门检票口", "330200")
    assert body["benefits"] == [
        {
            "code": "nb-tianyige-free",
            "name": "天一阁免费参观",
            "kind": "scenic_spot",
            "terms_summary": "免费入场 · 每天 1 次 · 每年 3 次",
        }
    ]


def test_check_then_record_then_record_again_through_the_api(
    gate_user, tianyige_free, zhang, codes, client_of
):
    client = client_of(gate_user)
    qr = codes.issue(zhang)
    check = client.post("/api/benefits/redemptions/check", {"code": qr, "benefit": "nb-tianyige-free"},
                        content_type="application/json").json()  # fmt: skip
    assert (check["eligible"], check["holder"], check["remaining"]["per_day"]) == (True, "张*", 1)
    client_id = uuid.uuid4()
    first = redeem(client, qr, client_id=client_id)
    assert first.status_code == 201 and first.json()["status"] == "recorded"
    again = redeem(client, qr, client_id=client_id)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    over = redeem(client, codes.issue(zhang), when=at("2026-05-01", 15))
    assert over.status_code == 409 and over.json()["code"] == "quota_day"


def test_the_sync_endpoint_records_a_queue_and_flags_conflicts(
    gate_user, tianyige_free, zhang, codes, client_of
):
    items = [{"client_id": str(uuid.uuid4()), "code": codes.issue(zhang), "benefit": "nb-tianyige-free",
              "scanned_at": at("2026-05-01", h).isoformat(), "offline": True} for h in (9, 11)]  # fmt: skip
    body = client_of(gate_user).post("/api/benefits/redemptions/sync", {"items": items},
                                     content_type="application/json").json()  # fmt: skip
    assert [r["status"] for r in body["results"]] == ["recorded", "conflict"]
    assert body["results"][1]["reason"] == "quota_day"


def test_staff_list_and_resolve_conflicts_and_the_reads_are_audited(
    gate_user, tianyige_free, zhang, codes, client_of, nb_office
):
    client = client_of(gate_user)
    redeem(client, codes.issue(zhang), when=at("2026-05-01", 9), offline=True)
    redeem(client, codes.issue(zhang), when=at("2026-05-01", 10), offline=True)
    office = client_of(nb_office)
    [conflict] = office.get("/api/benefits/conflicts").json()
    assert (conflict["holder"], conflict["reason"]) == ("张*", "quota_day")
    event = AuditEvent.objects.filter(object_type="benefits.redemption", action="read").latest("id")
    assert event.detail["persons"] == [zhang.pk] and event.actor == nb_office
    done = office.post(f"/api/benefits/redemptions/{conflict['id']}/resolve", {"honour": False, "note": "重复扫码"},
                       content_type="application/json")  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "voided"
    assert office.get("/api/benefits/conflicts").json() == []


def test_the_zhoushan_office_cannot_edit_a_ningbo_catalogue_entry(
    tianyige_free, zs_office, nb_office, client_of
):
    refused = client_of(zs_office).patch("/api/benefits/catalogue/nb-tianyige-free", {"per_day": 5},
                                         content_type="application/json")  # fmt: skip
    assert refused.status_code == 403
    assert Benefit.objects.get(code="nb-tianyige-free").per_day == 1
    changed = client_of(nb_office).patch("/api/benefits/catalogue/nb-tianyige-free",
                                         {"per_day": 2, "tiers": ["330900:B", "330200:B"], "holder_regions": ["330900"]},
                                         content_type="application/json")  # fmt: skip
    assert changed.status_code == 200
    assert (changed.json()["per_day"], sorted(changed.json()["tiers"]), changed.json()["holder_regions"]) == (
        2,
        ["330200:B", "330900:B"],
        ["330900"],
    )


def test_the_office_adds_a_catalogue_entry_with_terms_and_bad_terms_are_refused(
    tianyige, nb_office, client_of
):
    client = client_of(nb_office)
    entry = {"code": "nb-tianyige-half", "provider_id": tianyige.pk, "name": "天一阁半价", "grant": "discount",
             "discount_percent": 50, "list_price": "30", "valid_from": "2026-01-01", "per_year": 4,
             "categories": ["high_skilled"], "credential_levels": ["skill_2", "title_intermediate"]}  # fmt: skip
    created = client.post("/api/benefits/catalogue", entry, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["credential_levels"] == ["title_intermediate", "skill_2"]
    bad = client.post("/api/benefits/catalogue", {**entry, "code": "nb-bad", "credential_levels": ["phd"]},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "credential_levels"
    no_pct = client.post("/api/benefits/catalogue", {**entry, "code": "nb-bad2", "discount_percent": None},
                         content_type="application/json")  # fmt: skip
    assert no_pct.status_code == 400
    assert not Benefit.objects.filter(code__startswith="nb-bad").exists()


def test_a_provider_account_sees_only_its_own_provider_benefits_and_usage(
    tianyige_free, putuo_free, gate_user, zhang, codes, client_of
):
    redeem(client_of(gate_user), codes.issue(zhang))
    manager = make_user("putuo-mgr", Role.BENEFIT_PROVIDER, putuo_free.provider.region,
                        organisation=putuo_free.provider.organisation)  # fmt: skip
    client = client_of(manager)
    assert [p["name"] for p in client.get("/api/benefits/providers").json()] == ["普陀山风景名胜区"]
    assert [b["code"] for b in client.get("/api/benefits/catalogue").json()] == ["zs-putuo-free"]
    assert client.get("/api/benefits/catalogue/nb-tianyige-free").status_code == 404
    assert client.get("/api/benefits/redemptions").json() == []
    assert client.get(f"/api/benefits/providers/{tianyige_free.provider_id}").status_code == 404


def test_the_office_registers_a_provider_a_service_point_and_its_account(nb_office, zs_office, client_of):
    client = client_of(nb_office)
    import random

    body = {
        "name": "宁波市第一医院",
        "kind": "hospital",
        "credit_code": credit_code(random.Random(3), "330203"),
    }
    provider = client.post("/api/benefits/providers", body, content_type="application/json")
    assert provider.status_code == 201 and provider.json()["region"] == "330200"
    pid = provider.json()["id"]
    point = client.post(f"/api/benefits/providers/{pid}/service-points", {"name": "人才就医绿色通道"},
                        content_type="application/json")  # fmt: skip
    assert point.status_code == 201
    account = {"username": "nb-hospital", "full_name": "导医台", "password": "Talent@2026-x"}
    assert client_of(zs_office).post(f"/api/benefits/service-points/{point.json()['id']}/accounts", account,
                                     content_type="application/json").status_code == 403  # fmt: skip
    made = client.post(f"/api/benefits/service-points/{point.json()['id']}/accounts", account,
                       content_type="application/json")  # fmt: skip
    assert made.status_code == 201 and made.json()["role"] == "service_point"
    bad = client.post("/api/benefits/providers", {**body, "credit_code": "91330200144069621J"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "credit_code"


def settle_fixture(tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of):
    nb, zs = client_of(gate_user), client_of(putuo_gate_user)
    redeem(nb, codes.issue(zhang), when=at("2026-04-03"))  # Ningbo talent at a Ningbo provider
    redeem(nb, codes.issue(ouyang), when=at("2026-04-04"))  # Zhoushan talent in Ningbo: 30 yuan
    redeem(nb, codes.issue(ouyang), when=at("2026-04-05"))
    redeem(
        zs, codes.issue(zhang), benefit="zs-putuo-free", when=at("2026-04-06")
    )  # Ningbo talent in Zhoushan: 160
    redeem(zs, codes.issue(zhang), benefit="zs-putuo-free", when=at("2026-05-01"))  # next month


def test_settlement_shows_whose_talents_used_whose_benefits(
    tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of, zs_office
):
    settle_fixture(tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of)
    body = client_of(zs_office).get("/api/benefits/settlement?month=2026-04").json()
    ledger = {(r["benefit__provider__region__name"], r["holder_region__name"]): (r["uses"], Decimal(r["value"]))
              for r in body["ledger"]}  # fmt: skip
    assert ledger == {("宁波市", "宁波市"): (1, Decimal(30)), ("宁波市", "舟山市"): (2, Decimal(60)),
                      ("舟山市", "宁波市"): (1, Decimal(160))}  # fmt: skip
    balance = {r["city"]: Decimal(r["balance"]) for r in body["balance"]}
    assert balance == {"宁波市": Decimal(60 - 160), "舟山市": Decimal(160 - 60)}


def test_the_settlement_statement_downloads_as_xlsx(
    tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of, nb_office
):
    settle_fixture(tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of)
    response = client_of(nb_office).get(
        f"/api/benefits/settlement.xlsx?month=2026-04&provider={tianyige_free.provider_id}"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == SETTLEMENT_HEADERS
    assert rows[1:] == [
        ("2026-04", "宁波市", "天一阁博物院", "nb-tianyige-free", "天一阁免费参观", "宁波市", 1, 30, None),
        ("2026-04", "宁波市", "天一阁博物院", "nb-tianyige-free", "天一阁免费参观", "舟山市", 2, 60, None),
        (
            "2026-04",
            None,
            None,
            None,
            "合计 Total",
            None,
            3,
            90,
            "未结账，数字仍会变化 open: figures may still change",
        ),
    ]


def test_a_provider_downloads_only_its_own_statement(
    tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of
):
    settle_fixture(tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of)
    manager = make_user("putuo-mgr", Role.BENEFIT_PROVIDER, putuo_free.provider.region,
                        organisation=putuo_free.provider.organisation)  # fmt: skip
    response = client_of(manager).get(
        f"/api/benefits/settlement.xlsx?month=2026-04&provider={tianyige_free.provider_id}"
    )
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert [r[2] for r in rows[1:-1]] == ["普陀山风景名胜区"]
    assert client_of(manager).get("/api/benefits/settlement?month=2026-4x").status_code == 400


def test_a_closed_month_keeps_its_statement_and_a_late_use_settles_in_the_next(
    tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of, nb_office
):
    settle_fixture(tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of)
    office = client_of(nb_office)
    april = office.get("/api/benefits/settlement?month=2026-04").json()
    assert april["closed"] is None
    closed = office.post("/api/benefits/settlement/2026-04/close").json()
    assert (closed["uses"], Decimal(closed["value"])) == (4, Decimal(250))
    event = AuditEvent.objects.get(object_type="benefits.settlementperiod")
    assert (event.object_label, event.detail["uses"], event.actor) == ("2026-04", 4, nb_office)
    # An offline scan of 20 April reaches the platform after the close.
    late = redeem(client_of(gate_user), codes.issue(ouyang), when=at("2026-04-20"), offline=True)
    assert late.status_code == 201
    again = office.get("/api/benefits/settlement?month=2026-04").json()
    assert again["ledger"] == april["ledger"] and again["lines"] == april["lines"]
    assert again["closed"]["uses"] == 4
    may = office.get("/api/benefits/settlement?month=2026-05").json()
    lines = {(line["benefit__code"], line["adjustment"]): line["uses"] for line in may["lines"]}
    assert lines == {("nb-tianyige-free", True): 1, ("zs-putuo-free", False): 1}
    assert office.post("/api/benefits/settlement/2026-05/close").json()["uses"] == 2
    assert not Redemption.objects.filter(settled_in__isnull=True, status="recorded").exists()


def test_a_month_closes_only_once_in_order_after_it_ends_and_by_an_office(
    tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of, nb_office
):
    settle_fixture(tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of)
    office = client_of(nb_office)
    refused = office.post("/api/benefits/settlement/2026-05/close")
    assert (refused.status_code, refused.json()["code"]) == (409, "earlier_month_open")
    assert "2026-04" in refused.json()["message"]
    this_month = timezone.localdate().strftime("%Y-%m")
    assert office.post(f"/api/benefits/settlement/{this_month}/close").json()["code"] == "month_not_over"
    assert client_of(gate_user).post("/api/benefits/settlement/2026-04/close").status_code == 403
    assert not SettlementPeriod.objects.exists()
    assert not Redemption.objects.filter(settled_in__isnull=False).exists()
    assert office.post("/api/benefits/settlement/2026-04/close").status_code == 200
    assert office.post("/api/benefits/settlement/2026-04/close").json()["code"] == "month_closed"
    assert SettlementPeriod.objects.count() == 1


def test_statistics_count_uses_by_month_and_kind(
    tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of, observer
):
    settle_fixture(tianyige_free, putuo_free, gate_user, putuo_gate_user, zhang, ouyang, codes, client_of)
    body = client_of(observer).get("/api/benefits/statistics?months=12").json()
    assert sum(r["uses"] for r in body["by_kind"]) == 5
    assert body["top"][0]["benefit__code"] == "nb-tianyige-free"
    assert client_of(gate_user).get("/api/benefits/statistics").status_code == 403


def test_the_talent_reads_entitlements_history_and_insurance_years(
    tianyige_free, gate_user, zhang, codes, client_of
):
    talent = make_user("13800000001", Role.TALENT)
    zhang.account = talent
    zhang.save()
    redeem(client_of(gate_user), codes.issue(zhang))
    client = client_of(talent)
    [entry] = client.get("/api/benefits/me/entitlements").json()
    assert (entry["code"], entry["eligible"]) == ("nb-tianyige-free", True)
    [used] = client.get("/api/benefits/me/redemptions").json()
    assert used["benefit"] == "nb-tianyige-free"
    assert client.get("/api/benefits/me/insurance").json()["years"] == "0.00"


def test_insurance_imports_through_the_api_report_errors(nb_office, zhang, client_of, tmp_path):
    client = client_of(nb_office)
    good = "公民身份号码,姓名,缴费起始年月,缴费截止年月\n" + f"{ZHANG_ID},张伟,2020-01,2021-12\n"
    created = client.post("/api/benefits/insurance/imports",
                          {"file": SimpleUploadedFile("nb.csv", good.encode("utf-8-sig"))})  # fmt: skip
    assert created.status_code == 201 and created.json()["rows"] == 1
    bad = good.replace("2021-12", "2021-13")
    rejected = client.post(
        "/api/benefits/insurance/imports", {"file": SimpleUploadedFile("nb.csv", bad.encode())}
    )
    assert (rejected.status_code, rejected.json()["code"]) == (400, "file_rejected")
    assert rejected.json()["rejected"]["errors"][0]["code"] == "insurance.month"
    report = client.get(f"/api/benefits/insurance/imports/{rejected.json()['rejected']['id']}/errors.xlsx")
    assert report.status_code == 200
    years = client.get(f"/api/benefits/insurance/persons/{zhang.pk}").json()
    assert years["years"] == "2.00"
    assert AuditEvent.objects.filter(object_type="benefits.insurancerecord", object_id=str(zhang.pk)).exists()


def test_another_citys_staff_cannot_read_a_persons_insurance_records_without_consent(
    zhang, zs_office, client_of
):
    assert client_of(zs_office).get(f"/api/benefits/insurance/persons/{zhang.pk}").status_code == 404
    assert AuditEvent.objects.filter(action="denied", object_id=str(zhang.pk)).exists()


def test_the_public_catalogue_lists_active_entries(tianyige_free, putuo, client):
    make_benefit(putuo, "zs-off", is_active=False)
    assert [b["code"] for b in client.get("/api/public/benefits/catalogue").json()] == ["nb-tianyige-free"]


def test_lists_take_a_fixed_number_of_queries(tianyige, gate_user, zhang, codes, client_of, nb_office,
                                              django_assert_max_num_queries):  # fmt: skip
    for i in range(8):
        make_benefit(tianyige, f"nb-b{i}")
    client = client_of(nb_office)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/benefits/catalogue").json()) == 8
    gate = client_of(gate_user)
    for i in range(5):
        redeem(gate, codes.issue(zhang), benefit=f"nb-b{i}")
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/benefits/redemptions").json()) == 5
    assert Redemption.objects.count() == 5
