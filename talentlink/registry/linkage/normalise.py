"""Normalisation of source records before linkage.

Everything the comparisons look at is reduced to a canonical form here: the ID
number to 18 upper-case characters (with the birth date and sex it encodes),
the name to its characters without spaces or middle dots, split into surname
and given name, with a pinyin key (surnames read as surnames: 曾 is zeng, not
ceng) and the set of its characters, the phone to its digits, and the employer
to its core name.

Two forms of the same rules: functions of one value (``id_number``, ``name``,
``phone``, ``employer_core``), and :func:`table`, which normalises whole Arrow
columns at once for a linkage run. A run over two million records cannot afford
Python per record, so ID numbers and phones are checked with Arrow compute and
NumPy, and names and employers are normalised once per *distinct* value (a
registry repeats them) and spread back over the records. The tests hold both
forms to the same answers.

DuckDB's string distances count UTF-8 bytes, not characters
(duckdb/duckdb#25113), so no comparison runs an edit distance on Chinese text:
names are compared through their pinyin key and character set, ID numbers and
phones are ASCII.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pypinyin import lazy_pinyin

from talentlink.core import idnumbers
from talentlink.core.masking import COMPOUND_SURNAMES  # a name starting with one is split after it

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


@lru_cache(maxsize=4096)
def _surname_pinyin(surname: str) -> str | None:
    if not surname:
        return None
    return SURNAME_PINYIN.get(surname) or "".join(SURNAME_PINYIN.get(c) or _char_pinyin(c) for c in surname)


def pinyin_key(surname: str, given: str) -> str:
    """The reading of a name: the surname's own reading, then the given name, char by char."""
    head = _surname_pinyin(surname) or ""
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


# --- Whole columns at once -----------------------------------------------------------

# The normalised frame a linkage run hands to Splink, one row per source record.
SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()), ("id18", pa.string()), ("id_body", pa.string()), ("birth", pa.string()),
        ("birth_year", pa.string()), ("sex", pa.string()), ("surname", pa.string()),
        ("name_clean", pa.string()), ("name_pinyin", pa.string()), ("name_chars", pa.list_(pa.string())),
        ("phone", pa.string()), ("employer_core", pa.string()), ("credit_code", pa.string()),
        ("title", pa.string()), ("industry", pa.string()),
    ]
)  # fmt: skip
# ISO 7064 MOD 11-2, as in core.idnumbers: the i-th of the first 17 digits weighs 2^(17-i) mod 11.
_ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_ID_CHECK = np.array(list("10X98765432"), dtype=object)
_PROVINCES = pa.array(sorted(idnumbers.PROVINCE_CODES))


def _blank_to_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _texts(values: pa.Array) -> pa.Array:
    """:func:`text` of every value: NFKC, surrounding white space removed."""
    return pc.utf8_trim_whitespace(pc.utf8_normalize(pc.fill_null(values, ""), form="NFKC"))


def _per_distinct(values: pa.Array, function: Callable[[str], str | None]) -> pa.Array:
    """``function`` applied once per distinct value and spread back over all values."""
    encoded = pc.dictionary_encode(pc.fill_null(values, ""))
    results = pa.array([function(v) for v in encoded.dictionary.to_pylist()], type=pa.string())
    return results.take(encoded.indices)


def _yyyymmdd(dates: pa.Array) -> pa.Array:
    """Dates (or timestamps) as YYYYMMDD text (a cast is many times faster than ``strftime``)."""
    return pc.replace_substring(pc.cast(pc.cast(dates, pa.date32()), pa.string()), "-", "")


def _id_checks(first17: pa.Array) -> pa.Array:
    """Check characters of 17-digit strings (anything else must have been replaced by zeros)."""
    fixed = pc.cast(first17, pa.binary(17))
    if isinstance(fixed, pa.ChunkedArray):
        fixed = fixed.combine_chunks()
    digits = np.frombuffer(
        fixed.buffers()[1], dtype=np.uint8, count=17 * len(fixed), offset=17 * fixed.offset
    )
    totals = (digits.reshape(-1, 17).astype(np.int64) - ord("0")) @ _ID_WEIGHTS
    return pa.array(_ID_CHECK[totals % 11], type=pa.string())


def id_numbers(raw: pa.Array, *, today: dt.date | None = None) -> dict[str, pa.Array]:
    """:func:`id_number` of a whole column: ``value`` (null when empty), ``birth`` (YYYYMMDD) and
    ``sex``, both null unless the number is valid."""
    value = pc.utf8_upper(pc.replace_substring(_texts(raw), " ", ""))
    old = pc.match_substring_regex(value, r"^\d{15}$")
    shaped = pc.match_substring_regex(value, r"^\d{17}[\dX]$")
    zeros = pa.scalar("0" * 17)
    converted = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(value, 0, 6), "19", pc.utf8_slice_codeunits(value, 6), ""
    )
    first17 = pc.if_else(old, converted, pc.if_else(shaped, pc.utf8_slice_codeunits(value, 0, 17), zeros))
    check = _id_checks(first17)
    candidate = pc.if_else(old, pc.binary_join_element_wise(first17, check, ""), value)
    text_born = pc.utf8_slice_codeunits(candidate, 6, 14)
    born = pc.strptime(text_born, format="%Y%m%d", unit="s", error_is_null=True)
    last = (today or dt.date.today()).strftime("%Y%m%d")
    checks = (
        pc.or_(old, shaped),
        pc.is_in(pc.utf8_slice_codeunits(candidate, 0, 2), value_set=_PROVINCES),
        pc.not_equal(pc.utf8_slice_codeunits(candidate, 2, 6), "0000"),
        pc.equal(pc.utf8_slice_codeunits(candidate, 17, 18), check),
        pc.equal(pc.fill_null(_yyyymmdd(born), ""), text_born),  # strptime rolls 0230 over to 0302
        pc.greater_equal(text_born, "19000101"),
        pc.less_equal(text_born, last),
    )
    valid = checks[0]
    for condition in checks[1:]:
        valid = pc.and_(valid, condition)
    # A 15-digit number is converted only when the result is valid (as ``id_number`` does).
    value = pc.if_else(valid, candidate, value)
    nothing = pa.scalar(None, pa.string())
    sequence = pc.cast(pc.if_else(valid, pc.utf8_slice_codeunits(value, 16, 17), "0"), pa.int8())
    odd = pc.equal(pc.bit_wise_and(sequence, 1), 1)
    return {
        "value": _blank_to_null(value),
        "birth": pc.if_else(valid, text_born, nothing),
        "sex": pc.if_else(valid, pc.if_else(odd, "M", "F"), nothing),
    }


