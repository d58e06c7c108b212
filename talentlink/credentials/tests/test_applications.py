"""Applications: the registry decides at once, or the target city's HR bureau reviews."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from talentlink.core.errors import Conflict, DomainError, NotAllowed, NotFound
from talentlink.core.models import AuditEvent
from talentlink.credentials import services
from talentlink.credentials.models import Application, Notification, Recognition
from talentlink.credentials.selectors import person_credential_levels
from talentlink.credentials.tests.conftest import (
    ISSUED,
    LI,
    LI_ID,
    ZHANG,
    ZHANG_ID,
    access_of,
    jpeg_upload,
    pdf_upload,
)

pytestmark = pytest.mark.django_db


def submit(user, zhoushan, **overrides):
    fields = {
        "kind_code": "skill-2", "certificate_number": "ZJ2021JS000123", "holder_name": ZHANG,
        "id_number": ZHANG_ID, "issued_on": ISSUED, "authority_code": "zj-skills", "target_region": zhoushan,
    }  # fmt: skip
    return services.application_submit(access=access_of(user), **{**fields, **overrides})


def test_a_certificate_found_and_consistent_is_recognised_in_both_cities_at_once(
    talent, zhoushan, in_registry, django_capture_on_commit_callbacks
):
    in_registry()
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(talent, zhoushan, scan=pdf_upload())
    assert (application.status, application.route) == ("recognised", "automatic")
    recognition = application.recognition
    assert sorted(s.region.code for s in recognition.scopes.all()) == ["330200", "330900"]
    assert application.registry_evidence["found"] is True
    assert application.registry_evidence["backend"] == "local"
    assert person_credential_levels(person_id=application.person_id) == {"skill_2", "title_intermediate"}
    assert person_credential_levels(person_id=application.person_id, purpose="housing") == {
        "skill_2",
        "title_intermediate",
    }
    assert person_credential_levels(person_id=application.person_id, purpose="benefits") == {"skill_2"}
    assert Notification.objects.get(user=talent).link == f"/credentials/applications/{application.pk}/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zw@example.cn"]


def test_the_id_number_is_kept_sealed_and_masked_never_in_clear(talent, zhoushan, in_registry):
    application = submit(talent, zhoushan)
    stored = Application.objects.filter(pk=application.pk).values().get()
    assert ZHANG_ID not in str(stored)
    assert application.id_number_masked == "330203********4513"
    assert not AuditEvent.objects.filter(detail__icontains=ZHANG_ID).exists()


def test_a_certificate_found_but_inconsistent_is_refused_with_the_reasons(talent, zhoushan, in_registry):
    in_registry(kind="skill-3", issued_on=dt.date(2019, 1, 2))
    application = submit(talent, zhoushan)
    assert application.status == "refused"
    assert application.refusal_reasons == ["kind", "issued_on"]
    assert not Recognition.objects.exists()
    assert person_credential_levels(person_id=application.person_id) == set()


def test_a_withdrawn_certificate_is_refused(talent, zhoushan, in_registry):
    in_registry(status="withdrawn", withdrawn_on=dt.date(2024, 1, 5))
    assert submit(talent, zhoushan).refusal_reasons == ["withdrawn"]


def test_a_certificate_not_in_the_registry_goes_to_the_target_citys_queue_with_a_deadline(
    talent, zhoushan, settings
):
    settings.TALENTLINK_CREDENTIAL_REVIEW_DAYS = 3
    application = submit(talent, zhoushan, certificate_number="NB-2018-0042", kind_code="eng-engineer",
                         authority_code="nb-hrss")  # fmt: skip
    assert (application.status, application.route) == ("review", "reviewed")
    assert application.due_on == services.working_days_after(dt.date.today(), 3)
    assert application.registry_evidence["found"] is False


def test_working_days_skip_weekends_and_configured_holidays(settings):
    settings.TALENTLINK_HOLIDAYS = ["2025-10-06"]
    friday = dt.date(2025, 10, 3)
    assert services.working_days_after(friday, 1) == dt.date(2025, 10, 7)
    assert services.working_days_after(friday, 10) == dt.date(2025, 10, 20)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"kind_code": "astronaut"}, "unknown_kind"),
        ({"authority_code": "mars"}, "unknown_authority"),
        ({"id_number": "330203199003074512"}, "id_number.checksum"),
        ({"id_number": LI_ID, "holder_name": LI}, "not_holder"),
        ({"certificate_number": "№1"}, "certificate_number"),
        ({"issued_on": dt.date.today() + dt.timedelta(days=2)}, "issued_on"),
        ({"authority_code": "zs-hrss"}, "same_city"),
        ({"scan": SimpleUploadedFile("c.pdf", b"MZ\x90\x00 not a pdf")}, "scan_type"),
        ({"scan": SimpleUploadedFile("c.pdf", b"%PDF-1.4 truncated")}, "scan_type"),
        ({"scan": SimpleUploadedFile("c.jpg", b"\xff\xd8\xff\xe0 broken jpeg")}, "scan_type"),
        ({"scan": SimpleUploadedFile("c.exe", b"%PDF-1.4\n%%EOF")}, "scan_extension"),
        ({"scan": SimpleUploadedFile("c.pdf", b"")}, "scan_empty"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_changes_nothing(
    talent, zhoushan, in_registry, overrides, code
):
    in_registry()
    with pytest.raises(DomainError) as refused:
        submit(talent, zhoushan, **overrides)
    assert refused.value.code == code
    assert str(refused.value.message)
    assert not Application.objects.exists()
    assert not AuditEvent.objects.filter(object_type="credentials.application").exists()


def test_a_scan_over_the_size_limit_is_refused(talent, zhoushan, settings):
    settings.TALENTLINK_CREDENTIAL_SCAN_MAX_BYTES = 20
    with pytest.raises(DomainError) as refused:
        submit(talent, zhoushan, scan=pdf_upload())
    assert refused.value.code == "scan_too_large"
    assert not Application.objects.exists()


def test_a_jpeg_scan_is_accepted_by_its_content(talent, zhoushan):
    application = submit(talent, zhoushan, scan=jpeg_upload("scan.JPEG"))
    assert application.scan.name.endswith(".JPEG")


def test_a_second_application_for_the_same_certificate_is_a_duplicate(talent, zhoushan, in_registry):
    in_registry()
    submit(talent, zhoushan)
    with pytest.raises(Conflict) as duplicate:
        submit(talent, zhoushan)
    assert duplicate.value.code == "duplicate"
    assert Application.objects.count() == 1


def test_the_database_refuses_a_duplicate_that_slips_past_the_check(talent, zhoushan, monkeypatch):
    submit(talent, zhoushan)
    monkeypatch.setattr(services, "_check_not_duplicate", lambda kind, number: None)
    with pytest.raises(Conflict):
        submit(talent, zhoushan)
    assert Application.objects.count() == 1


def test_an_employer_applies_for_an_employee(employer, colleague, zhoushan, in_registry):
    in_registry(name=LI, id_number=LI_ID)
    application = submit(employer, zhoushan, holder_name=LI, id_number=LI_ID)
    assert application.person == colleague
    assert application.on_behalf_of == employer.organisation
    assert application.status == "recognised"


def test_an_employer_cannot_apply_for_someone_who_does_not_work_there(employer, zhoushan, talent, colleague):
    colleague.employer_credit_code = ""
    colleague.save()
    with pytest.raises(NotFound):
        submit(employer, zhoushan, holder_name=LI, id_number=LI_ID)
    assert not Application.objects.exists()


def test_staff_and_observers_cannot_apply(nb_hr, observer, zhoushan):
    for user in (nb_hr, observer):
        with pytest.raises(NotAllowed):
            submit(user, zhoushan)


# --- Review -----------------------------------------------------------------------------------


@pytest.fixture
def pending(talent, zhoushan):
    return submit(talent, zhoushan, certificate_number="NB-2018-0042", kind_code="eng-engineer",
                  authority_code="nb-hrss")  # fmt: skip


def test_the_reviewer_approves_and_the_credential_is_attached_to_the_person(
    pending, zs_hr, talent, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_decide(
            access=access_of(zs_hr), application=pending, decision="approve"
        )
    assert application.status == "recognised"
    assert application.decided_by == zs_hr
    assert person_credential_levels(person_id=pending.person_id) == {"title_intermediate"}
    event = AuditEvent.objects.get(action="decide", object_id=str(pending.pk))
    assert event.detail["decision"] == "approve" and event.actor == zs_hr
    assert [m.to for m in mail.outbox] == [["zw@example.cn"]]
    assert Notification.objects.filter(user=talent).count() == 2


def test_rejecting_needs_a_reason_and_tells_the_applicant(pending, zs_hr, talent):
    with pytest.raises(DomainError) as refused:
        services.application_decide(access=access_of(zs_hr), application=pending, decision="reject")
    assert refused.value.code == "reason_required"
    services.application_decide(
        access=access_of(zs_hr), application=pending, decision="reject", reason="证书编号不符"
    )
    pending.refresh_from_db()
    assert pending.status == "rejected" and pending.decision_note == "证书编号不符"
    assert "证书编号不符" in Notification.objects.filter(user=talent).latest("id").body


def test_asking_for_more_material_and_the_answer_bring_it_back_to_the_queue(pending, zs_hr, talent):
    services.application_decide(
        access=access_of(zs_hr), application=pending, decision="more_info", reason="请上传证书原件扫描件"
    )
    pending.refresh_from_db()
    assert pending.status == "more_info"
    with pytest.raises(DomainError):
        services.application_supplement(access=access_of(talent), application=pending)
    services.application_supplement(access=access_of(talent), application=pending, scan=pdf_upload())
    pending.refresh_from_db()
    assert pending.status == "review" and pending.scan


def test_only_the_target_citys_hr_bureau_decides(pending, nb_hr, zs_office, talent):
    for user in (nb_hr, zs_office, talent):
        with pytest.raises(NotAllowed):
            services.application_decide(access=access_of(user), application=pending, decision="approve")
    pending.refresh_from_db()
    assert pending.status == "review"


def test_a_decided_application_cannot_be_decided_again(pending, zs_hr):
    services.application_decide(access=access_of(zs_hr), application=pending, decision="approve")
    with pytest.raises(Conflict):
        services.application_decide(
            access=access_of(zs_hr), application=pending, decision="reject", reason="x"
        )


def test_a_rejected_certificate_may_be_applied_for_again(pending, zs_hr, talent, zhoushan):
    services.application_decide(
        access=access_of(zs_hr), application=pending, decision="reject", reason="不符"
    )
    again = submit(talent, zhoushan, certificate_number="NB-2018-0042", kind_code="eng-engineer",
                   authority_code="nb-hrss")  # fmt: skip
    assert again.status == "review"
