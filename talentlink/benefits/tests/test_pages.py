from __future__ import annotations

import random
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import make_user
from talentlink.benefits import services
from talentlink.benefits.models import Benefit, Provider, Redemption
from talentlink.benefits.services import Scan
from talentlink.benefits.tests.conftest import ZHANG_ID, at
from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, Role
from talentlink.registry.demo import credit_code
from talentlink.registry.models import Tier

pytestmark = pytest.mark.django_db


def record(user, qr, when, offline=False, benefit="nb-tianyige-free"):
    scan = Scan(client_id=uuid.uuid4(), qr=qr, benefit_code=benefit, scanned_at=when, offline=offline)
    return services.redemption_record(access=Access(user=user, channel="api"), scan=scan)[0]


def test_the_office_menu_and_desk_show_the_benefit_pages(nb_office, client_of, tianyige_free):
    page = client_of(nb_office).get("/dashboard/").content.decode()
    for url in ("/benefits/", "/benefits/providers/", "/benefits/conflicts/", "/benefits/statistics/",
                "/benefits/settlement/", "/benefits/insurance/"):  # fmt: skip
        assert f'href="{url}"' in page
    assert 'id="benefits-desk"' in page


def test_every_office_page_renders(nb_office, client_of, tianyige_free, gate_user, zhang, codes):
    record(gate_user, codes.issue(zhang), at("2026-05-01"))
    client = client_of(nb_office)
    for url in ("/benefits/", "/benefits/new/", "/benefits/catalogue/nb-tianyige-free/edit/", "/benefits/providers/",
                f"/benefits/providers/{tianyige_free.provider_id}/", "/benefits/conflicts/",
                "/benefits/statistics/", "/benefits/settlement/?month=2026-05", "/benefits/insurance/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
    assert b"<svg" in client.get("/benefits/statistics/").content
    assert "张*" in client.get(f"/benefits/providers/{tianyige_free.provider_id}/").content.decode()


def test_the_zhoushan_office_reads_but_cannot_edit_a_ningbo_entry(zs_office, client_of, tianyige_free):
    client = client_of(zs_office)
    listing = client.get("/benefits/").content.decode()
    assert "nb-tianyige-free" in listing and "/benefits/catalogue/nb-tianyige-free/edit/" not in listing
    assert client.get("/benefits/catalogue/nb-tianyige-free/edit/").status_code == 403
    assert client.post("/benefits/catalogue/nb-tianyige-free/edit/", {"name": "x"}).status_code == 403
    assert Benefit.objects.get(code="nb-tianyige-free").name == "天一阁免费参观"


def test_the_office_adds_a_benefit_through_the_form(nb_office, client_of, tianyige, ningbo, zhoushan):
    response = client_of(nb_office).post("/benefits/new/", {
        "provider": tianyige.pk, "code": "nb-tianyige-night", "name": "天一阁夜游", "grant": "discount",
        "discount_percent": "30", "list_price": "60", "valid_from": "2026-01-01", "is_active": "on",
        "holder_regions": [zhoushan.pk], "tiers": [Tier.objects.get(region=zhoushan, code="B").pk],
        "credential_levels": ["title_senior"], "per_year": "2",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    benefit = Benefit.objects.get(code="nb-tianyige-night")
    assert (benefit.discount_percent, benefit.credential_levels, list(benefit.holder_regions.all())) == (
        30,
        ["title_senior"],
        [zhoushan],
    )


def test_the_benefit_form_offers_the_credentials_catalogue_of_levels(nb_office, client_of, tianyige):
    """One catalogue of levels (docs/contracts.md): the form's choices are the credentials app's own,
    labelled per the national title system (员级; 初级 = 助理级), not a drifting copy."""
    from talentlink.credentials.models import Level

    page = client_of(nb_office).get("/benefits/new/").content.decode()
    for code in Level.values:
        assert f'value="{code}"' in page
    assert "职称：员级" in page and "职称：初级（助理级）" in page
    assert "员级/助理级" not in page


def test_a_discount_without_percentage_is_refused_on_the_form(nb_office, client_of, tianyige):
    response = client_of(nb_office).post("/benefits/new/", {
        "provider": tianyige.pk, "code": "nb-x", "name": "x", "grant": "discount", "list_price": "60",
        "valid_from": "2026-01-01",
    })  # fmt: skip
    assert response.status_code == 200 and not Benefit.objects.filter(code="nb-x").exists()


def test_the_office_registers_a_provider_and_its_accounts(nb_office, client_of):
    client = client_of(nb_office)
    response = client.post("/benefits/providers/", {
        "name": "宁波博物院", "kind": "scenic_spot", "credit_code": credit_code(random.Random(5), "330212"),
    })  # fmt: skip
    provider = Provider.objects.get(name="宁波博物院")
    assert response.status_code == 302 and provider.region == nb_office.region
    client.post(f"/benefits/providers/{provider.pk}/service-points/", {"name": "一楼服务台"})
    point = provider.service_points.get()
    client.post(f"/benefits/providers/{provider.pk}/accounts/", {
        "service_point": point.pk, "username": "nb-museum", "full_name": "服务台", "password": "Talent@2026-x",
    })  # fmt: skip
    assert point.accounts.get().user.role == Role.SERVICE_POINT


def test_a_superuser_of_no_city_is_refused_a_provider_rather_than_an_error(client_of, db):
    admin = make_user("root", Role.TALENT, is_superuser=True)  # as the access matrix makes one
    client = client_of(admin)
    client.raise_request_exception = False
    response = client.post("/benefits/providers/", {
        "name": "宁波博物院", "kind": "scenic_spot", "credit_code": credit_code(random.Random(5), "330212"),
    })  # fmt: skip
    assert response.status_code == 403 and not Provider.objects.exists()


def test_the_office_edits_and_deactivates_a_provider_and_the_change_is_audited(
    nb_office, zs_office, client_of, tianyige
):
    page = client_of(nb_office).get(f"/benefits/providers/{tianyige.pk}/")
    assert f"/benefits/providers/{tianyige.pk}/edit/" in page.content.decode()
    form = {"name": tianyige.name, "name_en": "Tianyige Museum", "kind": tianyige.kind,
            "address": "天一街10号", "contact_phone": "0574-87293526", "is_active": ""}  # fmt: skip
    response = client_of(nb_office).post(f"/benefits/providers/{tianyige.pk}/edit/", form)
    assert response.status_code == 302
    tianyige.refresh_from_db()
    assert (tianyige.address, tianyige.is_active) == ("天一街10号", False)
    event = AuditEvent.objects.filter(object_type="benefits.provider", action=AuditEvent.Action.UPDATE).get()
    assert set(event.detail["fields"]) == {"name_en", "address", "contact_phone", "is_active"}
    # The other city's office reads the provider but may not change it.
    assert client_of(zs_office).get(f"/benefits/providers/{tianyige.pk}/edit/").status_code == 403
    assert client_of(zs_office).post(f"/benefits/providers/{tianyige.pk}/edit/", form).status_code == 403


def test_conflicts_are_shown_masked_decided_and_the_read_audited(
    nb_office, client_of, tianyige_free, gate_user, zhang, codes
):
    record(gate_user, codes.issue(zhang), at("2026-05-01", 9), offline=True)
    conflict = record(gate_user, codes.issue(zhang), at("2026-05-01", 10), offline=True)
    client = client_of(nb_office)
    page = client.get("/benefits/conflicts/").content.decode()
    assert "张*" in page and "张伟" not in page
    assert AuditEvent.objects.filter(
        object_type="benefits.redemption", action="read", actor=nb_office
    ).exists()
    client.post(f"/benefits/conflicts/{conflict.pk}/resolve/", {"honour": "honour", "note": ""})
    assert Redemption.objects.get(pk=conflict.pk).status == "recorded"


def test_a_provider_sees_its_own_page_and_not_another(tianyige_free, putuo_free, client_of):
    manager = make_user("nb-tianyige", Role.BENEFIT_PROVIDER, tianyige_free.provider.region,
                        organisation=tianyige_free.provider.organisation)  # fmt: skip
    client = client_of(manager)
    response = client.get("/benefits/")
    assert response.status_code == 302 and response["Location"].endswith(
        f"/providers/{tianyige_free.provider_id}/"
    )
    assert client.get(f"/benefits/providers/{putuo_free.provider_id}/").status_code == 404
    assert client.get("/benefits/conflicts/").status_code == 403
    assert client.get("/benefits/settlement/?month=2026-05").status_code == 200


def test_the_talent_sees_entitlements_history_and_insurance_years(tianyige_free, putuo_free, gate_user, zhang, codes,
                                                                   client_of, ningbo):  # fmt: skip
    talent = make_user("13800000001", Role.TALENT)
    zhang.account = talent
    zhang.save()
    putuo_free.holder_regions.set([putuo_free.provider.region])
    record(gate_user, codes.issue(zhang), at("2026-05-01"))
    page = client_of(talent).get("/benefits/mine/").content.decode()
    assert 'data-code="nb-tianyige-free"' in page and 'data-code="zs-putuo-free"' in page
    assert page.index("nb-tianyige-free") < page.index("zs-putuo-free")  # eligible first
    assert 'id="insurance-years"' in page and "天一阁免费参观" in page.split('id="history"')[1]


def test_a_benefit_with_no_uses_left_today_shows_as_used_up_and_is_not_counted_on_the_desk(
    tianyige_free, putuo_free, gate_user, zhang, codes, client_of, ningbo
):
    talent = make_user("13800000001", Role.TALENT)
    zhang.account = talent
    zhang.save()
    putuo_free.holder_regions.set([ningbo])  # both offered to zhang, a Ningbo talent
    record(gate_user, codes.issue(zhang), timezone.now())  # its one use of the day (per_day=1)
    client = client_of(talent)
    page = client.get("/benefits/mine/").content.decode()
    used = page.split('data-code="nb-tianyige-free"')[1].split("</div>")[0]
    assert "status eligible" not in used and "status used-up" in used and "今天 0" in " ".join(used.split())
    assert "status eligible" in page.split('data-code="zs-putuo-free"')[1].split("</div>")[0]
    assert page.index("zs-putuo-free") < page.index("nb-tianyige-free")  # available first
    desk = client.get("/dashboard/").content.decode().split('id="benefits-desk"')[1].split("</a>\n</div>")[0]
    assert re.findall(r'<div class="figure">(\d+)</div>', desk) == ["1"]  # putuo's only


def test_the_office_closes_an_ended_month_on_the_settlement_page(tianyige_free, gate_user, zhang, codes, client_of,
                                                                 nb_office):  # fmt: skip
    record(gate_user, codes.issue(zhang), at("2026-04-03"))
    office = client_of(nb_office)
    page = office.get("/benefits/settlement/?month=2026-04").content.decode()
    assert 'id="close-month"' in page
    response = office.post("/benefits/settlement/close/", {"month": "2026-04"})
    assert response.status_code == 302 and response["Location"].endswith("?month=2026-04")
    page = office.get("/benefits/settlement/?month=2026-04").content.decode()
    status = page.split('id="month-status"')[1].split("</div>")[0]
    assert 'id="close-month"' not in page and "status approved" in status and "nb-office" in status
    settled_in = Redemption.objects.get().settled_in
    assert settled_in is not None and settled_in.month.isoformat() == "2026-04-01"
    # A service point may not close a month: nothing changes.
    client_of(gate_user).post("/benefits/settlement/close/", {"month": "2026-05"})
    assert not Redemption.objects.filter(settled_in__month="2026-05-01").exists()


def test_insurance_import_page_reports_a_bad_file(nb_office, client_of, zhang, ningbo):
    bad = f"公民身份号码,姓名,缴费起始年月,缴费截止年月\n{ZHANG_ID},张伟,2020-01,2019-01\n"
    page = client_of(nb_office).post("/benefits/insurance/", {
        "region": ningbo.pk, "file": SimpleUploadedFile("nb.csv", bad.encode("utf-8-sig")),
    }).content.decode()  # fmt: skip
    assert 'id="insurance-errors"' in page and "errors.xlsx" in page


def test_a_person_page_of_insurance_years_is_for_staff_who_may_read_the_person(
    nb_office, zs_office, client_of, zhang
):
    assert client_of(nb_office).get(f"/benefits/insurance/persons/{zhang.pk}/").status_code == 200
    assert client_of(zs_office).get(f"/benefits/insurance/persons/{zhang.pk}/").status_code == 404


def test_a_service_point_account_cannot_open_staff_pages(gate_user, client_of):
    client = client_of(gate_user)
    for url in (
        "/benefits/providers/",
        "/benefits/conflicts/",
        "/benefits/insurance/",
        "/benefits/statistics/",
    ):
        assert client.get(url).status_code == 403, url


def test_the_catalogue_list_takes_a_fixed_number_of_queries(
    nb_office, client_of, tianyige, django_assert_max_num_queries
):
    from talentlink.benefits.tests.conftest import make_benefit

    for i in range(10):
        make_benefit(tianyige, f"nb-q{i}", tiers=list(Tier.objects.filter(code="A")))
    client = client_of(nb_office)
    client.get("/benefits/")
    with django_assert_max_num_queries(16):
        assert client.get("/benefits/").status_code == 200
