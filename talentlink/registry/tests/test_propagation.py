"""A merge of persons reaches every app, in the merge's transaction, and its undo puts everything back.

The same human, 张伟, is in both cities' registries (one ID number, two records, two persons until
linkage merges them). Each person has come to hold something in every app: an expert profile with
committee seats, a studio and panel seats, a recognised certificate, a talent code, uses of a
benefit, a registration and an account.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from talentlink.benefits import selectors as benefit_selectors
from talentlink.benefits import services as benefit_services
from talentlink.benefits.models import Redemption, ServicePoint, ServicePointAccount
from talentlink.benefits.tests.conftest import make_benefit, make_provider
from talentlink.core import crypto, idnumbers
from talentlink.core.audit import Access
from talentlink.core.models import Organisation, Region, Role, User
from talentlink.credentials import services as credential_services
from talentlink.credentials.models import CertificateKind, IssuingAuthority, Recognition, RegistryCertificate
from talentlink.experts import review
from talentlink.experts import selectors as expert_selectors
from talentlink.experts import services as expert_services
from talentlink.experts.models import Assignment, CommitteeMember, Expert, Field, ReviewProject, Studio
from talentlink.registry import services as registry_services
from talentlink.registry.linkage import changes
from talentlink.registry.linkage import services as linkage
from talentlink.registry.models import Consent, Person, PersonChange, SourceRecord, TalentClaim
from talentlink.registry.tests.test_imports import run_import, zhoushan_xlsx
from talentlink.talentcode.models import Credential
from talentlink.talentcode.selectors import code_verify
from talentlink.talentcode.services import code_issue

ZHANG_ID = "330203199003074513"
NINGBO_ROW = [
    "NB001", "张伟", ZHANG_ID, "男", "1990-03-07", "13805740001", "zw@example.cn", "宁波海天石化有限公司",
    "91330200144069621H", "03", "C", "博士研究生", "高级工程师", "绿色石化", "2020-05-01",
]  # fmt: skip
ZHOUSHAN_ROW = [
    "ZS-1", "张伟", ZHANG_ID, "1", "19900307", "13905800001", "", "舟山远洋渔业有限公司", "", "高技能人才",
    "D类", "31", "高级技师", "现代渔业", "20190301",
]  # fmt: skip


@dataclass
class Human:
    """张伟's two persons, the staff who hold their records, and what the apps hold for them."""

    nb: Person
    zs: Person
    nb_office: User
    zs_office: User
    account: User
    benefit_code: str
    gate: User
    zs_code: str = ""


def office(user: User) -> Access:
    return Access.system(user=user)


@pytest.fixture
def human(nb_office, zs_office, ningbo, zhoushan, ningbo_csv, tmp_path) -> Human:
    """Both cities' records imported (their linkage runs not yet run), and each person's holdings."""
    run_import(nb_office, ningbo_csv([NINGBO_ROW]))
    run_import(zs_office, zhoushan_xlsx(tmp_path, [ZHOUSHAN_ROW]), source="zhoushan-talent-info")
    nb, zs = (Person.objects.get(source_records__source_key=key) for key in ("NB001", "ZS-1"))
    account = registry_services.talent_register(
        name="张伟", id_number=ZHANG_ID, phone="13905800001", email="", password="Zw-Zhoushan-2026",
        region=zhoushan,
    )  # fmt: skip
    zs.refresh_from_db()
    assert account is not None and zs.account == account, (
        "the registration links the account to Zhoushan's record"
    )
    Consent.objects.create(person=zs, region=ningbo, channel=Consent.Channel.SELF_SERVICE)
    provider = make_provider(ningbo, "天一阁博物院")
    gate = make_user("nb-gate", Role.SERVICE_POINT, ningbo, organisation=provider.organisation)
    point = ServicePoint.objects.create(provider=provider, name="东门")
    ServicePointAccount.objects.create(user=gate, service_point=point)
    make_benefit(provider, "nb-tianyige-free", name="天一阁免费参观", per_person=3)
    found = Human(nb, zs, nb_office, zs_office, account, "nb-tianyige-free", gate)
    _experts(found)
    _certificate(found, ningbo)
    _uses(found)
    return found


