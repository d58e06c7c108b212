"""Registry exports for both cities, with known truth, and the registry's part of the demo.

Each city's file is written in that city's own format (the column names and
code lists of its :class:`SourceSystem`: Ningbo's CSV, Zhoushan's XLSX). A share
of the people appear in both cities. Two error models:

- ``easy`` (the first one, kept so that earlier figures and tests reproduce): one
  city's record is clean and the other city's copy carries a few errors;
- ``realistic`` (the demo and the benchmarks): every row of both registries carries,
  independently, the faults measured on real city exports (issue 11): missing,
  mistyped, legacy 15-digit and transposed ID numbers, missing and mistyped birth
  dates, homophone and look-alike characters in names, changed or missing phones
  and employers, landlines in the mobile column, and names as common as the real
  ones, so that namesakes share a birth date and sex with other people.

The person each row belongs to is written to a separate truth file (region,
source key, person), never into the exports.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import itertools
import random
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape as xml_escape

from faker.providers.person.zh_CN import Provider as ZhNames

from talentlink.core import credit_codes, idnumbers
from talentlink.registry.models import ColumnMapping, LinkageRun, SourceSystem

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

# --- The realistic error model ----------------------------------------------------------
ERROR_MODELS = ("easy", "realistic")
DEMO_ERRORS = "realistic"  # what demo_load and the benchmarks generate


@dataclass(frozen=True, slots=True)
class ErrorRates:
    """Shares of rows carrying each fault, drawn for every row of both registries.

    The ID number figures are those of the real Ningbo export described in issue 11
    (300,000 rows: 39,731 without an ID number, 6,999 bad check characters and 2,679
    impossible birth dates inside the number); the others are the orders of magnitude
    registry staff report, kept small enough that a clerk would still call the
    registry usable.
    """

    # 13.2 % of the Ningbo rows had no ID number (Zhoushan's system does not require one).
    id_missing: float = 0.13
    # One digit typed wrong and the check character left as typed: 3.2 % in Ningbo's file
    # (checksum errors, or an impossible date when the digit falls in the birth date).
    id_typo: float = 0.03
    # Two neighbouring digits swapped by a system that recomputed the check character:
    # a valid number of someone else, which no check catches.
    id_transposed: float = 0.01
    # Of people born before 1990: records carried over from the systems before 1999 keep
    # the 15-digit number (converted on import).
    id_legacy: float = 0.05
    # Rows without an ID number come from thinner sources (paper forms, lists from
    # employers): a quarter of them lack the birth date too, other rows rarely do.
    birth_missing_without_id: float = 0.25
    birth_missing: float = 0.02
    birth_typo: float = 0.02  # one digit of the date typed wrong (still a valid date)
    birth_swapped: float = 0.01  # day and month exchanged (only possible up to the 12th)
    # Pinyin input picks a character of the same sound (the commonest name error);
    # handwritten forms keyed in give look-alikes; two-character names padded with a
    # space to align with three-character ones (the importer removes it).
    homophone: float = 0.02
    lookalike: float = 0.005
    name_padded: float = 0.01
    phone_missing: float = 0.08
    phone_changed: float = 0.10  # a person changes numbers; the registries are years apart
    phone_landline: float = 0.01  # an office landline in the mobile column (a bad phone)
    employer_missing: float = 0.05
    employer_changed: float = 0.05  # in the same city, between two deliveries
    # People in both registries mostly moved or commute for work: the other city's row
    # names an employer of that city this often.
    employer_changed_elsewhere: float = 0.40
    # Names: surnames by their national frequency; 15 % of people carry one of the commonest
    # given names (伟, 波, 涛, 芳 …), which puts 张伟 at 0.01 % of people (0.02 % in the 2019
    # national name statistics); the rest have one or two characters from a wide set. At
    # 2 × 500,000 records some 150 pairs of people then share name, birth date and sex by
    # chance, the namesakes that one missing ID number turns into a false merge; ``namesake``
    # adds one person in 5,000 as such a namesake of an earlier one, so that small
    # registries carry the case too.
    common_name: float = 0.15
    namesake: float = 0.0002


REALISTIC = ErrorRates()
# Characters of given names beyond Faker's commonest ones (which the common names use).
GIVEN_CHARACTERS = (
    "伟强磊洋勇军杰涛超明刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢佳阳亮成建峰晨瑞兵雷东博彬坤岩杨文利楠"
    "国志海永春立新金德庆忠福生荣祥松江河山泉宏伦毅锋嘉振维鸿昊天泽轩哲睿航然豪铭恒晓家思一子梓逸辰景晟"
    "宸彦卓远达凡璋安康乐和诚信仁义礼智勤俭耀光晖煜炜灿烨锦钧铮锐钢森柏桐栋楷杭舟港涌澜潮渊源溪川峻崇嵩"
    "岳峥芳娜敏静秀英丽艳娟霞兰燕玲桂丹萍红玉梅莉珍婷凤晶颖雪慧倩琴洁柳淑冬莹云琳欣璐瑜怡悦琪琦雅雯晴婉"
    "妍娇媛婕嫣姗妮佩蓉薇菲萱蕾蓓茜荷莲菊芬芸芝若诗语梦涵彤瑶璇瑾琼珊露霜月星心"
)
# Same sound, other character (pinyin input); Zhejiang speech also merges -in/-ing.
REALISTIC_HOMOPHONES = {
    **HOMOPHONES, "红": "虹", "宇": "雨", "晨": "辰", "佳": "嘉", "娟": "鹃", "欣": "新", "瑞": "睿",
    "浩": "昊", "俊": "骏", "鹏": "朋", "建": "剑", "志": "智", "文": "雯", "梅": "玫", "琴": "勤",
    "颖": "影", "晶": "菁", "慧": "惠", "云": "芸", "莹": "盈", "萍": "苹", "英": "瑛", "珍": "真",
    "凤": "风", "兰": "蓝", "桂": "贵", "飞": "菲", "龙": "隆", "林": "琳", "宁": "凝", "东": "冬",
    "博": "柏", "国": "帼", "海": "凯", "春": "纯", "荣": "蓉", "祥": "翔", "松": "嵩", "宏": "鸿",
    "毅": "艺", "振": "震", "天": "添", "怡": "仪", "悦": "月", "琪": "琦", "雅": "亚", "婉": "琬",
}  # fmt: skip
# Look-alike characters (形近字) of handwritten forms, in given names and surnames.
LOOKALIKES = {
    "洁": "浩", "帅": "师", "东": "车", "明": "朋", "平": "乎", "佳": "住", "丹": "舟", "雪": "雷",
    "洋": "样", "龙": "尤", "林": "材", "超": "起", "勇": "甬", "军": "车", "健": "键", "波": "坡",
    "娜": "哪", "悦": "说", "怡": "治", "玉": "王", "刚": "冈", "娟": "绢", "蓉": "容", "琪": "淇",
    "浩": "皓", "彬": "杉", "凯": "恺", "宇": "字", "伦": "仑", "博": "傅", "晶": "品", "晴": "睛",
    "汪": "江", "陈": "阵", "李": "季", "徐": "涂", "侯": "候", "吴": "昊", "于": "干", "田": "由",
    "宋": "宗", "马": "乌", "王": "玉", "杨": "扬",
}  # fmt: skip
LANDLINE_AREAS = {NINGBO: "0574", ZHOUSHAN: "0580"}


@dataclass(frozen=True, slots=True)
class Talent:
    uid: int
    name: str
    id_number: str
    sex: str
    birth_date: dt.date | None
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
    """Generates people and each city's view of them, deterministically from a seed.

    ``errors`` picks the error model (:data:`ERROR_MODELS`). In the realistic model each
    person draws from a random generator of their own (seeded by the seed and their
    number), so a person and their rows do not depend on how many others are generated.
    """

    def __init__(self, *, seed: int = 2026, errors: str = "easy", rates: ErrorRates = REALISTIC) -> None:
        if errors not in ERROR_MODELS:
            raise ValueError(f"errors must be one of {ERROR_MODELS}, not {errors!r}")
        self.seed, self.errors, self.rates = seed, errors, rates
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
        # Realistic names: surnames by their national frequency, the commonest given names by sex.
        self.surname_weights = list(itertools.accumulate(ZhNames.last_names.values()))
        self.surname_list = list(ZhNames.last_names)
        self.common_given = {"M": list(ZhNames.first_names_male), "F": list(ZhNames.first_names_female)}
        self.characters = sorted(set(GIVEN_CHARACTERS))
        self.namesakes: list[tuple[str, dt.date, str]] = []  # people with a common name, so far

    def _employer(self, city: str) -> tuple[str, str]:
        rng = self.rng
        prefix = "宁波" if city == NINGBO else "舟山"
        name = prefix + rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_KINDS) + rng.choice(COMPANY_SUFFIX)
        return name, credit_code(rng, rng.choice(DISTRICTS[city]))

    def _weighted(self, weights: Mapping[str, float], rng: random.Random | None = None) -> str:
        # The same draw as choices(weights=…), with the cumulative weights summed once.
        keys, cumulative = _cumulative(tuple(weights.items()))
        return (rng or self.rng).choices(keys, cum_weights=cumulative)[0]

    def talent(self, uid: int, city: str) -> Talent:
        """A person first registered in ``city`` (in the realistic model, drawn from their own generator)."""
        if self.errors == "realistic":
            return self._realistic_talent(uid, city, self.person_rng(uid))
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
        """The same person as the other city's registry has them, with its errors (easy model);
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
        elif roll < 0.18 and t.birth_date and t.birth_date.year < 2000:
            written_id = t.id_number[:6] + t.id_number[8:17]  # legacy 15-digit number
        elif roll < 0.22:
            digits = list(t.id_number[:17])
            i = rng.randrange(6, 16)  # transposed digits, check character recomputed by the clerk's system
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
            first17 = "".join(digits)
            candidate = first17 + idnumbers.check_character(first17)
            written_id = candidate if idnumbers.is_valid(candidate) else t.id_number
        born = t.birth_date
        if born and rng.random() < 0.04 and born.day <= 12 and born.day != born.month:
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
        if self.errors == "realistic":
            yield from self._realistic_people(size, overlap, duplicates)
            return
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

    # --- The realistic model ---------------------------------------------------------------

    def person_rng(self, uid: int) -> random.Random:
        """The random generator of one person (realistic model)."""
        return random.Random((self.seed << 32) | uid)

    def _realistic_people(
        self, size: int, overlap: float, duplicates: float
    ) -> Iterator[tuple[str, str, Talent, str]]:
        # The keys and person numbers of the easy model, but the people in both cities are Ningbo's
        # last rows (and Zhoushan's first): each city's first people, of whom the demo makes its
        # experts, are then other humans in each city, and the Zhoushan experts' persons are among
        # those that linkage merges with a Ningbo person.
        shared = int(size * overlap)
        first_shared = size - shared
        for i in range(size):
            rng = self.person_rng(i + 1)
            t = self._realistic_talent(i + 1, NINGBO, rng)
            yield NINGBO, f"NB{i + 1:08d}", *self.as_written(t, NINGBO, rng)
            if i >= first_shared:
                key = f"ZS-{i - first_shared + 1:08d}"
                yield ZHOUSHAN, key, *self.as_written(t, ZHOUSHAN, rng, moved=True)
            if duplicates and rng.random() < duplicates:
                yield NINGBO, f"NB{i + 1:08d}D", *self.as_written(t, NINGBO, rng)
        for j in range(shared, size):
            uid = size + j - shared + 1
            rng = self.person_rng(uid)
            t = self._realistic_talent(uid, ZHOUSHAN, rng)
            yield ZHOUSHAN, f"ZS-{j + 1:08d}", *self.as_written(t, ZHOUSHAN, rng)
            if duplicates and rng.random() < duplicates:
                yield ZHOUSHAN, f"ZS-{j + 1:08d}D", *self.as_written(t, ZHOUSHAN, rng)

    def _realistic_name(self, rng: random.Random, sex: str) -> tuple[str, bool]:
        """A name and whether it is one of the common ones."""
        surname = rng.choices(self.surname_list, cum_weights=self.surname_weights)[0]
        if rng.random() < self.rates.common_name:
            return surname + rng.choice(self.common_given[sex]), True
        length = 1 if rng.random() < 0.15 else 2
        return surname + "".join(rng.choice(self.characters) for _ in range(length)), False

    def _realistic_talent(self, uid: int, city: str, rng: random.Random) -> Talent:
        sex = rng.choice("MF")
        born = dt.date(1958, 1, 1) + dt.timedelta(days=rng.randrange(0, 45 * 365))
        name, common = self._realistic_name(rng, sex)
        if self.namesakes and rng.random() < self.rates.namesake:
            name, born, sex = rng.choice(self.namesakes)  # another person of that name, born that day
        elif common:
            self.namesakes.append((name, born, sex))
        home = rng.choice(DISTRICTS[city]) if rng.random() < 0.6 else rng.choice(ELSEWHERE)
        tier = self._weighted(TIER_WEIGHTS[city], rng)
        return Talent(
            uid=uid, name=name, id_number=id_number(rng, home, born, sex), sex=sex, birth_date=born,
            phone=_mobile(rng), email=f"user{uid}@example.cn" if rng.random() < 0.5 else "",
            employer=rng.choice(self.employers[city]), category=self._weighted(CATEGORY_WEIGHTS, rng),
            tier_rank="ABCDEF".index(tier) + 1, education=self._weighted(EDUCATION_WEIGHTS, rng),
            title=rng.choice(TITLES), industry=rng.choice(INDUSTRIES),
            registered_on=dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 3650)),
        )  # fmt: skip

    def as_written(
        self, t: Talent, city: str, rng: random.Random, *, moved: bool = False
    ) -> tuple[Talent, str]:
        """One registry row of a person, with that row's faults (realistic model); returns the
        record and the ID number as written. ``moved``: the row of the other city."""
        rates = self.rates
        written_id = _written_id(t, rng, rates)
        born = _written_birth(t.birth_date, rng, rates, without_id=not written_id)
        name = _written_name(t.name, rng, rates)
        roll = rng.random()
        if roll < rates.phone_missing:
            phone = ""
        elif roll < rates.phone_missing + rates.phone_changed:
            phone = _mobile(rng)
        elif roll < rates.phone_missing + rates.phone_changed + rates.phone_landline:
            phone = f"{LANDLINE_AREAS[city]}-{rng.randrange(2, 9)}{rng.randrange(10**6):06d}"
        else:
            phone = t.phone
        employer, roll = t.employer, rng.random()
        if roll < rates.employer_missing:
            employer = ("", "")
        elif roll < rates.employer_missing + (
            rates.employer_changed_elsewhere if moved else rates.employer_changed
        ):
            employer = rng.choice(self.employers[city])
        tier_rank = min(t.tier_rank, len(TIER_WEIGHTS[city]))
        row = replace(t, name=name, birth_date=born, phone=phone, employer=employer, tier_rank=tier_rank)
        return row, written_id


