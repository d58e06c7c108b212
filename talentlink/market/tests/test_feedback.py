"""发布-推送-匹配-反馈 through the pages: a published job is pushed to a matching talent's inbox and
e-mail (a real SMTP exchange), the talent applies, the employer hires, and the funnel counts it."""

from __future__ import annotations

import email
import io
from email import policy

import pytest
from django.core.management import call_command

from conftest import make_user
from talentlink.core.models import Role, User
from talentlink.credentials.models import Notification
from talentlink.market.models import Application, Event, Job, Profile
from talentlink.market.services import DAILY_SUGGESTIONS
from talentlink.market.tests.test_market import JOB, publish, resume

pytestmark = pytest.mark.django_db


def bodies(sink) -> list[tuple[list[str], str, str]]:
    out = []
    for _sender, recipients, raw in sink.messages:
        message = email.message_from_bytes(raw, policy=policy.default)
        plain = message.get_body(("plain",))
        assert plain is not None
        out.append((recipients, str(message["Subject"]), plain.get_content()))
    return out


def test_a_job_is_pushed_applied_to_and_filled_and_the_funnel_counts_it(
    client_of, employer, talent, ningbo, smtp_sink, django_capture_on_commit_callbacks
) -> None:
    User.objects.filter(pk=talent.pk).update(email="zw@example.cn")
    resume(client_of(talent), ningbo)
    with django_capture_on_commit_callbacks(execute=True):
        job = publish(client_of(employer), ningbo, required_level="")

    # Pushed: the talent's inbox and e-mail, in Chinese, with an absolute link to the job.
    suggestion = Notification.objects.get(user=talent, code="market.job_suggested")
    assert suggestion.subject == f"为您推荐岗位：{job.title}"
    mails = {recipients[0]: (subject, body) for recipients, subject, body in bodies(smtp_sink)}
    subject, body = mails["zw@example.cn"]
    assert subject == suggestion.subject and f"/market/jobs/{job.pk}/" in body and "http" in body
    # The employer hears how many candidates the job has.
    assert Notification.objects.filter(user=employer, code="market.candidates").count() == 1
    assert "hr@haitian.cn" in mails

    # Viewed and applied, by the talent; the recruiter is told.
    talent_client = client_of(talent)
    assert "用我的简历申请" in talent_client.get(f"/market/jobs/{job.pk}/").content.decode()
    talent_client.post(f"/market/jobs/{job.pk}/apply/", {"note": "可随时到岗"})
    application = Application.objects.get()
    assert application.status == "applied" and application.note == "可随时到岗"
    assert Notification.objects.filter(user=employer, code="market.applied").exists()
    again = talent_client.post(f"/market/jobs/{job.pk}/apply/", follow=True).content.decode()
    assert "您已申请过该岗位" in again and Application.objects.count() == 1

    # The employer takes it to a hire, one step at a time; a skipped step is refused.
    hr = client_of(employer)
    assert "张伟" in hr.get(f"/market/jobs/{job.pk}/applications/").content.decode()
    hr.post(f"/market/applications/{application.pk}/move/", {"status": "hired"})
    application.refresh_from_db()
    assert application.status == "applied", "hired straight from applied is not a step"
    for step in ("interview", "interviewed", "offered", "hired"):
        hr.post(f"/market/applications/{application.pk}/move/", {"status": step})
    application.refresh_from_db()
    assert application.status == "hired"
    told = Notification.objects.filter(user=talent, code="market.application_status").order_by("id").last()
    assert told is not None and "已录用" in told.subject
    assert "已录用" in talent_client.get("/market/applications/").content.decode()

    kinds = list(Event.objects.filter(to="").order_by("id").values_list("kind", flat=True))
    assert kinds == ["viewed", "applied", "interview", "interviewed", "offered", "hired"]
    office = client_of(make_user("nb-office-2", Role.TALENT_OFFICE, ningbo))
    row = office.get("/market/funnel/").content.decode().split('id="funnel"')[1].split("</tr>")[1]
    figures = [cell.split("</td>")[0] for cell in row.split('<td class="figure">')[1:]]
    assert "宁波市" in row and figures == ["1", "1", "1", "1"]