def _experts(human: Human) -> None:
    """A profile in each city's expert database; the Zhoushan one chairs a committee, leads a studio."""
    nb, zs = office(human.nb_office), office(human.zs_office)
    petro, marine = Field.objects.get(name="绿色石化"), Field.objects.get(name="海洋生物")
    nb_expert = expert_services.expert_create(
        access=nb, person=human.nb, region=human.nb.home_region, fields=[petro], keywords="催化、炼油"
    )
    zs_expert = expert_services.expert_create(
        access=zs, person=human.zs, region=human.zs.home_region, fields=[marine], keywords="海藻、炼油",
        biography="海洋生物活性物质", source_key="ZSE-7",
    )  # fmt: skip
    committee = expert_services.committee_create(
        access=nb, name="甬舟石化联合专家委员会", field=petro, established_on=dt.date(2021, 5, 1)
    )
    for expert, role in ((nb_expert, "member"), (zs_expert, "chair")):
        expert_services.committee_member_add(access=nb, committee=committee, expert=expert, role=role)
    host = Organisation.objects.create(
        name="浙江海洋大学", credit_code="12330900470000000X", kind="university", region=human.zs.home_region,
        status=Organisation.Status.APPROVED,
    )  # fmt: skip
    expert_services.studio_create(
        access=zs,
        name="海洋药物领军人才工作室",
        leader=zs_expert,
        host=host,
        established_on=dt.date(2022, 3, 1),
    )
    expert_services.conflict_declare(access=zs, expert=zs_expert, organisation_name="舟山某药业")
    _panels(human, nb_expert, zs_expert)


def _panels(human: Human, nb_expert: Expert, zs_expert: Expert) -> None:
    """Panels proposed while the two records were two persons: the human holds two seats on one."""
    organiser = office(make_user("nb-organiser", Role.REVIEW_ORGANISER, human.nb.home_region))
    deadline = timezone.localdate() + dt.timedelta(days=30)
    rnd = review.round_create(access=organiser, name="石化项目评审", deadline=deadline)
    project = review.project_add(
        access=organiser, review_round=rnd, title="催化裂化节能改造", applicant_organisation="某石化公司",
        region=human.nb.home_region,
    )  # fmt: skip
    review.project_add(
        access=organiser, review_round=rnd, title="海藻多糖中试", applicant_person=human.zs,
        applicant_organisation="某海洋公司", region=human.nb.home_region,
    )  # fmt: skip
    Assignment.objects.create(round=rnd, project=project, expert=nb_expert, affinity=0.5)
    Assignment.objects.create(
        round=rnd,
        project=project,
        expert=zs_expert,
        affinity=0.7,
        status="invited",
        invited_at=timezone.now(),
    )


def _certificate(human: Human, ningbo: Region) -> None:
    token, index = crypto.id_number_seal(ZHANG_ID)
    RegistryCertificate.objects.create(
        number="ZJ2021JS000123", kind=CertificateKind.objects.get(code="skill-2"), holder_name="张伟",
        id_number_encrypted=token, id_number_index=index, id_number_masked=idnumbers.mask(ZHANG_ID),
        issued_on=dt.date(2021, 6, 30), authority=IssuingAuthority.objects.get(code="zj-skills"),
    )  # fmt: skip
    application = credential_services.application_submit(
        access=Access.system(user=human.account), kind_code="skill-2", certificate_number="ZJ2021JS000123",
        holder_name="张伟", id_number=ZHANG_ID, issued_on=dt.date(2021, 6, 30), authority_code="zj-skills",
        target_region=ningbo,
    )  # fmt: skip
    assert application.status == "recognised" and application.person == human.zs


def _uses(human: Human) -> None:
    """Two uses with the Ningbo person's code, one with the Zhoushan person's (each a fresh code)."""
    for person in (human.nb, human.nb, human.zs):
        qr = code_issue(person=person).qr
        scan = benefit_services.Scan(uuid.uuid4(), qr, human.benefit_code, timezone.now(), False)
        benefit_services.redemption_record(access=Access(user=human.gate, channel="api"), scan=scan)
    human.zs_code = code_issue(person=human.zs).qr


PROFILE = ("pk", "person", "region", "source_key", "keywords", "biography", "title", "search_document")


