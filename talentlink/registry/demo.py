"""Realistic registry exports for both cities, with known truth.

Each city's file is written in that city's own format (the column names and
code lists of its :class:`SourceSystem`). A share of the people appear in both
cities, and their second record carries the errors real registries have:
missing, legacy 15-digit or mistyped ID numbers, homophone characters in the
name, date typos, changed employers and phones. The person each row belongs to
is written to a separate truth file, never into the exports.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from faker.providers.person.zh_CN import Provider as ZhNames

from talentlink.core import credit_codes, idnumbers
from talentlink.registry.models import ColumnMapping, SourceSystem

NINGBO, ZHOUSHAN = "330200", "330900"
DISTRICTS = {
    NINGBO: [
        "330203",
        "330205",
        "330206",
        "330211",
        "330212",
        "330213",
        "330225",
        "330226",
        "330281",
        "330282",
    ],
    ZHOUSHAN: ["330902", "330903", "330921", "330922"],
}
ELSEWHERE = [
    "330102",
    "330106",
    "330302",
    "330402",
    "330602",
    "320102",
    "340104",
    "360102",
    "410105",
    "420106",
    "430104",
    "510104",
]
CATEGORY_WEIGHTS = {
    "party_government": 4.2, "business_management": 88.3, "professional_technical": 105,
    "high_skilled": 60, "rural_practical": 25, "social_work": 2.5,
}  # fmt: skip  # 表1's 2025 targets, in 万人
TIER_WEIGHTS = {
    NINGBO: {"A": 0.1, "B": 0.6, "C": 2.5, "D": 8, "E": 25, "F": 63.8},
    ZHOUSHAN: {"A": 0.2, "B": 1, "C": 4, "D": 15, "E": 79.8},
}
EDUCATION_WEIGHTS = {
    "doctorate": 3,
    "master": 12,
    "bachelor": 40,
    "associate": 25,
    "secondary": 15,
    "basic": 5,
}
TITLES = ["", "", "", "助理工程师", "工程师", "高级工程师", "正高级工程师", "经济师", "高级经济师", "主治医师",
          "副主任医师", "主任医师", "一级教师", "高级教师", "会计师", "技师", "高级技师", "高级工"]  # fmt: skip
INDUSTRIES = ["绿色石化", "海洋生物", "新材料", "工业互联网", "关键核心基础件", "港航物流", "集成电路",
              "生物医药", "现代服务业", "汽车制造", "智能家电", "现代渔业", "船舶修造"]  # fmt: skip
COMPANY_WORDS = ["海天", "东方", "甬江", "舟港", "蓝海", "金塘", "宏达", "恒信", "华德", "新材", "普陀",
                 "北仑", "镇海", "明州", "岱山", "远洋", "星辰", "启航", "智造", "凯越"]  # fmt: skip
COMPANY_KINDS = [
    "科技",
    "石化",
    "海洋生物",
    "港务",
    "物流",
    "精密机械",
    "新材料",
    "电子",
    "医药",
    "船舶",
]
COMPANY_SUFFIX = ["有限公司", "股份有限公司", "集团有限公司"]
HOMOPHONES = {"明": "铭", "伟": "玮", "丽": "莉", "静": "靖", "军": "君", "杰": "洁", "华": "骅", "芳": "方",
              "敏": "民", "强": "蔷", "磊": "垒", "洋": "阳", "勇": "永", "艳": "燕", "涛": "韬", "斌": "彬",
              "峰": "锋", "婷": "亭", "霞": "侠", "刚": "钢", "平": "萍", "辉": "晖", "玲": "琳", "超": "潮"}  # fmt: skip
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True, slots=True)
class Talent:
    uid: int
    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    phone: str
    email: str
    employer: tuple[str, str]
    category: str
    tier_rank: int
    education: str
    title: str
    industry: str
    registered_on: dt.date


def credit_code(rng: random.Random, region: str) -> str:
    """A valid GB 32100 code for an enterprise registered in the region."""
    while True:
        body = "".join(rng.choice(ORG_ALPHABET) for _ in range(8))
        org_check = credit_codes.organisation_check_character(body)
        if org_check in ORG_ALPHABET:
            break
    first17 = "91" + region + body + org_check
    return first17 + credit_codes.check_character(first17)


def id_number(rng: random.Random, region: str, born: dt.date, sex: str) -> str:
    sequence = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + idnumbers.check_character(first17)


class Generator:
    """Generates people and each city's view of them, deterministically from a seed."""

    def __init__(self, *, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.surnames = [s for s in ZhNames.last_names if len(s) == 1] + [
            "欧阳",
            "司马",
            "诸葛",
            "上官",
        ]
        self.given = sorted({c for name in ZhNames.first_names for c in name})
        self.employers = {
            region: [self._employer(region) for _ in range(400)] for region in (NINGBO, ZHOUSHAN)
        }

    def _employer(self, city: str) -> tuple[str, str]:
        rng = self.rng
        prefix = "宁波" if city == NINGBO else "舟山"
        name = prefix + rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_KINDS) + rng.choice(COMPANY_SUFFIX)
        return name, credit_code(rng, rng.choice(DISTRICTS[city]))

    def _weighted(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def talent(self, uid: int, city: str) -> Talent:
        rng = self.rng
        sex = rng.choice("MF")
        born = dt.date(1958, 1, 1) + dt.timedelta(days=rng.randrange(0, 45 * 365))
        home = rng.choice(DISTRICTS[city]) if rng.random() < 0.6 else rng.choice(ELSEWHERE)
        name = rng.choice(self.surnames) + "".join(
            rng.choice(self.given) for _ in range(rng.choice((1, 2, 2)))
        )
        tier = self._weighted(TIER_WEIGHTS[city])
        return Talent(
            uid=uid, name=name, id_number=id_number(rng, home, born, sex), sex=sex, birth_date=born,
            phone="1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}",
            email=f"user{uid}@example.cn" if rng.random() < 0.5 else "",
            employer=rng.choice(self.employers[city]), category=self._weighted(CATEGORY_WEIGHTS),
            tier_rank="ABCDEF".index(tier) + 1, education=self._weighted(EDUCATION_WEIGHTS),
            title=rng.choice(TITLES), industry=rng.choice(INDUSTRIES),
            registered_on=dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 3650)),
        )  # fmt: skip

    def as_seen_elsewhere(self, t: Talent, city: str) -> tuple[Talent, str]:
        """The same person as the other city's registry has them, with its errors;
        returns the record and the ID number as that registry writes it."""
        rng = self.rng
        name, written_id = t.name, t.id_number
        if rng.random() < 0.08:
            chars = list(name)
            spots = [i for i, c in enumerate(chars) if c in HOMOPHONES and i > 0]
            if spots:
                i = rng.choice(spots)
                chars[i] = HOMOPHONES[chars[i]]
                name = "".join(chars)
        roll = rng.random()
        if roll < 0.12:
            written_id = ""  # missing
        elif roll < 0.18 and t.birth_date.year < 2000:
            written_id = t.id_number[:6] + t.id_number[8:17]  # legacy 15-digit number
        elif roll < 0.22:
            digits = list(t.id_number[:17])
            i = rng.randrange(6, 16)  # transposed digits, check character recomputed by the clerk's system
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
            first17 = "".join(digits)
            candidate = first17 + idnumbers.check_character(first17)
            written_id = candidate if idnumbers.is_valid(candidate) else t.id_number
        born = t.birth_date
        if rng.random() < 0.04 and born.day <= 12 and born.day != born.month:
            born = born.replace(month=born.day, day=born.month)  # day and month swapped
        employer = rng.choice(self.employers[city]) if rng.random() < 0.25 else t.employer
        phone = (
            "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}" if rng.random() < 0.15 else t.phone
        )
        tier_rank = min(t.tier_rank, len(TIER_WEIGHTS[city]))
        seen = replace(t, name=name, birth_date=born, employer=employer, phone=phone, tier_rank=tier_rank)
        return seen, written_id

    def people(
        self, size: int, overlap: float, *, duplicates: float = 0.0
    ) -> Iterator[tuple[str, str, Talent, str]]:
        """(city, source key, record, ID as written) for ``size`` rows per city.

        ``duplicates`` is the share of people a city's registry holds twice (entered
        again under another key, with the same kinds of errors as the other city's copy).
        """
        shared = int(size * overlap)
        uid = 0
        for i in range(size):
            uid += 1
            t = self.talent(uid, NINGBO)
            yield NINGBO, f"NB{i + 1:08d}", t, t.id_number
            if i < shared:
                seen, written = self.as_seen_elsewhere(t, ZHOUSHAN)
                yield ZHOUSHAN, f"ZS-{i + 1:08d}", seen, written
            yield from self._again(t, NINGBO, f"NB{i + 1:08d}D", duplicates)
        for j in range(shared, size):
            uid += 1
            t = self.talent(uid, ZHOUSHAN)
            yield ZHOUSHAN, f"ZS-{j + 1:08d}", t, t.id_number
            yield from self._again(t, ZHOUSHAN, f"ZS-{j + 1:08d}D", duplicates)

    def _again(self, t: Talent, city: str, key: str, share: float) -> Iterator[tuple[str, str, Talent, str]]:
        if share and self.rng.random() < share:
            seen, written = self.as_seen_elsewhere(t, city)
            yield city, key, seen, written