@functools.cache
def _cumulative(items: tuple[tuple[str, float], ...]) -> tuple[list[str], list[float]]:
    return [k for k, _ in items], list(itertools.accumulate(w for _, w in items))


def _mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}"


def _written_id(t: Talent, rng: random.Random, rates: ErrorRates) -> str:
    roll = rng.random()
    if roll < rates.id_missing:
        return ""
    roll -= rates.id_missing
    if roll < rates.id_typo:
        # Any of the 18 characters, the check character left as typed.
        i = rng.randrange(18)
        wrong = rng.choice([c for c in "0123456789X"[: 11 if i == 17 else 10] if c != t.id_number[i]])
        return t.id_number[:i] + wrong + t.id_number[i + 1 :]
    roll -= rates.id_typo
    if roll < rates.id_transposed:
        digits = list(t.id_number[:17])
        i = rng.randrange(6, 16)
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
        first17 = "".join(digits)
        return first17 + idnumbers.check_character(first17)
    roll -= rates.id_transposed
    if roll < rates.id_legacy and t.birth_date and t.birth_date.year < 1990:
        return t.id_number[:6] + t.id_number[8:17]
    return t.id_number


def _written_birth(
    born: dt.date | None, rng: random.Random, rates: ErrorRates, *, without_id: bool
) -> dt.date | None:
    if born is None or rng.random() < (rates.birth_missing_without_id if without_id else rates.birth_missing):
        return None
    roll = rng.random()
    if roll < rates.birth_typo:
        text = born.strftime("%Y%m%d")
        for _ in range(10):  # a digit of the year's end, the month or the day, into a valid date
            i = rng.choice((3, 5, 6, 7))
            typed = text[:i] + str(rng.randrange(10)) + text[i + 1 :]
            try:
                wrong = dt.date(int(typed[:4]), int(typed[4:6]), int(typed[6:]))
            except ValueError:
                continue
            if wrong != born and wrong < dt.date(2008, 1, 1):
                return wrong
        return born
    if roll < rates.birth_typo + rates.birth_swapped and born.day <= 12 and born.day != born.month:
        return born.replace(month=born.day, day=born.month)
    return born