def holdings(human: Human) -> dict[str, Any]:
    """Everything the apps hold for either person, comparable before and after."""
    persons = [human.nb.pk, human.zs.pk]
    experts = Expert.objects.filter(person__in=persons).order_by("pk")
    return {
        "experts": list(experts.values(*PROFILE)),
        "fields": sorted(experts.values_list("pk", "fields")),
        "memberships": sorted(CommitteeMember.objects.values_list("pk", "expert", "role", "joined_on")),
        "studios": sorted(Studio.objects.values_list("pk", "leader")),
        "seats": sorted(Assignment.objects.values_list("pk", "project", "expert", "status")),
        "applicant": sorted(ReviewProject.objects.values_list("pk", "applicant_person")),
        "recognitions": sorted(Recognition.objects.values_list("pk", "person", "application__person")),
        "redemptions": sorted(Redemption.objects.values_list("pk", "person")),
        "codes": sorted(Credential.objects.values_list("pk", "person")),
        "accounts": sorted(Person.objects.filter(pk__in=persons).values_list("pk", "account")),
        "claims": sorted(TalentClaim.objects.values_list("pk", "person")),
        "consents": sorted(Consent.objects.values_list("pk", "person")),
    }


def live_codes(*persons: Person) -> int:
    return Credential.objects.filter(person__in=persons, revoked_at__isnull=True).count()


def test_a_merge_by_staff_moves_everything_the_apps_hold_and_an_undo_puts_it_back(human):
    before = holdings(human)
    change = linkage.persons_merge(access=office(human.nb_office), person=human.nb, other=human.zs,
                                   reason="同一人：身份证号一致")  # fmt: skip
    human.zs.refresh_from_db()
    assert (human.zs.status, human.zs.merged_into_id) == ("merged", human.nb.pk)

    [profile] = expert_selectors.experts_active().filter(person__name="张伟")
    assert profile.person_id == human.nb.pk and profile.region.code == "330200", "the older profile's city"
    assert {f.name for f in profile.fields.all()} == {"绿色石化", "海洋生物"}
    assert profile.keyword_list == ["催化", "炼油", "海藻"] and profile.biography == "海洋生物活性物质"
    assert CommitteeMember.objects.get(expert=profile).role == "chair", "the survivor's seat took the chair"
    [committee] = expert_selectors.committees_overview()
    assert [m.expert for m in committee.memberships.all()] == [profile] and committee.cities == 1
    assert Studio.objects.get().leader == profile
    assert [(s.expert_id, s.status) for s in Assignment.objects.all()] == [(profile.pk, "invited")], (
        "one human, one seat: the invited seat stays, the proposed duplicate is gone"
    )
    assert ReviewProject.objects.get(title="海藻多糖中试").applicant_person_id == human.nb.pk
    assert Recognition.objects.get().person_id == human.nb.pk
    assert (
        live_codes(human.nb, human.zs) == 1
        and code_verify(qr=human.zs_code, consume=False).reason == "revoked"
    )
    benefit = benefit_selectors.benefits_with_terms().get(code=human.benefit_code)
    assert benefit_selectors.quota_remaining(benefit=benefit, person=human.nb)["per_person"] == 0, (
        "three uses of one human against one quota of three"
    )
    human.nb.refresh_from_db()
    assert human.nb.account == human.account and TalentClaim.objects.get().person_id == human.nb.pk
    assert Consent.objects.get().person_id == human.nb.pk
    assert set(change.followed) == {"registry", "credentials", "experts", "benefits", "talentcode"}

    linkage.person_change_undo(access=office(human.nb_office), change=PersonChange.objects.get(pk=change.pk))
    after = holdings(human)
    assert after == before
    assert live_codes(human.nb, human.zs) == 1, (
        "the retired code stays revoked; Ningbo's person keeps its own"
    )
    fresh = code_issue(person=Person.objects.get(pk=human.zs.pk)).qr
    assert code_verify(qr=fresh, consume=False).ok, "the restored person is issued a new code line"


def test_an_automatic_merge_of_two_persons_with_accounts_keeps_each_account(human):
    other = make_user("13805740001", Role.TALENT, human.nb.home_region, link_status=User.LinkStatus.LINKED)
    Person.objects.filter(pk=human.nb.pk).update(account=other)  # linked by Ningbo's office in the past
    before = holdings(human)
    records = dict(SourceRecord.objects.values_list("pk", "person_id"))
    steps = changes.plan(dict.fromkeys(records, 1), records, {human.nb.pk, human.zs.pk})
    [change] = changes.apply(steps, actor=None, reason="linkage")

    assert change.person_id == human.nb.pk, "the older of two persons with an account survives"
    accounts = dict(Person.objects.filter(pk__in=[human.nb.pk, human.zs.pk]).values_list("pk", "account"))
    assert accounts == {human.nb.pk: other.pk, human.zs.pk: human.account.pk}
    assert change.followed["registry"][str(human.zs.pk)]["moved"]["account_left"] == human.account.pk
    assert TalentClaim.objects.get().person_id == human.nb.pk
    assert expert_selectors.experts_active().filter(person__name="张伟").count() == 1
    assert Recognition.objects.get().person_id == human.nb.pk and live_codes(human.nb, human.zs) == 1

    linkage.person_change_undo(access=office(human.nb_office), change=change)
    assert holdings(human) == before


