from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from talentlink.core.models import AuditEvent
from talentlink.registry.models import Person, SourceSystem

pytestmark = pytest.mark.django_db


def test_an_import_through_the_api_runs_and_reports(
    nb_office, ningbo_csv, client_of, django_capture_on_commit_callbacks
):
    client = client_of(nb_office)
    path = ningbo_csv()
    with django_capture_on_commit_callbacks(execute=True):  # the import is queued on commit
        response = client.post("/api/registry/imports", {
            "source_system": "ningbo-talent-db", "file": SimpleUploadedFile(path.name, path.read_bytes()),
        })  # fmt: skip
    assert response.status_code == 201, response.content
    batch = client.get(f"/api/registry/imports/{response.json()['id']}").json()
    assert (batch["status"], batch["created_count"], batch["progress"]["percent"]) == ("succeeded", 3, 100)
    person = Person.objects.get(name="张伟")
    detail = client.get(f"/api/registry/persons/{person.pk}").json()
    assert detail["id_number"] == "330203********4513"
    assert detail["source_records"][0]["row"] == 2 and detail["source_records"][0]["file"] == "ningbo.csv"
    assert AuditEvent.objects.filter(action="read", channel="api", object_id=str(person.pk)).exists()


def test_a_file_of_the_wrong_format_is_refused_by_the_api(nb_office, client_of):
    response = client_of(nb_office).post("/api/registry/imports", {
        "source_system": "ningbo-talent-db", "file": SimpleUploadedFile("x.xlsx", b"PK"),
    })  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == "file_format"


def test_the_catalogues_hold_the_six_categories_and_both_tier_lists(nb_office, client_of):
    client = client_of(nb_office)
    assert [c["name"] for c in client.get("/api/registry/categories").json()] == [
        "党政人才", "经营管理人才", "专业技术人才", "高技能人才", "农村实用人才", "社会工作专业人才",
    ]  # fmt: skip
    tiers = {(t["region"], t["code"]): t for t in client.get("/api/registry/tiers").json()}
    assert (
        len([k for k in tiers if k[0] == "330200"]) == 6 and len([k for k in tiers if k[0] == "330900"]) == 5
    )
    assert tiers["330900", "C"]["honoured_as"] == ["330200:C"]
    assert tiers["330200", "F"]["honoured_as"] == []


def test_the_import_page_shows_the_report_of_a_rejected_file(
    nb_office, ningbo_csv, client_of, django_capture_on_commit_callbacks
):
    client = client_of(nb_office)
    path = ningbo_csv([["NB9", "", "1", "", "", "", "", "", "", "03", "", "", "", "", ""]])
    source = SourceSystem.objects.get(code="ningbo-talent-db")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/registry/imports/", {
            "source_system": source.pk, "file": SimpleUploadedFile(path.name, path.read_bytes()),
        })  # fmt: skip
    response = client.get(response["Location"])
    page = response.content.decode()
    assert 'id="error-report"' in page and "errors.xlsx" in page