def _written_name(name: str, rng: random.Random, rates: ErrorRates) -> str:
    roll = rng.random()
    if roll < rates.homophone + rates.lookalike:
        table = REALISTIC_HOMOPHONES if roll < rates.homophone else LOOKALIKES
        # A surname is rarely mistyped (it is read out first and checked); given names are.
        spots = [i for i, c in enumerate(name) if c in table and (i > 0 or table is LOOKALIKES)]
        if spots:
            i = rng.choice(spots)
            return name[:i] + table[name[i]] + name[i + 1 :]
        return name
    if roll < rates.homophone + rates.lookalike + rates.name_padded and len(name) == 2:
        return name[0] + "\u3000" + name[1]  # 张　三: padded to the width of three characters
    return name


def _formatter(source: SourceSystem):
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
            "birth_date": t.birth_date.strftime(date_format) if t.birth_date else "", "phone": t.phone,
            "email": t.email, "employer_name": t.employer[0], "employer_credit_code": t.employer[1],
            "category": code("category", t.category), "tier": code("tier", tiers[t.tier_rank - 1]),
            "education": code("education", t.education), "title": t.title, "industry": t.industry,
            "registered_on": t.registered_on.strftime(date_format),
        }  # fmt: skip
        return [values[c.target] for c in columns]

    return [c.column for c in columns], row


_SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_XLSX_PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
    f'Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{_SPREADSHEET}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
    '<sheet name="人才信息" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
    f'Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class _XlsxSheet:
    """A one-sheet XLSX written as a stream, every cell an inline string, as the streaming
    exporters of registry systems write them (Apache POI's SXSSF does by default).

    openpyxl's writer took two minutes for 500,000 rows and stamps the time into the file; this
    writes the same file for the same rows (fixed zip dates), so a second demo load finds it
    already imported.
    """

    def __init__(self, path: Path, width: int) -> None:
        self.archive = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        for name, xml in _XLSX_PARTS.items():
            self.archive.writestr(self._entry(name), _XML + xml)
        self.stream = self.archive.open(self._entry("xl/worksheets/sheet1.xml"), "w", force_zip64=True)
        self.stream.write(f'{_XML}<worksheet xmlns="{_SPREADSHEET}"><sheetData>'.encode())
        self.columns = [_column_letters(i) for i in range(width)]
        self.number = 0
        self.pending: list[str] = []

    @staticmethod
    def _entry(name: str) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        return entry

    def append(self, cells: list[str]) -> None:
        self.number += 1
        n = self.number
        self.pending.append(
            f'<row r="{n}">'
            + "".join(
                f'<c r="{column}{n}" t="inlineStr"><is><t>{xml_escape(value)}</t></is></c>'
                for column, value in zip(self.columns, cells, strict=True)
                if value
            )
            + "</row>"
        )
        if len(self.pending) >= 2000:
            self._flush()

    def _flush(self) -> None:
        self.stream.write("".join(self.pending).encode())
        self.pending = []

    def close(self) -> None:
        self._flush()
        self.stream.write(b"</sheetData></worksheet>")
        self.stream.close()
        self.archive.close()


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Export:
    """One export file being written in its source system's format (CSV or XLSX, streamed)."""

    def __init__(self, source: SourceSystem, path: Path) -> None:
        self.path, self.rows = path, 0
        self.header, self.format = _formatter(source)
        self.handle: TextIO | None = None
        self.sheet: _XlsxSheet | None = None
        self._append: Callable[[list[str]], object]
        if source.file_format == SourceSystem.FileFormat.XLSX:
            self.sheet = _XlsxSheet(path, len(self.header))
            self._append = self.sheet.append
        else:
            self.handle = open(path, "w", encoding=source.encoding, newline="")  # noqa: SIM115 - see close
            self._append = csv.writer(self.handle, delimiter=source.delimiter).writerow
        self._append(self.header)

    def write(self, key: str, talent: Talent, written_id: str) -> None:
        self._append(self.format(key, talent, written_id))
        self.rows += 1

    def close(self) -> None:
        if self.sheet is not None:
            self.sheet.close()
        if self.handle is not None:
            self.handle.close()


