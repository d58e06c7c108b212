"""A benefit provider describes its own benefits and opens its own service points; who qualifies,
the quotas, the value and the validity stay with the talent office of its city (issue 13:
/benefits/catalogue/nb-tianyige-free/edit/ answered the provider 403 though the README said it
manages them)."""

from __future__ import annotations

import pytest

from conftest import make_user
from talentlink.benefits.models import Benefit, Provider
from talentlink.benefits.tests.conftest import make_benefit
from talentlink.core.models import AuditEvent, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def tianyige_manager(tianyige: Provider) -> User:
    return make_user(
        "nb-tianyige", Role.BENEFIT_PROVIDER, tianyige.region, organisation=tianyige.organisation
    )


def test_a_provider_edits_the_description_of_its_own_benefit_and_the_change_is_audited(
    tianyige_manager, tianyige_free, client_of
) -> None:
    client = client_of(tianyige_manager)
    detail = client.get(f"/benefits/providers/{tianyige_free.provider_id}/").content.decode()
    assert 'href="/benefits/catalogue/nb-tianyige-free/edit/"' in detail
    page = client.get("/benefits/catalogue/nb-tianyige-free/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="benefit-terms"' in html and 'name="description"' in html
    assert 'name="per_day"' not in html and 'name="tiers"' not in html  # terms are the office's
    response = client.post(
        "/benefits/catalogue/nb-tianyige-free/edit/",
        {
            "name": "天一阁免费参观（含秦氏支祠）",
            "name_en": "Tianyi Pavilion, free entry",
            "description": "凭人才码入园",
        },
    )
    assert response.status_code == 302
    benefit = Benefit.objects.get(code="nb-tianyige-free")
    assert (benefit.name, benefit.description, benefit.per_day) == (
        "天一阁免费参观（含秦氏支祠）",
        "凭人才码入园",
        1,
    )
    event = AuditEvent.objects.get(object_type="benefits.benefit", action=AuditEvent.Action.UPDATE)
    assert event.actor == tianyige_manager and event.detail["fields"] == ["description", "name", "name_en"]


def test_a_provider_posting_terms_on_the_page_changes_only_the_description(
    tianyige_manager, tianyige_free, client_of
) -> None:
    client_of(tianyige_manager).post(
        "/benefits/catalogue/nb-tianyige-free/edit/", {"name": "天一阁", "per_day": "9", "list_price": "1"}
    )
    benefit = Benefit.objects.get(code="nb-tianyige-free")
    assert (benefit.name, benefit.per_day, str(benefit.list_price)) == ("天一阁", 1, "30.00")


def test_through_the_api_a_provider_changes_its_description_but_not_its_terms(
    tianyige_manager, tianyige_free, client_of
) -> None:
    client = client_of(tianyige_manager)
    url = "/api/benefits/catalogue/nb-tianyige-free"
    answer = client.patch(url, {"description": "周一闭馆"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["description"] == "周一闭馆"
    refused = client.patch(url, {"per_day": 5, "description": "x"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "terms"
    assert Benefit.objects.get(code="nb-tianyige-free").per_day == 1


def test_a_provider_may_not_edit_another_providers_benefit(
    tianyige_manager, tianyige, putuo_free, client_of
) -> None:
    from talentlink.benefits.tests.conftest import make_provider

    museum = make_benefit(make_provider(tianyige.region, "宁波博物馆"), "nb-museum-free")
    client = client_of(tianyige_manager)
    for code in (museum.code, putuo_free.code):
        assert client.get(f"/benefits/catalogue/{code}/edit/").status_code in (403, 404)
        patched = client.patch(
            f"/api/benefits/catalogue/{code}", {"name": "x"}, content_type="application/json"
        )
        assert patched.status_code in (403, 404)


def test_a_provider_opens_its_own_service_point_but_not_another_providers(
    tianyige_manager, tianyige, putuo, client_of
) -> None:
    client = client_of(tianyige_manager)
    detail = client.get(f"/benefits/providers/{tianyige.pk}/").content.decode()
    assert 'id="point-form"' in detail and 'id="account-form"' not in detail  # accounts: the office
    client.post(f"/benefits/providers/{tianyige.pk}/service-points/", {"name": "南门检票口"})
    answer = client.post(
        f"/api/benefits/providers/{tianyige.pk}/service-points",
        {"name": "北门"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert sorted(tianyige.service_points.values_list("name", flat=True)) == ["北门", "南门检票口"]
    assert AuditEvent.objects.filter(object_type="benefits.servicepoint", actor=tianyige_manager).count() == 2
    other = client.post(
        f"/api/benefits/providers/{putuo.pk}/service-points", {"name": "x"}, content_type="application/json"
    )
    assert other.status_code in (403, 404) and not putuo.service_points.exists()
