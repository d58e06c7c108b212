"""Partial updates refuse null where the model holds a value, and the insurance import's refusal has
the declared shape (issue 12, findings 6 and 13)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from talentlink.benefits.models import Provider
from talentlink.benefits.schemas import InsuranceImportOut, InsuranceImportRejectedOut


def test_a_provider_patch_with_a_null_kind_is_refused_and_changes_nothing(tianyige, nb_office, client_of):
    client = client_of(nb_office)
    client.raise_request_exception = False
    url = f"/api/benefits/providers/{tianyige.pk}"
    for body in ({"kind": None}, {"name": None}, {"is_active": None}, {"kind": "casino"}):
        answer = client.patch(url, body, content_type="application/json")
        assert answer.status_code == 422, (body, answer.content[:200])
        assert answer.json()["field"] == next(iter(body))
    tianyige.refresh_from_db()
    assert (tianyige.kind, tianyige.name, tianyige.is_active) == ("scenic_spot", "天一阁博物院", True)


def test_a_provider_patch_changes_only_the_fields_it_sends(tianyige, nb_office, client_of):
    url = f"/api/benefits/providers/{tianyige.pk}"
    answer = client_of(nb_office).patch(url, {"kind": "hospital"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["kind"] == "hospital"
    assert Provider.objects.get(pk=tianyige.pk).name == "天一阁博物院"


def test_a_catalogue_patch_clears_only_the_terms_that_may_be_empty(tianyige_free, nb_office, client_of):
    client = client_of(nb_office)
    url = f"/api/benefits/catalogue/{tianyige_free.code}"
    for field in ("name", "grant", "valid_from", "holder_regions", "credential_levels", "list_price"):
        answer = client.patch(url, {field: None}, content_type="application/json")
        assert (answer.status_code, answer.json()["field"]) == (422, field)
    cleared = client.patch(url, {"per_day": None, "valid_until": None}, content_type="application/json")
    assert cleared.status_code == 200 and cleared.json()["per_day"] is None
    assert cleared.json()["per_year"] == 3  # left out: kept


def test_a_rejected_insurance_file_is_answered_with_the_declared_error_shape(nb_office, client_of):
    bad = "公民身份号码,姓名,缴费起始年月,缴费截止年月\n330203199003074513,张伟,2020-01,2021-13\n"
    answer = client_of(nb_office).post(
        "/api/benefits/insurance/imports", {"file": SimpleUploadedFile("nb.csv", bad.encode("utf-8-sig"))}
    )
    assert answer.status_code == 400
    # The schemas read model instances (aliases, resolvers), so the JSON is checked field by field.
    body = answer.json()
    assert set(body) == set(InsuranceImportRejectedOut.model_fields)
    assert (body["code"], body["field"]) == ("file_rejected", "file")
    rejected = body["rejected"]
    assert set(rejected) == set(InsuranceImportOut.model_fields) and rejected["status"] == "rejected"
    assert {e["code"] for e in rejected["errors"]} >= {"insurance.month"}
