"""Where a graduate came from, as data: the Ministry of Education's list of higher-education
institutions (全国高等学校名单, ``market/data/universities.csv``), the aliases talents write for
some of them (``university_aliases.csv``) and the provinces of GB/T 2260 (``provinces.csv``).

A résumé's university stays the talent's own text; :func:`university_code` names the listed
institution it matches exactly (after Unicode NFKC, spaces and case) by its name, English name or
an alias, else None. A talent's home province is the first two digits of the ID number's region
code, which the registry keeps in the clear in the masked number (330203********1234): nothing is
decrypted to count it.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import get_language

from talentlink.core.idnumbers import PROVINCE_CODES

DATA = Path(__file__).resolve().parent / "data"
UNIVERSITIES = DATA / "universities.csv"
ALIASES = DATA / "university_aliases.csv"
PROVINCES = DATA / "provinces.csv"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class UniversityRow:
    code: str  # the ministry's ten-digit institution code (学校标识码)
    name: str
    name_en: str
    province: str  # GB/T 2260 province code, two digits
    city: str
    level: str  # bachelor (本科) or associate (专科)
    authority: str
    note: str  # 民办, 中外合作办学 … or empty
    aliases: tuple[str, ...]


def key(text: str) -> str:
    """The form names are compared in: NFKC (full-width brackets and letters), no spaces, no case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def _aliases() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    with ALIASES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found.setdefault(row["code"], []).append(row["alias"].strip())
    return found


def university_rows() -> Iterator[UniversityRow]:
    """The ministry's list with the aliases of each institution."""
    aliases = _aliases()
    with UNIVERSITIES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield UniversityRow(**row, aliases=tuple(aliases.get(row["code"], ())))


@functools.cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for row in university_rows():
        for text in (row.name, row.name_en, *row.aliases):
            index.setdefault(key(text), row.code)  # a name wins over another's English name or alias
    index.pop("", None)
    return index


def university_code(text: str) -> str | None:
    """The code of the listed institution the text names exactly (name, English name or alias)."""
    return _index().get(key(text))


@functools.cache
def _provinces() -> dict[str, tuple[str, str]]:
    with PROVINCES.open(encoding="utf-8") as handle:
        return {row["code"]: (row["name"], row["name_en"]) for row in csv.DictReader(handle)}


def province_name(code: str) -> str:
    """A province's name in the active language ("" for an unknown code)."""
    names = _provinces().get(code)
    if names is None:
        return ""
    return names[1] if (get_language() or "").startswith("en") else names[0]


def province_of_id(masked_id_number: str) -> str | None:
    """The home province of a masked ID number (its region code's first two digits), or None for
    a missing number or one the registry could not verify (masked behind a "?")."""
    code = (masked_id_number or "")[:2]
    return code if code in PROVINCE_CODES else None
