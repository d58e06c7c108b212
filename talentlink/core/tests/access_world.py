"""The access matrix's world: one account per role (all of Ningbo, the city that is "own"), and of
every kind of object a URL can name, one of the acting accounts' own, one of their city held by
someone else, and one of the other city (Zhoushan).

Variants of an object, as the access table names them:

- ``own``: of Ningbo and held by the acting accounts where a role holds such things (the talent's
  person, consent and notification; the employer's organisation and application on the talent's
  behalf; the expert's profile, declaration and seat; the organiser's round; the provider's
  provider, the service point's counter and their redemption; otherwise just Ningbo's);
- ``city``: of Ningbo but nobody's among the actors (only for kinds that have owners);
- ``other``: of Zhoushan, held by Zhoushan's accounts;
- ``any``: kinds that belong to no city (joint committees and studios, linkage runs, the
  province's certificate list).

Built once per test module inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from conftest import GOOD_ROWS, PASSWORD, make_user
from talentlink.benefits.models import InsuranceImport, Redemption, ServicePoint, ServicePointAccount
from talentlink.benefits.tests.conftest import make_benefit, make_provider
from talentlink.core import crypto, idnumbers
from talentlink.core.audit import Access
from talentlink.core.models import Organisation, Region, Role, User
from talentlink.core.services import office_staff_grant
from talentlink.credentials.models import (
    Application,
    CertificateKind,
    IssuingAuthority,
    Notification,
    RegistryImport,
)
from talentlink.experts import review
from talentlink.experts import services as expert_services
from talentlink.experts.models import Assignment, CommitteeMember, ExpertImport, Field
from talentlink.market.models import Application as JobApplication
from talentlink.market.models import Job, Profile
from talentlink.registry.demo import credit_code
from talentlink.registry.linkage import services as linkage
from talentlink.registry.models import (
    Consent,
    LinkageRun,
    Person,
    PersonChange,
    ReviewPair,
    SourceRecord,
    SourceSystem,
    TalentClaim,
)
from talentlink.registry.tests.test_imports import run_import, zhoushan_xlsx

NINGBO, ZHOUSHAN = "330200", "330900"
EMPLOYER_CODE = "91330200144069621H"  # 张伟's employer in GOOD_ROWS
PAST_MONTH = "2025-01"

# The identities of the matrix: anonymous, a superuser, and one account of each role (an expert is
# a talent with an expert profile).
IDENTITIES = (
    "anonymous", "superuser", "office", "hr", "employer", "talent", "expert", "spot", "organiser",
    "observer", "provider",
)  # fmt: skip


# Every kind of object a URL can name, and its variants.
VARIANTS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("person", "consent", "application", "expert", "provider", "redemption"),
                    ("own", "city", "other")),
    **dict.fromkeys(("import", "source", "claim", "pair", "change", "organisation", "notification",
                     "conflict", "expert_import", "round", "seat", "benefit", "point", "insurance_import",
                     "job", "job_application"),
                    ("own", "other")),
    **dict.fromkeys(("run", "registry_import", "committee", "member", "studio"), ("any",)),
}  # fmt: skip


def id_number(region_code: str, serial: int) -> str:
    first17 = f"{region_code[:4]}03{1970 + serial}0101{serial:03d}"
    return first17 + idnumbers.check_character(first17)


@dataclass
class World:
    """What the matrix asks about: objects by kind and variant, and a session per identity."""

    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    media_root: Path | None = None

    def add(self, kind: str, **variants: Any) -> None:
        self.objects[kind] = variants

    def get(self, kind: str, variant: str) -> Any:
        return self.objects[kind][variant]


def build(media_root: Path, tmp: Path) -> World:
    world = World(media_root=media_root)
    ningbo, zhoushan = Region.objects.get(code=NINGBO), Region.objects.get(code=ZHOUSHAN)
    _accounts(world, ningbo, zhoushan)
    _registry(world, ningbo, zhoushan, tmp)
    _organisations(world, ningbo, zhoushan)
    _credentials(world, ningbo, zhoushan)
    _experts(world, ningbo, zhoushan)
    _benefits(world, ningbo, zhoushan)
    _market(world, ningbo, zhoushan)
    _sessions(world)
    for kind, variants in VARIANTS.items():
        assert tuple(world.objects[kind]) == variants, f"the world's {kind}: {tuple(world.objects[kind])}"
    return world


def _accounts(world: World, ningbo: Region, zhoushan: Region) -> None:
    users = world.users
    users["superuser"] = make_user("matrix-admin", Role.TALENT, is_superuser=True, is_staff=True)
    users["office"] = make_user("nb-office", Role.TALENT_OFFICE, ningbo, email="nb-office@example.cn")
    office_staff_grant(user=users["office"])
    users["hr"] = make_user("nb-hr", Role.HR_REVIEWER, ningbo)
    users["organiser"] = make_user("nb-organiser", Role.REVIEW_ORGANISER, ningbo)
    users["observer"] = make_user("province", Role.PROVINCE_OBSERVER)
    users["talent"] = make_user("13805740001", Role.TALENT, link_status=User.LinkStatus.LINKED)
    users["expert"] = make_user("13905740002", Role.TALENT, link_status=User.LinkStatus.LINKED)
    employer_org = Organisation.objects.create(
        name="宁波海天石化有限公司",
        credit_code=EMPLOYER_CODE,
        region=ningbo,
        status=Organisation.Status.APPROVED,
        licence=ContentFile(b"%PDF-1.4\n", name="licence-nb.pdf"),
    )
    users["employer"] = make_user("nb-employer", Role.EMPLOYER, ningbo, organisation=employer_org)
    # Zhoushan's accounts own the other city's objects; they never log in.
    users["zs-office"] = make_user("zs-office", Role.TALENT_OFFICE, zhoushan)
    users["zs-organiser"] = make_user("zs-organiser", Role.REVIEW_ORGANISER, zhoushan)
    users["zs-talent"] = make_user("13905800002", Role.TALENT, link_status=User.LinkStatus.LINKED)
    users["nb-colleague"] = make_user("13805749999", Role.TALENT)


def _registry(world: World, ningbo: Region, zhoushan: Region, tmp: Path) -> None:
    users = world.users
    nb_rows = [*GOOD_ROWS] + [
        [f"NB00{n}", name, id_number(NINGBO, n), "男", "", "", "", "", "", "03", "C", "", "", "", ""]
        for n, name in ((4, "赵一"), (5, "赵一"))
    ]
    path = tmp / "ningbo.csv"
    _write_csv(path, nb_rows)
    nb_batch = run_import(users["office"], path)
    zs_rows = [
        [
            "ZS-1",
            "王海",
            "330902850615123",
            "1",
            "19850615",
            "13905800001",
            "",
            "舟山远洋渔业有限公司",
            "",
            "高技能人才",
            "D类",
            "31",
            "高级技师",
            "现代渔业",
            "20190301",
        ],
        [
            "ZS-2",
            "林静",
            id_number(ZHOUSHAN, 2),
            "2",
            "19900203",
            "",
            "",
            "",
            "",
            "专业技术人才",
            "E类",
            "21",
            "",
            "海洋生物",
            "20200506",
        ],
        *[
            [
                f"ZS-{n}",
                "钱二",
                id_number(ZHOUSHAN, n),
                "1",
                "19800101",
                "",
                "",
                "",
                "",
                "专业技术人才",
                "E类",
                "21",
                "",
                "",
                "20200506",
            ]
            for n in (3, 4)
        ],
    ]
    zs_batch = run_import(users["zs-office"], zhoushan_xlsx(tmp, zs_rows), source="zhoushan-talent-info")
    assert (nb_batch.status, zs_batch.status) == ("succeeded", "succeeded"), "the world's imports"
    world.add("import", own=nb_batch, other=zs_batch)
    world.add(
        "source",
        own=SourceSystem.objects.get(code="ningbo-talent-db"),
        other=SourceSystem.objects.get(code="zhoushan-talent-info"),
    )
    by_key = {r.source_key: r.person for r in SourceRecord.objects.select_related("person")}
    zhang, ouyang, li = by_key["NB001"], by_key["NB002"], by_key["NB003"]
    wang, lin = by_key["ZS-1"], by_key["ZS-2"]
    for person, account in ((zhang, users["talent"]), (ouyang, users["expert"]), (lin, users["zs-talent"])):
        person.account = account
        person.save(update_fields=["account"])
    world.add("person", own=zhang, city=li, other=wang)
    world.add(
        "consent",
        own=Consent.objects.create(person=zhang, region=zhoushan, channel=Consent.Channel.SELF_SERVICE),
        city=Consent.objects.create(person=li, region=zhoushan, channel=Consent.Channel.SELF_SERVICE),
        other=Consent.objects.create(person=lin, region=ningbo, channel=Consent.Channel.SELF_SERVICE),
    )
    world.add("claim", own=_claim(ningbo, "13805748888", 7), other=_claim(zhoushan, "13905808888", 8))
    _linkage(world, by_key)


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    import csv

    from conftest import NINGBO_HEADER

    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(NINGBO_HEADER)
        writer.writerows(rows)


def _claim(region: Region, phone: str, serial: int) -> TalentClaim:
    number = id_number(region.code, serial)
    token, index = crypto.id_number_seal(number)
    user = make_user(phone, Role.TALENT, link_status=User.LinkStatus.PENDING)
    return TalentClaim.objects.create(
        user=user,
        region=region,
        name="孙三",
        id_number_encrypted=token,
        id_number_index=index,
        id_number_masked=idnumbers.mask(number),
    )


def _linkage(world: World, by_key: dict[str, Person]) -> None:
    """A failed run (retryable), a review pair and an undoable merge in each city."""
    world.add(
        "run", any=LinkageRun.objects.create(kind=LinkageRun.Kind.FULL, status=LinkageRun.Status.FAILED)
    )
    records = {r.source_key: r for r in SourceRecord.objects.all()}
    world.add(
        "pair",
        own=ReviewPair.objects.create(
            record_a=records["NB002"],
            record_b=records["NB003"],
            match_weight=2.5,
            match_probability=0.85,
            comparison={},
        ),
        other=ReviewPair.objects.create(
            record_a=records["ZS-1"],
            record_b=records["ZS-2"],
            match_weight=2.5,
            match_probability=0.85,
            comparison={},
        ),
    )
    system = Access.system(user=world.users["superuser"])
    changes = {}
    for variant, (keep, gone) in {"own": ("NB004", "NB005"), "other": ("ZS-3", "ZS-4")}.items():
        changes[variant] = linkage.persons_merge(
            access=system, person=by_key[keep], other=by_key[gone], reason="同一人"
        )
    world.add("change", **{variant: PersonChange.objects.get(pk=c.pk) for variant, c in changes.items()})
    # A partner a person may be merged with (the survivor of Ningbo's merge).
    world.objects["merge_partner"] = {"own": by_key["NB004"]}


def _organisations(world: World, ningbo: Region, zhoushan: Region) -> None:
    other = Organisation.objects.create(
        name="舟山远洋渔业有限公司",
        credit_code=credit_code(random.Random(3), ZHOUSHAN),
        region=zhoushan,
        licence=ContentFile(b"%PDF-1.4\n", name="licence-zs.pdf"),
    )
    world.add("organisation", own=world.users["employer"].organisation, other=other)


def _market(world: World, ningbo: Region, zhoushan: Region) -> None:
    """A published job of the employer's and one of a Zhoushan employer's."""
    valid = timezone.localdate() + dt.timedelta(days=30)

    def job(organisation: Organisation | None, region: Region, title: str) -> Job:
        assert organisation is not None
        return Job.objects.create(
            organisation=organisation, title=title, description="负责设备维护。", region=region,
            salary_min=8000, salary_max=12000, valid_until=valid, status=Job.Status.PUBLISHED,
            published_at=timezone.now(),
        )  # fmt: skip

    own, other = (
        job(world.users["employer"].organisation, ningbo, "设备工程师"),
        job(world.get("organisation", "other"), zhoushan, "轮机工程师"),
    )
    world.add("job", own=own, other=other)

    def resume(user: User, region: Region) -> Profile:
        profile = Profile.objects.create(person=Person.objects.get(account=user), headline="设备技师")
        profile.desired_regions.set([region])
        return profile

    talent, _expert = resume(world.users["talent"], ningbo), resume(world.users["expert"], ningbo)
    world.add(
        "job_application",
        own=JobApplication.objects.create(job=own, profile=talent),
        other=JobApplication.objects.create(job=other, profile=resume(world.users["zs-talent"], zhoushan)),
    )


def _credentials(world: World, ningbo: Region, zhoushan: Region) -> None:
    users = world.users
    person = world.objects["person"]
    lin = Person.objects.get(account=users["zs-talent"])
    applications = {
        "own": _application(
            person["own"],
            ningbo,
            users["employer"],
            "ZJ2021JS000001",
            on_behalf_of=users["employer"].organisation,
        ),
        "city": _application(person["city"], ningbo, users["nb-colleague"], "ZJ2021JS000002"),
        "other": _application(lin, zhoushan, users["zs-talent"], "ZJ2021JS000003"),
    }
    world.add("application", **applications)
    world.add(
        "notification",
        own=Notification.objects.create(user=users["talent"], subject="认定结果", body="x"),
        other=Notification.objects.create(user=users["zs-talent"], subject="认定结果", body="x"),
    )
    world.add(
        "registry_import",
        any=RegistryImport.objects.create(
            original_name="list.csv",
            sha256="0" * 64,
            status=RegistryImport.Status.REJECTED,
            errors=[[2, "证书编号", "", "required", {}]],
        ),
    )


def _application(person: Person, region: Region, by: User, number: str, **extra: Any) -> Application:
    value = idnumbers.parse(crypto.id_number_open(person.id_number_encrypted)).value
    token, index = crypto.id_number_seal(value)
    return Application.objects.create(
        person=person,
        submitted_by=by,
        kind=CertificateKind.objects.get(code="skill-2"),
        certificate_number=number,
        holder_name=person.name,
        id_number_encrypted=token,
        id_number_index=index,
        id_number_masked=idnumbers.mask(value),
        issued_on=dt.date(2021, 6, 30),
        authority=IssuingAuthority.objects.get(code="zj-skills"),
        target_region=region,
        status=Application.Status.REVIEW,
        route=Application.Route.REVIEWED,
        due_on=timezone.localdate() + dt.timedelta(days=10),
        scan=ContentFile(b"%PDF-1.4\n", name=f"{number}.pdf"),
        **extra,
    )


def _experts(world: World, ningbo: Region, zhoushan: Region) -> None:
    users, person = world.users, world.objects["person"]
    office = Access.system(user=users["office"])
    zs_office = Access.system(user=users["zs-office"])
    petro = Field.objects.get(name="绿色石化")
    experts = {
        "own": expert_services.expert_create(
            access=office, person=Person.objects.get(account=users["expert"]), region=ningbo, fields=[petro]
        ),
        "city": expert_services.expert_create(
            access=office, person=person["city"], region=ningbo, fields=[petro]
        ),
        "other": expert_services.expert_create(
            access=zs_office, person=person["other"], region=zhoushan, fields=[petro]
        ),
    }
    world.add("expert", **experts)
    world.add(
        "conflict",
        own=expert_services.conflict_declare(
            access=office, expert=experts["own"], organisation_name="某石化"
        ),
        other=expert_services.conflict_declare(
            access=zs_office, expert=experts["other"], organisation_name="某药业"
        ),
    )
    committee = expert_services.committee_create(
        access=office, name="甬舟石化联合专家委员会", field=petro, established_on=dt.date(2021, 5, 1)
    )
    for expert in (experts["own"], experts["other"]):
        expert_services.committee_member_add(access=office, committee=committee, expert=expert)
    world.add("committee", any=committee)
    world.add("member", any=CommitteeMember.objects.filter(committee=committee).first())
    host = Organisation.objects.create(
        name="浙江海洋大学",
        credit_code="12330900470000000X",
        kind="university",
        region=zhoushan,
        status=Organisation.Status.APPROVED,
    )
    studio = expert_services.studio_create(
        access=zs_office,
        name="海洋药物领军人才工作室",
        leader=experts["other"],
        host=host,
        established_on=dt.date(2022, 3, 1),
    )
    world.add("studio", any=studio)
    world.objects["studio_host"] = {"any": host}
    world.add(
        "expert_import",
        own=ExpertImport.objects.create(region=ningbo, original_name="nb.csv", status="rejected", errors=[]),
        other=ExpertImport.objects.create(
            region=zhoushan, original_name="zs.csv", status="rejected", errors=[]
        ),
    )
    _rounds(world, experts, ningbo, zhoushan)


def _rounds(world: World, experts: dict[str, Any], ningbo: Region, zhoushan: Region) -> None:
    deadline = timezone.localdate() + dt.timedelta(days=30)
    rounds, seats = {}, {}
    for variant, organiser, region in (("own", "organiser", ningbo), ("other", "zs-organiser", zhoushan)):
        access = Access.system(user=world.users[organiser])
        rounds[variant] = review.round_create(access=access, name=f"评审 {variant}", deadline=deadline)
        project = review.project_add(
            access=access,
            review_round=rounds[variant],
            title="催化裂化节能改造",
            applicant_organisation="某石化公司",
            region=region,
        )
        # The invitations have gone out (as panel_invite leaves a round).
        rounds[variant].status = rounds[variant].Status.INVITING
        rounds[variant].save(update_fields=["status"])
        seats[variant] = Assignment.objects.create(
            round=rounds[variant],
            project=project,
            expert=experts[variant],
            affinity=0.5,
            status=Assignment.Status.INVITED,
            invited_at=timezone.now(),
        )
    world.add("round", **rounds)
    world.add("seat", **seats)


def _benefits(world: World, ningbo: Region, zhoushan: Region) -> None:
    users, person = world.users, world.objects["person"]
    providers = {
        "own": make_provider(ningbo, "天一阁博物院"),
        "city": make_provider(ningbo, "宁波博物馆"),
        "other": make_provider(zhoushan, "普陀山风景名胜区"),
    }
    world.add("provider", **providers)
    users["provider"] = make_user(
        "nb-tianyige", Role.BENEFIT_PROVIDER, ningbo, organisation=providers["own"].organisation
    )
    points, benefits = {}, {}
    for variant, provider in providers.items():
        points[variant] = ServicePoint.objects.create(provider=provider, name=f"检票口 {variant}")
        benefits[variant] = make_benefit(provider, f"matrix-{variant}", per_year=3)
    users["spot"] = make_user(
        "nb-spot", Role.SERVICE_POINT, ningbo, organisation=providers["own"].organisation
    )
    ServicePointAccount.objects.create(user=users["spot"], service_point=points["own"])
    world.add("point", own=points["own"], other=points["other"])
    world.add("benefit", own=benefits["own"], other=benefits["other"])
    world.add(
        "redemption",
        **{
            variant: Redemption.objects.create(
                client_id=uuid.uuid4(),
                benefit=benefits[variant],
                service_point=points[variant],
                person=person[variant],
                holder_region=person[variant].home_region,
                scanned_at=timezone.now() - dt.timedelta(days=1),
                status=Redemption.Status.CONFLICT,
                reason="quota",
                value=Decimal("30"),
            )
            for variant in ("own", "city", "other")
        },
    )
    world.add(
        "insurance_import",
        own=InsuranceImport.objects.create(
            region=ningbo, original_name="nb.csv", status="rejected", errors=[]
        ),
        other=InsuranceImport.objects.create(
            region=zhoushan, original_name="zs.csv", status="rejected", errors=[]
        ),
    )


def _sessions(world: World) -> None:
    """A logged-in session per identity, made once; each cell's client carries its cookie."""
    for identity in IDENTITIES:
        if identity == "anonymous":
            continue
        client = Client()
        client.force_login(world.users[identity])
        world.sessions[identity] = client.cookies["sessionid"].value


__all__ = ["IDENTITIES", "PASSWORD", "PAST_MONTH", "World", "build"]