def test_a_rejection_needs_a_reason_and_reaches_the_talent_in_their_language(
    client_of, employer, talent, ningbo
) -> None:
    User.objects.filter(pk=talent.pk).update(preferred_language="en")
    resume(client_of(talent), ningbo)
    job = publish(client_of(employer), ningbo, required_level="")
    client_of(talent).post(f"/market/jobs/{job.pk}/apply/")
    application = Application.objects.get()
    hr = client_of(employer)
    hr.post(f"/market/applications/{application.pk}/move/", {"status": "rejected"})
    application.refresh_from_db()
    assert application.status == "applied"
    hr.post(f"/market/applications/{application.pk}/move/", {"status": "rejected", "reason": "岗位已满"})
    application.refresh_from_db()
    assert (application.status, application.reason) == ("rejected", "岗位已满")
    told = Notification.objects.get(user=talent, code="market.application_status")
    assert told.subject == f"Your application for {job.title}: Not taken further"


def test_suggestions_are_capped_a_day_and_may_be_turned_off(client_of, employer, talent, ningbo) -> None:
    resume(client_of(talent), ningbo)
    hr = client_of(employer)
    for n in range(DAILY_SUGGESTIONS + 2):
        publish(hr, ningbo, required_level="", title=f"设备工程师{n}")
    out = io.StringIO()
    call_command("market_push", stdout=out)
    assert Notification.objects.filter(user=talent, code="market.job_suggested").count() == DAILY_SUGGESTIONS
    assert out.getvalue().startswith(f"{DAILY_SUGGESTIONS} suggestions")

    resume(client_of(talent), ningbo, suggestions="")  # unticked: no more suggestions
    publish(hr, ningbo, required_level="", title="新岗位")
    call_command("market_push", stdout=io.StringIO())
    assert Notification.objects.filter(user=talent, code="market.job_suggested").count() == DAILY_SUGGESTIONS


def test_only_the_employers_recruiters_move_its_applications(
    client_of, employer, talent, ningbo, zhoushan
) -> None:
    resume(client_of(talent), ningbo)
    job = publish(client_of(employer), ningbo, required_level="")
    client_of(talent).post(f"/market/jobs/{job.pk}/apply/")
    application = Application.objects.get()
    assert (
        client_of(talent)
        .post(f"/market/applications/{application.pk}/move/", {"status": "offered"})
        .status_code
        == 404
    )
    office = client_of(make_user("zs-office-2", Role.TALENT_OFFICE, zhoushan))
    assert office.get(f"/market/jobs/{job.pk}/applications/").status_code == 404
    application.refresh_from_db()
    assert application.status == "applied"
    assert JOB["title"] == job.title


def test_a_talent_who_asked_for_text_messages_gets_the_suggestion_by_sms_too(
    client_of, employer, talent, ningbo, django_capture_on_commit_callbacks
) -> None:
    from talentlink.core.sms import MemorySmsBackend
    from talentlink.registry.models import Person

    Person.objects.filter(account=talent).update(phone="13805740001")
    resume(client_of(talent), ningbo, sms_suggestions="on")
    with django_capture_on_commit_callbacks(execute=True):
        job = publish(client_of(employer), ningbo, required_level="")
    [(phone, text, _at)] = MemorySmsBackend.outbox
    assert phone == "13805740001" and text.startswith(f"为您推荐岗位：{job.title}")
    assert f"/market/jobs/{job.pk}/" in text and text.startswith("为您推荐岗位")

    resume(client_of(talent), ningbo)  # unticked
    with django_capture_on_commit_callbacks(execute=True):
        publish(client_of(employer), ningbo, required_level="", title="化工工艺工程师")
    assert len(MemorySmsBackend.outbox) == 1, "no text message without the talent's wish"


def test_the_daily_cap_counts_the_citys_day(client_of, employer, talent, ningbo) -> None:
    """Suggestions made before dawn in Ningbo (the evening before, in UTC) count for that day."""
    import datetime as dt

    from django.utils import timezone

    from talentlink.market.services import matches_push

    resume(client_of(talent), ningbo)
    for n in range(DAILY_SUGGESTIONS + 1):
        publish(client_of(employer), ningbo, required_level="", title=f"设备工程师{n}")
    Event.objects.all().delete()
    morning = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(7, 30)))
    Event.objects.bulk_create([
        Event(job=job, profile=Profile.objects.get(person__account=talent), kind="pushed", side="platform", to="talent")
        for job in list(Job.objects.order_by("id"))[:DAILY_SUGGESTIONS]
    ])  # fmt: skip
    Event.objects.filter(kind="pushed").update(at=morning)  # 23:30 UTC the day before
    assert matches_push(now=morning + dt.timedelta(hours=2)).suggestions == 0
