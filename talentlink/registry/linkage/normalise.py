"""Normalisation of source records before linkage.

Everything the comparisons look at is reduced to a canonical form here, in
Python, once per record: the ID number to 18 upper-case characters (with the
birth date and sex it encodes), the name to its characters without spaces or
middle dots, split into surname and given name, with a pinyin key (surnames
read as surnames: 曾 is zeng, not ceng) and the set of its characters, the
phone to its digits, and the employer to its core name.

DuckDB's string distances count UTF-8 bytes, not characters
(duckdb/duckdb#25113), so no comparison runs an edit distance on Chinese text:
names are compared through their pinyin key and character set, ID numbers and
phones are ASCII.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import lazy_pinyin

from talentlink.core import idnumbers

# Two-character surnames; a name starting with one of these is split after it.
_COMPOUND = (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 长孙 宇文 司徒 轩辕 端木 独孤 南宫 西门 "
    "百里 呼延 申屠 太史 闻人 万俟 澹台 公冶 宗政 濮阳 淳于 单于 钟离 赫连 东郭 左丘 公羊 拓跋 "
    "第五 梁丘 闾丘 亓官 司空 司寇 子车 颛孙 巫马 公西 漆雕 乐正 壤驷 谷梁 段干 太叔 仲孙"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND.split())
# Surnames read differently from the character's everyday reading.
SURNAME_PINYIN = {
    "曾": "zeng", "单": "shan", "解": "xie", "区": "ou", "朴": "piao", "仇": "qiu", "查": "zha",
    "覃": "qin", "缪": "miao", "乐": "yue", "盖": "ge", "召": "shao", "繁": "po", "种": "chong",
    "员": "yun", "秘": "bi", "折": "she", "翟": "zhai", "柏": "bai", "隗": "wei", "句": "gou",
    "尉": "yu", "华": "hua", "任": "ren", "沈": "shen", "燕": "yan", "纪": "ji", "冼": "xian",
    "谌": "chen", "眭": "sui", "过": "guo", "薄": "bo", "阚": "kan", "祭": "zhai",
    "尉迟": "yuchi", "万俟": "moqi", "单于": "chanyu", "长孙": "zhangsun", "澹台": "tantai",
    "宁": "ning", "那": "na", "殷": "yin", "贲": "ben", "重": "chong", "车": "che", "黑": "he",
}  # fmt: skip
# Middle dots of transcribed names (阿卜杜拉·买买提) and the look-alikes clerks type instead.
_NAME_NOISE = re.compile(r"[\s·•・‧∙．.\-_]+")
_DIGITS = re.compile(r"\D+")
# Employer names: the place, the legal form and the group words say nothing about who it is.
_EMPLOYER_PLACES = ("浙江省", "浙江", "宁波市", "宁波", "舟山市", "舟山")
_EMPLOYER_SUFFIXES = (
    "股份有限公司", "有限责任公司", "集团有限公司", "集团股份有限公司", "有限公司", "集团公司",
    "总公司", "分公司", "公司", "集团", "股份", "控股",
)  # fmt: skip
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
# Known abbreviations, expanded before reduction so that both spellings agree.
EMPLOYER_ABBREVIATIONS = {
    "中石化": "中国石油化工", "中石油": "中国石油天然气", "宁波港": "宁波舟山港", "舟山港": "宁波舟山港",
    "浙大": "浙江大学", "宁大": "宁波大学", "浙海大": "浙江海洋大学", "中船": "中国船舶",
    "国网": "国家电网", "中远海运": "中国远洋海运", "中远": "中国远洋海运", "宁职院": "宁波职业技术学院",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Name:
    """A name reduced for comparison."""

    clean: str
    surname: str
    given: str
    pinyin: str  # e.g. "zeng guofan": the surname's reading, then the given name's
    characters: tuple[str, ...]  # distinct characters, sorted


@dataclass(frozen=True, slots=True)
class IdFacts:
    """An ID number as written, normalised, and what a valid one says."""

    value: str  # normalised: upper case, 18 characters where a 15-digit number was converted
    valid: bool
    birth_date: dt.date | None
    sex: str


def text(value: str | None) -> str:
    """Full-width forms to half-width and compatibility characters to their base (NFKC)."""
    return unicodedata.normalize("NFKC", value or "").strip()


@lru_cache(maxsize=65536)
def _char_pinyin(char: str) -> str:
    return lazy_pinyin(char)[0].lower()


def surname_split(clean: str) -> tuple[str, str]:
    """(surname, given name); compound surnames such as 欧阳 stay whole."""
    if len(clean) > 2 and clean[:2] in COMPOUND_SURNAMES:
        return clean[:2], clean[2:]
    if len(clean) == 2 and clean in COMPOUND_SURNAMES:
        return clean, ""
    return clean[:1], clean[1:]


def pinyin_key(surname: str, given: str) -> str:
    """The reading of a name: the surname's own reading, then the given name, char by char."""
    head = SURNAME_PINYIN.get(surname) or "".join(SURNAME_PINYIN.get(c) or _char_pinyin(c) for c in surname)
    return " ".join([head, *(_char_pinyin(c) for c in given)]) if given else head


@lru_cache(maxsize=262144)
def name(raw: str) -> Name:
    """Strip spaces and middle dots, split the surname, read the name in pinyin."""
    clean = _NAME_NOISE.sub("", text(raw))
    if not clean:
        return Name("", "", "", "", ())
    if clean.isascii():
        lowered = clean.lower()
        return Name(lowered, "", lowered, lowered, tuple(sorted(set(lowered))))
    surname, given = surname_split(clean)
    return Name(clean, surname, given, pinyin_key(surname, given), tuple(sorted(set(clean))))


def id_number(raw: str | None) -> IdFacts:
    """Upper-case X, 15 → 18 digits; birth date and sex only from a valid number."""
    value = text(raw).replace(" ", "").upper()
    if not value:
        return IdFacts("", False, None, "")
    try:
        parsed = idnumbers.parse(value)
    except idnumbers.IdNumberError:
        return IdFacts(value, False, None, "")
    return IdFacts(parsed.value, True, parsed.birth_date, parsed.sex)


def phone(raw: str | None) -> str:
    """Digits only, without the country code; an empty string when nothing usable is left."""
    digits = _DIGITS.sub("", text(raw))
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if len(digits) == 11 and digits.startswith("1"):
        return digits
    return digits if len(digits) >= 7 else ""


@lru_cache(maxsize=65536)
def employer_core(raw: str | None) -> str:
    """The employer's distinctive words: 宁波海天石化股份有限公司 → 海天石化."""
    value = _BRACKETS.sub("", text(raw)).replace(" ", "")
    for short, full in EMPLOYER_ABBREVIATIONS.items():
        if value.startswith(short) and not value.startswith(full):
            value = full + value[len(short) :]
            break
    changed = True
    while changed and value:
        changed = False
        for place in _EMPLOYER_PLACES:
            if value.startswith(place) and len(value) > len(place):
                value, changed = value[len(place) :], True
                break
        for suffix in _EMPLOYER_SUFFIXES:
            if value.endswith(suffix) and len(value) > len(suffix):
                value, changed = value[: -len(suffix)], True
                break
    return value
