"""The JSON API and the pages: permissions, audit, public verification, statistics, desk."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from talentlink.core.models import AuditEvent
from talentlink.credentials import services
from talentlink.credentials.models import Application
from talentlink.credentials.tests.conftest import ISSUED, ZHANG, ZHANG_ID, access_of, pdf_upload
from talentlink.credentials.tests.test_applications import submit

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "skill-2", "certificate_number": "ZJ2021JS000123", "holder_name": ZHANG, "id_number": ZHANG_ID,
    "issued_on": ISSUED.isoformat(), "authority": "zj-skills", "target_region": "330900",
}  # fmt: skip


def test_a_talent_applies_through_the_api_and_is_recognised_automatically(talent, in_registry, client_of):
    in_registry()
    response = client_of(talent).post("/api/credentials/applications", {**FORM, "scan": pdf_upload()})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["route"], body["id_number"]) == (
        "recognised",
        "automatic",
        "330203********4513",
    )
    assert sorted(body["recognition"]["cities"]) == ["330200", "330900"]
    assert body["has_scan"] is True
    assert ZHANG_ID not in response.content.decode()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"kind": "astronaut"}, 400, "unknown_kind"),
        ({"scan": pdf_upload("evil.exe")}, 400, "scan_extension"),
        ({"target_region": "110000"}, 404, "region"),
    ],
)
def test_bad_api_input_gets_a_clear_error_in_the_asked_language(talent, client_of, change, status, code):
    response = client_of(talent).post(
        "/api/credentials/applications", {**FORM, **change}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]
    assert not Application.objects.exists()


def test_a_duplicate_through_the_api_is_a_conflict(talent, client_of, in_registry):
    in_registry()
    client = client_of(talent)
    assert client.post("/api/credentials/applications", FORM).status_code == 201
    response = client.post("/api/credentials/applications", FORM)
    assert (response.status_code, response.json()["code"]) == (409, "duplicate")


def test_the_reviewer_decides_through_the_api_and_only_their_city(talent, zhoushan, zs_hr, nb_hr, client_of):
    pending = submit(
        talent,
        zhoushan,
        certificate_number="NB-2018-0042",
        kind_code="eng-engineer",
        authority_code="nb-hrss",
    )
    url = f"/api/credentials/applications/{pending.pk}/decision"
    denied = client_of(nb_hr).post(url, {"decision": "approve"}, content_type="application/json")
    # Another city's application is answered as a missing one (its id tells nothing), and audited.
    assert denied.status_code == 404
    assert (
        denied.json()
        == client_of(nb_hr)
        .post(
            "/api/credentials/applications/999999/decision",
            {"decision": "approve"},
            content_type="application/json",
        )
        .json()
    )
    assert AuditEvent.objects.filter(action="denied", object_id=str(pending.pk), actor=nb_hr).exists()
    queue = client_of(zs_hr).get("/api/credentials/review-queue").json()
    assert [a["id"] for a in queue] == [pending.pk]
    response = client_of(zs_hr).post(url, {"decision": "approve"}, content_type="application/json")
    assert response.json()["status"] == "recognised"
    levels = (
        client_of(talent).get(f"/api/credentials/persons/{pending.person_id}/levels?purpose=hukou").json()
    )
    assert levels["levels"] == ["title_intermediate"]


def test_the_scan_is_served_only_to_the_applicant_and_the_reviewing_city(
    talent, zhoushan, zs_hr, nb_hr, employer, client_of
):
    pending = submit(talent, zhoushan, certificate_number="NB-2018-0042", kind_code="eng-engineer",
                     authority_code="nb-hrss", scan=pdf_upload())  # fmt: skip
    for user, status in ((talent, 200), (zs_hr, 200), (nb_hr, 404), (employer, 404)):
        response = client_of(user).get(f"/credentials/applications/{pending.pk}/scan/")
        assert response.status_code == status, user
    assert Client().get(f"/credentials/applications/{pending.pk}/scan/").status_code == 302
    reads = AuditEvent.objects.filter(object_id=str(pending.pk), detail__wanted="scan")
    assert reads.count() == 2


def test_the_review_queue_page_lists_oldest_first_flags_overdue_and_audits(
    talent, zhoushan, zs_hr, client_of, django_assert_max_num_queries
):
    first = submit(
        talent,
        zhoushan,
        certificate_number="NB-2018-0042",
        kind_code="eng-engineer",
        authority_code="nb-hrss",
    )
    submit(
        talent, zhoushan, certificate_number="NB-2019-0007", kind_code="eng-senior", authority_code="nb-hrss"
    )
    import datetime as dt

    Application.objects.filter(pk=first.pk).update(due_on=dt.date(2020, 1, 1))
    client = client_of(zs_hr)
    with django_assert_max_num_queries(12):
        page = client.get("/credentials/review/").content.decode()
    assert page.index("NB-2018-0042") < page.index("NB-2019-0007")
    assert 'class="overdue"' in page
    assert AuditEvent.objects.filter(
        object_type="credentials.application", object_label__startswith="queue"
    ).exists()
    desk = client.get("/dashboard/").content.decode()
    assert 'id="credentials-desk"' in desk


def test_every_page_opens_in_chinese_and_english(talent, zs_hr, observer, zhoushan, in_registry, client_of):
    in_registry()
    application = submit(talent, zhoushan)
    pages = {
        talent: ["/credentials/", "/credentials/apply/", f"/credentials/applications/{application.pk}/",
                 "/credentials/notifications/", "/dashboard/"],
        zs_hr: ["/credentials/review/", "/credentials/registry/", "/credentials/statistics/",
                f"/credentials/applications/{application.pk}/", "/dashboard/"],
        observer: ["/credentials/statistics/", "/credentials/statistics.xlsx"],
    }  # fmt: skip
    for user, urls in pages.items():
        client = client_of(user)
        for language in ("zh-hans", "en"):
            client.cookies["django_language"] = language
            for url in urls:
                assert client.get(url).status_code == 200, (user, url, language)
    assert Client().get("/credentials/catalogue/").status_code == 200


def test_observers_and_talents_cannot_open_staff_pages(talent, observer, client_of):
    assert client_of(talent).get("/credentials/review/").status_code == 403
    assert client_of(talent).get("/credentials/statistics/").status_code == 403
    assert client_of(observer).get("/credentials/registry/").status_code == 403
    assert client_of(observer).get("/api/credentials/applications").json() == []


def test_public_verification_tells_cities_since_and_level_and_nothing_else(talent, zhoushan, in_registry):
    in_registry()
    submit(talent, zhoushan)
    response = Client().post(
        "/api/public/credentials/verify",
        {"certificate_number": "zj2021js000123", "holder_name": ZHANG},
        content_type="application/json",
    )
    body = response.json()
    assert body["recognised"] is True
    [cert] = body["certificates"]
    assert [c["city"] for c in cert["cities"]] == ["宁波市", "舟山市"]
    assert (cert["kind"], cert["level"]) == ("二级/技师", "技能等级：二级/技师")
    text = response.content.decode()
    assert ZHANG_ID[-4:] not in text and "13805740001" not in text and "person" not in text
    wrong_name = Client().post("/api/public/credentials/verify", {"certificate_number": "ZJ2021JS000123",
                               "holder_name": "李四"}, content_type="application/json").json()  # fmt: skip
    assert wrong_name == {"recognised": False, "certificates": []}
    page = Client().get(
        "/credentials/verify/", {"certificate_number": "ZJ2021JS000123", "holder_name": ZHANG}
    )
    assert "舟山市" in page.content.decode()


def test_public_verification_is_rate_limited_per_address(settings, db):
    settings.TALENTLINK_CREDENTIAL_VERIFY_RATE = "3/600"
    cache.clear()
    client = Client()
    body = {"certificate_number": "ZJ1234", "holder_name": "张三"}
    codes = [client.post("/api/public/credentials/verify", body, content_type="application/json").status_code
             for _ in range(4)]  # fmt: skip
    assert codes == [200, 200, 200, 429]
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        other.post("/api/public/credentials/verify", body, content_type="application/json").status_code == 200
    )


def test_statistics_count_automatic_and_reviewed_with_approval_rate(
    talent, zhoushan, zs_hr, in_registry, observer, client_of
):
    in_registry()
    submit(talent, zhoushan)
    pending = submit(
        talent,
        zhoushan,
        certificate_number="NB-2018-0042",
        kind_code="eng-engineer",
        authority_code="nb-hrss",
    )
    services.application_decide(
        access=access_of(zs_hr), application=pending, decision="reject", reason="不符"
    )
    submit(
        talent, zhoushan, certificate_number="NB-2019-0007", kind_code="eng-senior", authority_code="nb-hrss"
    )
    rows = client_of(observer).get("/api/credentials/statistics").json()
    by_family = {r["family"]: r for r in rows}
    assert by_family["skill"]["automatic"] == 1 and by_family["skill"]["approval_rate"] == 100.0
    title = by_family["title"]
    assert (title["applications"], title["reviewed"], title["pending"], title["approval_rate"]) == (
        2,
        2,
        1,
        0.0,
    )
    assert title["average_days_to_decision"] is not None
    assert client_of(talent).get("/api/credentials/statistics").status_code == 403


def test_the_catalogue_is_data_with_the_equivalence_and_its_source(client_of, talent):
    client = client_of(talent)
    kinds = {k["code"]: k for k in client.get("/api/credentials/kinds").json()}
    assert kinds["skill-2"]["level"] == "skill_2" and kinds["eng-engineer"]["family"] == "title"
    equivalences = client.get("/api/credentials/equivalences").json()
    assert {(e["level"], e["counts_as"]) for e in equivalences} == {
        ("skill_2", "title_intermediate"),
        ("skill_1", "title_associate_senior"),
    }
    assert {e["purpose"] for e in equivalences} == {"hukou", "housing", "schooling"}
    assert all("技师、高级技师" in e["source"] for e in equivalences)


def test_notifications_are_listed_and_marked_read(talent, zhoushan, client_of):
    submit(talent, zhoushan)
    client = client_of(talent)
    [message] = client.get("/api/credentials/notifications?unread=true").json()
    assert client.post(f"/api/credentials/notifications/{message['id']}/read").json()["read_at"]
    assert client.get("/api/credentials/notifications?unread=true").json() == []


def test_the_menu_offers_each_role_its_entries(talent, zs_hr, observer, client_of):
    assert "/credentials/apply/" not in client_of(observer).get("/dashboard/").content.decode()
    assert 'href="/credentials/review/"' in client_of(zs_hr).get("/dashboard/").content.decode()
    assert 'href="/credentials/"' in client_of(talent).get("/dashboard/").content.decode()
    assert 'href="/credentials/statistics/"' in client_of(observer).get("/dashboard/").content.decode()


def test_the_demo_loads_every_state_and_is_safe_to_run_again(db, tmp_path):
    from django.core.management import call_command

    call_command("demo_load", size=40, out=tmp_path)
    call_command("demo_load", size=40, out=tmp_path)
    states = set(Application.objects.values_list("status", flat=True))
    assert states == {"recognised", "refused", "review", "more_info", "rejected", "revoked"}


def test_the_back_office_lists_catalogues_and_applications_without_id_numbers(admin_client, talent, zhoushan):
    application = submit(talent, zhoushan)
    for url in ("/admin/credentials/certificatekind/", "/admin/credentials/application/",
                f"/admin/credentials/application/{application.pk}/change/", "/admin/credentials/equivalence/"):  # fmt: skip
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert ZHANG_ID not in response.content.decode()


def test_a_certificate_scan_is_sealed_at_rest_and_served_plain(talent, zhoushan, zs_hr, client_of, settings):
    from pathlib import Path

    from talentlink.credentials.tests.conftest import pdf_bytes

    pending = submit(talent, zhoushan, certificate_number="NB-2018-0042", kind_code="eng-engineer",
                     authority_code="nb-hrss", scan=pdf_upload())  # fmt: skip
    at_rest = (Path(settings.MEDIA_ROOT) / pending.scan.name).read_bytes()
    assert not at_rest.startswith(b"%PDF") and pdf_bytes() not in at_rest
    for url in (
        f"/credentials/applications/{pending.pk}/scan/",
        f"/api/credentials/applications/{pending.pk}/scan",
    ):
        response = client_of(zs_hr).get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content) == pdf_bytes()
