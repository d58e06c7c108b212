from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_user
from talentlink.core.audit import Access
from talentlink.core.models import Organisation, Role
from talentlink.registry import imports, services
from talentlink.registry.models import ImportBatch, SourceSystem, TalentClaim
from talentlink.registry.tests.test_imports import run_import

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_has_a_home_page(role, ningbo, client_of):
    region = None if role == Role.PROVINCE_OBSERVER else ningbo
    user = make_user(f"u-{role}", role, region)
    assert client_of(user).get("/dashboard/").status_code == 200


def test_staff_pages_are_closed_to_other_roles(ningbo, client_of):
    talent = make_user("t", Role.TALENT)
    for url in ["/registry/imports/", "/registry/persons/", "/registry/claims/", "/organisations/",
                "/accounts/staff/new/", "/audit/"]:  # fmt: skip
        assert client_of(talent).get(url).status_code == 403, url


def test_a_queued_import_shows_a_progress_bar_that_htmx_polls(nb_office, ningbo_csv, client_of):
    source = SourceSystem.objects.get(code="ningbo-talent-db")
    path = ningbo_csv()
    batch = services.import_submit(access=Access.system(user=nb_office), source_system=source,
                                   upload=SimpleUploadedFile(path.name, path.read_bytes()), enqueue=False)  # fmt: skip
    cache.set(imports.progress_key(batch.pk), {"phase": "writing", "done": 1000, "total": 4000})
    client = client_of(nb_office)
    partial = client.get(f"/registry/imports/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and 'value="25"' in partial
    cache.set(imports.progress_key(batch.pk), {"phase": "writing", "done": 1000, "total": 0})
    partial = client.get(f"/registry/imports/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<progress></progress>" in partial  # one pass: the total is not known before the end
    services.import_run_now(batch_id=batch.pk)
    finished = client.get(f"/registry/imports/{batch.pk}/", HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    assert ImportBatch.objects.get().status == "succeeded"


def test_the_office_approves_an_employer_on_its_page(ningbo, nb_office, client_of):
    organisation = Organisation.objects.create(
        name="宁波测试有限公司", credit_code="91330100716105852F", region=ningbo
    )
    client = client_of(nb_office)
    assert "宁波测试有限公司" in client.get("/organisations/").content.decode()
    client.post(f"/organisations/{organisation.pk}/decide/", {"approve": "1", "note": ""})
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.APPROVED


def test_the_office_links_a_pending_registration_on_its_page(nb_office, ningbo, ningbo_csv, client_of):
    run_import(nb_office, ningbo_csv())
    user = services.talent_register(name="张卫", id_number="330203199003074513", phone="13805740001",
                                    email="", password="Correct-Horse-2026", region=ningbo)  # fmt: skip
    claim = TalentClaim.objects.get(user=user)
    client = client_of(nb_office)
    page = client.get("/registry/claims/").content.decode()
    assert "张卫" in page and "张伟" in page  # the candidate found by ID number
    person_id = claim.region.persons.get(name="张伟").pk
    client.post(f"/registry/claims/{claim.pk}/decide/", {"approve": "1", "person": person_id})
    claim.refresh_from_db()
    assert claim.status == TalentClaim.Status.LINKED


def test_the_office_creates_a_reviewer_account_on_its_page(nb_office, ningbo, client_of):
    response = client_of(nb_office).post("/accounts/staff/new/", {
        "username": "nb-hr-9", "full_name": "审核员", "email": "", "role": "hr_reviewer",
        "region": ningbo.pk, "password": "Correct-Horse-2026",
    })  # fmt: skip
    assert response.status_code == 302


def test_the_audit_page_lists_and_filters_events(nb_office, ningbo_csv, client_of):
    run_import(nb_office, ningbo_csv())
    client = client_of(nb_office)
    page = client.get("/audit/", {"object_type": "registry.importbatch"}).content.decode()
    assert "ningbo.csv" in page


def test_a_language_switch_turns_the_pages_to_english(nb_office, client_of):
    client = client_of(nb_office)
    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    page = client.get("/dashboard/").content.decode()
    assert '<html lang="en">' in page and "My desk" in page


def test_pages_open_in_chinese_whatever_the_browser_asks_for(nb_office, client_of):
    page = client_of(nb_office).get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page and "我的工作台" in page


def test_opening_a_registration_in_the_back_office_is_audited(ningbo, client_of):
    from talentlink.core.models import AuditEvent, User

    services.talent_register(name="王芳", id_number="330212198511230027", phone="13905740002",
                             email="", password="Correct-Horse-2026", region=ningbo)  # fmt: skip
    admin = User.objects.create_superuser("root", "root@example.cn", "x")
    claim = TalentClaim.objects.get()
    assert client_of(admin).get(f"/admin/registry/talentclaim/{claim.pk}/change/").status_code == 200
    assert AuditEvent.objects.filter(object_type="registry.talentclaim", object_id=str(claim.pk)).exists()
    client_of(admin).get("/api/registry/claims")
    assert AuditEvent.objects.filter(object_type="registry.talentclaim", object_label="list of 1").exists()


def test_the_desk_shows_the_registry_figures_through_the_registry_panel(
    nb_office, observer, ningbo, ningbo_csv, client_of
):
    """Core's desk imports no registry code: the registry's figures come as its desk panel
    (RegistryConfig.desk_panels, docs/contracts.md), for each role what it showed before."""
    from talentlink.registry.models import Person

    run_import(nb_office, ningbo_csv())
    page = client_of(nb_office).get("/dashboard/").content.decode()
    assert "待确认的人才注册" in page and "人才库概况" in page and "近期导入" in page
    page = client_of(observer).get("/dashboard/").content.decode()
    assert "人才库概况" in page and "待确认的人才注册" not in page
    talent = make_user("t-desk", Role.TALENT, ningbo)
    person = Person.objects.filter(home_region=ningbo)[0]
    person.account = talent
    person.save(update_fields=["account"])
    page = client_of(talent).get("/dashboard/").content.decode()
    assert f"{person.name}，您好！" in page and "/registry/me/" in page