def _formatter(source: SourceSystem):  # type: ignore[no-untyped-def]
    """Turn a talent into a row in the source system's own columns and codes."""
    reverse: dict[str, dict[str, str]] = {}
    for mapping in source.values.all():
        reverse.setdefault(mapping.target, {}).setdefault(mapping.value, mapping.source_value)
    columns = list(ColumnMapping.objects.filter(source_system=source).order_by("id"))
    date_format = source.date_formats.split("|")[0]
    tiers = "ABCDEF"

    def code(target: str, value: str) -> str:
        return reverse.get(target, {}).get(value, value)

    def row(key: str, t: Talent, written_id: str) -> list[str]:
        values = {
            "source_key": key, "name": t.name, "id_number": written_id, "sex": code("sex", t.sex),
            "birth_date": t.birth_date.strftime(date_format), "phone": t.phone, "email": t.email,
            "employer_name": t.employer[0], "employer_credit_code": t.employer[1],
            "category": code("category", t.category), "tier": code("tier", tiers[t.tier_rank - 1]),
            "education": code("education", t.education), "title": t.title, "industry": t.industry,
            "registered_on": t.registered_on.strftime(date_format),
        }  # fmt: skip
        return [values[c.target] for c in columns]

    return [c.column for c in columns], row


def write_exports(*, out_dir: Path, size: int, overlap: float = 0.3, seed: int = 2026) -> dict[str, Path]:
    """Write each city's export and the truth file; return the paths by source code."""
    from openpyxl import Workbook

    out_dir.mkdir(parents=True, exist_ok=True)
    sources = {s.region.code: s for s in SourceSystem.objects.select_related("region")}
    writers, paths, handles = {}, {}, []
    for region, source in sources.items():
        header, fmt = _formatter(source)
        path = out_dir / f"{source.code}.{source.file_format}"
        paths[source.code] = path
        if source.file_format == SourceSystem.FileFormat.XLSX:
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("人才信息")
            sheet.append(header)
            writers[region] = (fmt, sheet.append, (workbook, path))
        else:
            handle = open(path, "w", encoding=source.encoding, newline="")  # noqa: SIM115 - closed below
            handles.append(handle)
            writer = csv.writer(handle, delimiter=source.delimiter)
            writer.writerow(header)
            writers[region] = (fmt, writer.writerow, None)
    truth_path = out_dir / "truth.csv"
    with open(truth_path, "w", encoding="utf-8", newline="") as truth_handle:
        truth = csv.writer(truth_handle)
        truth.writerow(["region", "source_key", "person_uid"])
        for region, key, talent, written_id in Generator(seed=seed).people(size, overlap):
            fmt, append, _ = writers[region]
            append(fmt(key, talent, written_id))
            truth.writerow([region, key, talent.uid])
    for handle in handles:
        handle.close()
    for _fmt, _append, book in writers.values():
        if book:
            book[0].save(book[1])
    paths["truth"] = truth_path
    return paths


def first_talent(*, seed: int = 2026) -> Talent:
    """The first Ningbo talent of a generated set (the demo's talent account)."""
    return Generator(seed=seed).talent(1, NINGBO)
