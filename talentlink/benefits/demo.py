# ruff: noqa: E501 - the data tables of Chinese names read best one row per line.
"""Demo data of the benefits: the providers and benefits the plans name in both cities, service
points with accounts, three months of uses, and each city's social-insurance records.

Run by ``manage.py demo_load`` after the registry's demo; safe to run again.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from talentlink.benefits import selectors, services
from talentlink.benefits.imports import TEMPLATE_HEADERS, insurance_import
from talentlink.benefits.models import (
    Benefit,
    InsuranceImport,
    Provider,
    Redemption,
    ServicePoint,
    ServicePointAccount,
    SettlementPeriod,
)
from talentlink.core import crypto
from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, Organisation, Region, Role, User
from talentlink.registry.demo import credit_code
from talentlink.registry.models import Person, Tier

PASSWORD = "Talent@2026"
NINGBO, ZHOUSHAN = "330200", "330900"
NAMESPACE = uuid.UUID("7b0c7d1e-5a55-4d0e-9a63-2026b3e1f001")

# (region, district for the credit code, name, English name, kind, address)
PROVIDERS = [
    (NINGBO, "330203", "天一阁博物院", "Tianyi Pavilion Museum", "scenic_spot", "宁波市海曙区天一街10号"),
    (NINGBO, "330283", "溪口—滕头旅游景区", "Xikou–Tengtou Scenic Area", "scenic_spot", "宁波市奉化区溪口镇"),
    (
        NINGBO,
        "330212",
        "东钱湖院士之家",
        "Dongqian Lake Academicians' Home",
        "sanatorium",
        "宁波市鄞州区东钱湖",
    ),
    (NINGBO, "330203", "宁波人才之家", "Ningbo Talent Home", "talent_home", "宁波市海曙区"),
    (NINGBO, "330203", "宁波市第一医院", "Ningbo First Hospital", "hospital", "宁波市海曙区柳汀街59号"),
    (NINGBO, "330203", "宁波市公共交通集团", "Ningbo Public Transport Group", "bus_operator", "宁波市"),
    (
        NINGBO,
        "330225",
        "象山石浦海景民宿",
        "Shipu Seaview Homestay, Xiangshan",
        "homestay",
        "宁波市象山县石浦镇",
    ),
    (
        ZHOUSHAN,
        "330903",
        "普陀山风景名胜区",
        "Mount Putuo Scenic Area",
        "scenic_spot",
        "舟山市普陀区普陀山镇",
    ),
    (
        ZHOUSHAN,
        "330903",
        "桃花岛风景旅游区",
        "Taohua Island Scenic Area",
        "scenic_spot",
        "舟山市普陀区桃花镇",
    ),
    (
        ZHOUSHAN,
        "330922",
        "嵊泗花鸟岛品质民宿",
        "Huaniao Island Homestay, Shengsi",
        "homestay",
        "舟山市嵊泗县花鸟乡",
    ),
    (ZHOUSHAN, "330902", "舟山医院", "Zhoushan Hospital", "hospital", "舟山市定海区"),
    (ZHOUSHAN, "330902", "舟山市公共交通有限公司", "Zhoushan Public Transport", "bus_operator", "舟山市"),
    (
        ZHOUSHAN,
        "330903",
        "普陀山人才疗休养基地",
        "Mount Putuo Talent Sanatorium",
        "sanatorium",
        "舟山市普陀区",
    ),
    (ZHOUSHAN, "330902", "舟山人才之家", "Zhoushan Talent Home", "talent_home", "舟山市定海区"),
]

# code, provider, name, English name, grant, percent, price, per day/year/person, tiers, levels, min years
BENEFITS: list[tuple[Any, ...]] = [
    ("nb-tianyige-free", "天一阁博物院", "天一阁免费参观", "Free entry to Tianyi Pavilion", "free_entry", None, "30",
     1, 12, None, "", [], None),
    ("nb-xikou-free", "溪口—滕头旅游景区", "溪口景区免门票", "Free entry to Xikou", "free_entry", None, "120",
     1, 2, None, "", [], None),
    ("nb-dongqianhu-rest", "东钱湖院士之家", "院士之家疗休养", "Rest stay at the Academicians' Home", "free_entry",
     None, "1500", None, 1, None, "ABC", ["title_senior"], "5"),
    ("nb-talent-home", "宁波人才之家", "人才之家一站式服务", "One-stop service at the Talent Home", "priority",
     None, "0", None, None, None, "", [], None),
    ("nb-hospital-green", "宁波市第一医院", "就医绿色通道", "Priority channel for care", "priority", None, "0",
     1, 24, None, "ABCD", ["title_associate_senior", "title_senior", "skill_1"], None),
    ("nb-bus-card", "宁波市公共交通集团", "公交一卡通优惠", "Bus card discount", "discount", 50, "2", 6, None,
     None, "", [], None),
    ("nb-shipu-homestay", "象山石浦海景民宿", "品质民宿八折", "20% off a quality homestay", "discount", 20, "480",
     1, 4, None, "", [], None),
    ("zs-putuo-free", "普陀山风景名胜区", "普陀山免门票", "Free entry to Mount Putuo", "free_entry", None, "160",
     1, 2, None, "", [], None),
    ("zs-taohua-free", "桃花岛风景旅游区", "桃花岛免门票", "Free entry to Taohua Island", "free_entry", None, "100",
     1, 2, None, "", [], None),
    ("zs-huaniao-homestay", "嵊泗花鸟岛品质民宿", "花鸟岛民宿八五折", "15% off a Huaniao homestay", "discount", 15,
     "600", 1, 4, None, "", [], None),
    ("zs-hospital-green", "舟山医院", "就医绿色通道", "Priority channel for care", "priority", None, "0", 1, 24,
     None, "ABCD", ["title_associate_senior", "title_senior", "skill_1"], None),
    ("zs-bus-card", "舟山市公共交通有限公司", "公交一卡通优惠", "Bus card discount", "discount", 50, "2", 6, None,
     None, "", [], None),
    ("zs-putuo-sanatorium", "普陀山人才疗休养基地", "疗休养基地休养", "Rest stay at the Putuo sanatorium",
     "free_entry", None, "1200", None, 1, 3, "ABC", ["title_senior"], "5"),
    ("zs-talent-home", "舟山人才之家", "人才之家一站式服务", "One-stop service at the Talent Home", "priority",
     None, "0", None, None, None, "", [], None),
]  # fmt: skip

# username, full name, role, provider, service point
ACCOUNTS = [
    ("nb-spot", "天一阁东门检票员", Role.SERVICE_POINT, "天一阁博物院", "东门检票口"),
    ("nb-service", "宁波天一阁服务点", Role.SERVICE_POINT, "天一阁博物院", "东门检票口"),
    ("zs-spot", "普陀山售票处", Role.SERVICE_POINT, "普陀山风景名胜区", "南天门售票处"),
    ("nb-tianyige", "天一阁博物院 管理员", Role.BENEFIT_PROVIDER, "天一阁博物院", None),
    ("zs-putuo", "普陀山风景名胜区 管理员", Role.BENEFIT_PROVIDER, "普陀山风景名胜区", None),
]


def load(*, stdout: Any) -> None:
    with transaction.atomic():
        providers = _providers()
        _benefits(providers)
        _accounts(providers)
        used = _redemptions()
        closed = _close_months()
    imported = _insurance()
    stdout.write(
        f"Benefits: {len(PROVIDERS)} providers, {len(BENEFITS)} benefits, {used} uses, "
        f"{closed} settlement months closed, "
        f"{imported} insurance records; service points nb-spot / zs-spot (password {PASSWORD})"
    )


def _providers() -> dict[str, Provider]:
    rng = random.Random(2026)
    regions = {r.code: r for r in Region.objects.all()}
    providers = {}
    for region, district, name, name_en, kind, address in PROVIDERS:
        code = credit_code(rng, district)
        organisation, _ = Organisation.objects.get_or_create(
            name=name, kind=Organisation.Kind.PROVIDER,
            defaults={"credit_code": code, "region": regions[region], "status": Organisation.Status.APPROVED},
        )  # fmt: skip
        providers[name], _ = Provider.objects.get_or_create(
            organisation=organisation,
            defaults={"name": name, "name_en": name_en, "kind": kind, "region": regions[region], "address": address},
        )  # fmt: skip
    return providers


def _benefits(providers: dict[str, Provider]) -> None:
    start = dt.date(timezone.localdate().year - 1, 1, 1)
    for code, provider, name, name_en, grant, pct, price, day, year, person, tiers, levels, years in BENEFITS:
        benefit, created = Benefit.objects.get_or_create(
            code=code,
            defaults={
                "provider": providers[provider], "name": name, "name_en": name_en, "grant": grant,
                "discount_percent": pct, "list_price": Decimal(price), "per_day": day, "per_year": year,
                "per_person": person, "credential_levels": levels, "valid_from": start,
                "min_insurance_years": Decimal(years) if years else None,
                "valid_until": dt.date(2027, 12, 31) if code.endswith("-free") else None,
            },
        )  # fmt: skip
        if created and tiers:
            benefit.tiers.set(Tier.objects.filter(code__in=list(tiers)))


def _accounts(providers: dict[str, Provider]) -> None:
    for username, full_name, role, provider_name, point_name in ACCOUNTS:
        provider = providers[provider_name]
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, role=role, region=provider.region,
                        organisation=provider.organisation, email=f"{username}@talentlink.localhost")  # fmt: skip
            user.set_password(PASSWORD)
            user.save()
        elif user.organisation_id is None:
            user.organisation = provider.organisation
            user.save(update_fields=["organisation"])
        if point_name:
            point, _ = ServicePoint.objects.get_or_create(provider=provider, name=point_name)
            ServicePointAccount.objects.get_or_create(user=user, defaults={"service_point": point})


def _redemptions() -> int:
    """Three months of uses by talents of both cities, within every rule; two offline conflicts."""
    if Redemption.objects.filter(client_id=uuid.uuid5(NAMESPACE, "use-0")).exists():
        return Redemption.objects.count()
    rng = random.Random(6)
    points = {p.provider_id: p for p in ServicePoint.objects.all()}
    benefits = [b for b in selectors.benefits_with_terms().filter(is_active=True) if b.provider_id in points]
    persons = list(Person.objects.filter(status=Person.Status.ACTIVE, tier__isnull=False).select_related(
        "home_region", "tier")[:60])  # fmt: skip
    today = timezone.localdate()
    created = 0
    for n in range(240):
        person, benefit = rng.choice(persons), rng.choice(benefits)
        when = timezone.make_aware(
            dt.datetime.combine(
                today - dt.timedelta(days=rng.randrange(1, 90)), dt.time(rng.randrange(8, 18))
            )
        )
        if not selectors.benefit_eligibility(
            benefit=benefit, holder=selectors.Holder(person), on=when.date()
        ).ok:
            continue
        over = selectors.quota_exhausted(selectors.quota_remaining(benefit=benefit, person=person, at=when))
        if over and created % 40:
            continue
        Redemption.objects.create(
            client_id=uuid.uuid5(NAMESPACE, f"use-{created}"), benefit=benefit,
            service_point=points[benefit.provider_id], person=person, holder_region=person.home_region,
            token_id=f"demo-{n}", scanned_at=when, offline=bool(over), reason=over or "ok",
            status=Redemption.Status.CONFLICT if over else Redemption.Status.RECORDED, value=benefit.granted_value,
        )  # fmt: skip
        created += 1
    return created


def _close_months() -> int:
    """Close every ended month but the last, as the offices would have; the last is left to try."""
    office = User.objects.filter(role=Role.TALENT_OFFICE, region__code="330200").order_by("pk").first()
    first = Redemption.objects.aggregate(first=Min("scanned_at"))["first"]
    if office is None or first is None:
        return 0
    month = timezone.localtime(first).date().replace(day=1)
    last_ended = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    closed = 0
    while month < last_ended:
        if not SettlementPeriod.objects.filter(month=month).exists():
            services.settlement_close(
                access=Access(user=office, channel=AuditEvent.Channel.COMMAND), month=month
            )
            closed += 1
        month = selectors.next_month(month)
    return closed


def _insurance() -> int:
    """Each city's fund delivers the months it received for some talents, through the real import."""
    if InsuranceImport.objects.filter(original_name__startswith="demo-insurance-").exists():
        return 0
    rng = random.Random(9)
    # One record per ID number: before linkage merges them, a person may have one in each city.
    by_number = {p.id_number_index: p for p in Person.objects.filter(status=Person.Status.ACTIVE)
                 .exclude(id_number_encrypted="").order_by("-id")[:80]}  # fmt: skip
    persons = sorted(by_number.values(), key=lambda p: p.pk)[:40]
    total = 0
    for region_code, office in ((NINGBO, "nb-office"), (ZHOUSHAN, "zs-office")):
        region = Region.objects.get(code=region_code)
        rows = []
        for person in persons:
            first = dt.date(rng.randrange(2008, 2020), rng.randrange(1, 13), 1)
            last = min(dt.date(first.year + rng.randrange(1, 6), first.month, 1), dt.date(2025, 12, 1))
            rows.append([crypto.id_number_open(person.id_number_encrypted), person.name,
                         f"{first:%Y-%m}", f"{last:%Y-%m}", person.employer_name])  # fmt: skip
        batch = _import_rows(region, office, rows)
        total += batch.total_rows
    return total


def _import_rows(region: Region, office: str, rows: list[list[str]]) -> InsuranceImport:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"demo-insurance-{region.code}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(TEMPLATE_HEADERS)
            writer.writerows(rows)
        user = User.objects.filter(username=office).first()
        access = Access.system(channel=AuditEvent.Channel.COMMAND, user=user)
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        return insurance_import(access=access, region=region, upload=upload)