def test_a_zhoushan_expert_merged_into_a_ningbo_person_stays_in_zhoushans_pool(human):
    for model in (Assignment, CommitteeMember):  # Ningbo's registry knows 张伟, its expert database does not
        model.objects.filter(expert__person=human.nb).delete()
    Expert.objects.filter(person=human.nb).delete()
    linkage.persons_merge(access=office(human.nb_office), person=human.nb, other=human.zs, reason="同一人")
    expert = Expert.objects.get(person=human.nb)
    assert expert.region.code == "330900" and expert.source_key == "ZSE-7"
    figures = expert_selectors.desk_figures(user=human.nb_office)["experts"]
    listed = expert_selectors.experts_search(user=human.nb_office, region_id=expert.region_id)
    assert (
        list(listed) == [expert] and sum(figures.values()) == expert_selectors.experts_active().count() == 1
    )


def test_a_use_scanned_offline_before_a_merge_counts_for_the_human_when_synced_after_it(human):
    qr = code_issue(person=human.zs).qr
    scanned = timezone.now()
    linkage.persons_merge(access=office(human.nb_office), person=human.nb, other=human.zs, reason="同一人")
    [result] = benefit_services.redemptions_sync(
        access=Access(user=human.gate, channel="api"),
        scans=[benefit_services.Scan(uuid.uuid4(), qr, human.benefit_code, scanned, True)],
    )
    assert Redemption.objects.get(pk=result["id"]).person_id == human.nb.pk
    assert (result["status"], result["reason"]) == ("conflict", "quota_person"), (
        "the human's fourth use of a quota of three is for staff to decide"
    )


def test_undoing_a_split_hands_what_the_new_person_came_to_hold_back_to_the_person(human):
    linkage.persons_merge(access=office(human.nb_office), person=human.nb, other=human.zs, reason="同一人")
    record = SourceRecord.objects.get(source_key="ZS-1")
    split = linkage.person_split(access=office(human.nb_office), person=human.nb, record_ids=[record.pk],
                                 reason="两个人")  # fmt: skip
    [new] = Person.objects.filter(pk__in=split.created_persons)
    scan = benefit_services.Scan(
        uuid.uuid4(), code_issue(person=new).qr, human.benefit_code, timezone.now(), False
    )
    use, _created = benefit_services.redemption_record(
        access=Access(user=human.gate, channel="api"), scan=scan
    )
    assert use.person_id == new.pk, "as another person, the split-off record has its own quota"

    reverse = linkage.person_change_undo(access=office(human.nb_office), change=split)
    use.refresh_from_db()
    assert use.person_id == human.nb.pk and Redemption.objects.filter(person=human.nb).count() == 4
    assert reverse.followed["benefits"][str(new.pk)] == {
        "target": human.nb.pk,
        "moved": {"redemptions": [use.pk]},
    }
    assert live_codes(new) == 0, "the split-off person's code went with its retirement"


def test_merges_made_before_the_apps_followed_them_are_followed_by_the_command(human, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    from talentlink.registry.linkage import propagation

    before = holdings(human)
    with monkeypatch.context() as patched:  # a merge of the time before apps followed merges
        patched.setattr(propagation, "persons_retired", lambda changes: None)
        change = linkage.persons_merge(access=office(human.nb_office), person=human.nb, other=human.zs,
                                       reason="同一人")  # fmt: skip
    assert Expert.objects.filter(person=human.zs).exists(), "left on the retired person"
    out = StringIO()
    call_command("registry_follow_merges", "--dry-run", stdout=out)
    assert "experts: would follow" in out.getvalue() and Expert.objects.filter(person=human.zs).exists()

    call_command("registry_follow_merges", stdout=StringIO())
    assert expert_selectors.experts_active().filter(person__name="张伟").count() == 1
    assert not Redemption.objects.filter(person=human.zs).exists()
    out = StringIO()
    call_command("registry_follow_merges", stdout=out)
    assert "nothing is left" in out.getvalue(), "safe to run again"

    linkage.person_change_undo(access=office(human.nb_office), change=PersonChange.objects.get(pk=change.pk))
    assert holdings(human) == before, "the undo of that merge puts it back"