def phones(raw: pa.Array) -> pa.Array:
    """:func:`phone` of a whole column (null where nothing usable is left)."""
    digits = pc.replace_substring_regex(_texts(raw), r"\D+", "")
    length = pc.utf8_length(digits)
    for prefix in ("0086", "86"):
        prefixed = pc.and_(pc.equal(length, 11 + len(prefix)), pc.starts_with(digits, prefix))
        digits = pc.if_else(prefixed, pc.utf8_slice_codeunits(digits, len(prefix)), digits)
        length = pc.utf8_length(digits)
    return pc.if_else(pc.greater_equal(length, 7), digits, pa.scalar(None, pa.string()))


_COMPOUND_ARRAY = pa.array(sorted(COMPOUND_SURNAMES))


def _characters(clean: str) -> list[str] | None:
    return sorted(set(clean)) or None


def names(raw: pa.Array) -> dict[str, pa.Array]:
    """:func:`name` of a whole column: clean, surname, pinyin and characters.

    The surname is split and read in pinyin column-wise: each surname, and each
    character of the given names, is looked up once per distinct value.
    """
    nothing = pa.scalar(None, pa.string())
    clean = pc.replace_substring_regex(_texts(raw), _NAME_NOISE.pattern, "")
    latin = pc.string_is_ascii(clean)
    clean = pc.if_else(latin, pc.utf8_lower(clean), clean)
    compound = pc.is_in(pc.utf8_slice_codeunits(clean, 0, 2), value_set=_COMPOUND_ARRAY)
    surname = pc.if_else(latin, "", pc.if_else(compound, pc.utf8_slice_codeunits(clean, 0, 2),
                                               pc.utf8_slice_codeunits(clean, 0, 1)))  # fmt: skip
    given = pc.if_else(latin, clean, pc.if_else(compound, pc.utf8_slice_codeunits(clean, 2),
                                                pc.utf8_slice_codeunits(clean, 1)))  # fmt: skip
    readings = [pc.if_else(latin, clean, _per_distinct(surname, _surname_pinyin))]
    longest = pc.max(pc.utf8_length(given)).as_py() or 0
    for position in range(longest):
        character = pc.utf8_slice_codeunits(given, position, position + 1)
        readings.append(
            pc.if_else(latin, nothing, _per_distinct(character, lambda c: _char_pinyin(c) if c else None))
        )
    pinyin = pc.binary_join_element_wise(*readings, " ", null_handling="skip")
    encoded = pc.dictionary_encode(clean)
    characters = pa.array(
        [_characters(v) for v in encoded.dictionary.to_pylist()], type=pa.list_(pa.string())
    )
    return {
        "clean": _blank_to_null(clean),
        "surname": _blank_to_null(surname),
        "pinyin": _blank_to_null(pinyin),
        "characters": characters.take(encoded.indices),
    }


def table(raw: pa.Table) -> pa.Table:
    """The linkage frame (:data:`SCHEMA`) of raw records: the columns of ``RawRecord`` but the dataset."""
    ids, person = id_numbers(raw["id_number"].combine_chunks()), names(raw["name"].combine_chunks())
    written = _yyyymmdd(raw["birth_date"].combine_chunks())
    birth = pc.coalesce(written, ids["birth"])
    columns = {
        "unique_id": raw["unique_id"].combine_chunks(),
        "id18": ids["value"],
        "id_body": pc.utf8_slice_codeunits(ids["value"], 0, 17),
        "birth": birth,
        "birth_year": pc.utf8_slice_codeunits(birth, 0, 4),
        "sex": pc.coalesce(_blank_to_null(raw["sex"].combine_chunks()), ids["sex"]),
        "surname": person["surname"],
        "name_clean": person["clean"],
        "name_pinyin": person["pinyin"],
        "name_chars": person["characters"],
        "phone": phones(raw["phone"].combine_chunks()),
        "employer_core": _per_distinct(
            raw["employer_name"].combine_chunks(), lambda v: employer_core(v) or None
        ),
        "credit_code": _blank_to_null(pc.fill_null(raw["credit_code"].combine_chunks(), "")),
        "title": _per_distinct(raw["title"].combine_chunks(), lambda v: text(v) or None),
        "industry": _per_distinct(raw["industry"].combine_chunks(), lambda v: text(v) or None),
    }
    return pa.Table.from_pydict(columns, schema=SCHEMA)