def write_exports(
    *,
    out_dir: Path,
    size: int,
    overlap: float = 0.3,
    seed: int = 2026,
    errors: str = "easy",
    duplicates: float = 0.0,
    increment: int = 0,
) -> dict[str, Path]:
    """Write each city's export and the truth file; return the paths by source code.

    ``increment`` rows of Zhoushan's (spread over the file, so that some are people Ningbo
    has too) go to a later delivery instead, ``paths["increment"]``: an import after the first.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = {s.region.code: s for s in SourceSystem.objects.select_related("region")}
    exports = {region: _Export(source, out_dir / f"{source.code}.{source.file_format}")
               for region, source in sources.items()}  # fmt: skip
    paths = {source.code: exports[region].path for region, source in sources.items()}
    later = None
    if increment:
        source = sources[ZHOUSHAN]
        later = _Export(source, out_dir / f"{source.code}-increment.{source.file_format}")
        paths["increment"] = later.path
    every = max(1, size // increment) if increment else 0
    seen = 0
    truth_path = out_dir / "truth.csv"
    try:
        with open(truth_path, "w", encoding="utf-8", newline="") as truth_handle:
            truth = csv.writer(truth_handle)
            truth.writerow(["region", "source_key", "person_uid"])
            people = Generator(seed=seed, errors=errors).people(size, overlap, duplicates=duplicates)
            for region, key, talent, written_id in people:
                export = exports[region]
                if later is not None and region == ZHOUSHAN:
                    seen += 1
                    if seen % every == 0 and later.rows < increment:
                        export = later
                export.write(key, talent, written_id)
                truth.writerow([region, key, talent.uid])
    finally:
        for export in [*exports.values(), *([later] if later else [])]:
            export.close()
    paths["truth"] = truth_path
    return paths


def first_talent(*, seed: int = 2026, errors: str = DEMO_ERRORS) -> Talent:
    """The demo's talent account: the first Ningbo talent whose Ningbo row carries their name
    and ID number as they are (a talent registers with those and finds their record)."""
    generator = Generator(seed=seed, errors=errors)
    if errors == "easy":
        return generator.talent(1, NINGBO)
    for uid in itertools.count(1):
        rng = generator.person_rng(uid)
        talent = generator._realistic_talent(uid, NINGBO, rng)
        row, written_id = generator.as_written(talent, NINGBO, rng)
        if (row.name, written_id) == (talent.name, talent.id_number):
            return talent
    raise AssertionError("unreachable")  # itertools.count never ends


# --- The registry's part of the demo ----------------------------------------------------------


def queued_runs_link(*, stdout: Any) -> list[LinkageRun]:
    """Execute the linkage runs the demo's imports queued, here and now, as the task worker would."""
    from talentlink.registry.linkage import services as linkage

    done = []
    queued = LinkageRun.objects.filter(status=LinkageRun.Status.QUEUED).order_by("pk")
    for run_id in queued.values_list("pk", flat=True):
        run = linkage.linkage_run_now(run_id=run_id)
        stdout.write(
            f"Linkage run #{run.pk} ({run.get_kind_display()}): {run.get_status_display()}, "
            f"{run.record_count} records, {run.merge_count} merges, {run.review_count} pairs for review"
        )
        done.append(run)
    return done
