"""What the recognition pages show a reader: labels rather than internal codes, local times, and
forms whose every label names a field."""

from __future__ import annotations

import pytest
from django.utils import translation

from talentlink.credentials.models import Application, Level
from talentlink.credentials.tests.conftest import ISSUED, ZHANG, ZHANG_ID, pdf_upload
from talentlink.credentials.tests.test_applications import submit
from talentlink.registry.models import Person

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "skill-2", "certificate_number": "ZJ2021JS000123", "holder_name": ZHANG, "id_number": ZHANG_ID,
    "issued_on": ISSUED.isoformat(), "authority": "zj-skills", "target_region": "330900",
}  # fmt: skip


def _recognised(talent, in_registry, client_of) -> Application:
    in_registry()
    response = client_of(talent).post("/api/credentials/applications", {**FORM, "scan": pdf_upload()})
    assert response.json()["status"] == "recognised"
    return Application.objects.get(pk=response.json()["id"])


def test_the_talent_sees_the_levels_counted_by_their_labels_not_their_codes(talent, in_registry, client_of):
    _recognised(talent, in_registry, client_of)
    page = client_of(talent).get("/credentials/").content.decode()
    counted = page.split('id="counted-levels">')[1].split("</span>")[0]
    with translation.override("zh-hans"):
        assert str(Level.SKILL_2.label) in counted
    assert "skill_2" not in counted and "title_" not in counted


def test_the_registry_check_time_is_shown_in_local_time(talent, in_registry, client_of):
    application = _recognised(talent, in_registry, client_of)
    evidence = {**application.registry_evidence, "checked_at": "2026-05-01T02:30:00+00:00"}
    Application.objects.filter(pk=application.pk).update(registry_evidence=evidence)
    page = client_of(talent).get(f"/credentials/applications/{application.pk}/").content.decode()
    shown = page.split('id="checked-at">')[1].split("</dd>")[0]
    assert shown == "2026-05-01 10:30"  # Asia/Shanghai, not the stored UTC text


def test_the_hr_decision_form_labels_its_choice_of_decision(talent, zhoushan, zs_hr, client_of):
    pending = submit(talent, zhoushan, certificate_number="NB-2018-0042", kind_code="eng-engineer",
                     authority_code="nb-hrss")  # fmt: skip
    page = client_of(zs_hr).get(f"/credentials/applications/{pending.pk}/").content.decode()
    form = page.split('id="decision-form"')[1].split("</form>")[0]
    assert 'for=""' not in form
    assert "<fieldset" in form and "<legend>" in form and 'for="id_decision_0"' in form


def test_the_talent_grants_consent_with_their_own_wording_staff_record_it(talent, nb_office, client_of):
    client = client_of(talent)
    client.cookies["django_language"] = "en"
    page = client.get("/registry/me/").content.decode()
    assert "Agree to share" in page and "Record consent" not in page
    office = client_of(nb_office)
    office.cookies["django_language"] = "en"
    person = Person.objects.get(account=talent)
    assert "Record consent" in office.get(f"/registry/persons/{person.pk}/").content.decode()
