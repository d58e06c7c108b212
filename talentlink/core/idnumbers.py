"""Resident identity card numbers (居民身份证号码, GB 11643-1999).

An 18-character number is six digits of the region of first registration, the
birth date (YYYYMMDD), a three-digit sequence (odd for men, even for women) and
an ISO 7064 MOD 11-2 check character. Numbers issued before 1999 have 15 digits
(two-digit year, no check character) and are converted to 18.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Province-level codes of GB/T 2260 (first two digits).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


class IdNumberError(ValueError):
    """An ID number that is not valid; ``code`` names the reason."""

    MESSAGES = {
        "empty": _("The ID number is empty."),
        "length": _("An ID number has 18 characters (or 15 for old numbers)."),
        "characters": _("An ID number has only digits, with X allowed as the last character."),
        "region": _("The region code of the ID number does not exist."),
        "birth_date": _("The birth date inside the ID number is not a valid date."),
        "checksum": _("The check character of the ID number is wrong."),
    }

    def __init__(self, code: str) -> None:
        self.code = code
        self.message = self.MESSAGES[code]
        super().__init__(code)


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A valid, normalised 18-character ID number with what it encodes."""

    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    converted_from_15: bool = False

    @property
    def region_code(self) -> str:
        return self.value[:6]

    @property
    def masked(self) -> str:
        return mask(self.value)


_ZERO_BIAS = ord("0") * sum(_WEIGHTS)


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    # Sum over the ASCII codes and remove the bias of "0" (a C loop, several times faster).
    total = sum(map(operator.mul, first17.encode("ascii"), _WEIGHTS)) - _ZERO_BIAS
    return _CHECK[total % 11]


def _birth_date(text: str, today: dt.date) -> dt.date:
    try:
        born = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise IdNumberError("birth_date") from None
    if born.year < 1900 or born > today:
        raise IdNumberError("birth_date")
    return born


def parse(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise an ID number; raise :class:`IdNumberError` if invalid."""
    value = (raw or "").strip().replace(" ", "").upper()
    if not value:
        raise IdNumberError("empty")
    converted = False
    if len(value) == 15:
        if not value.isdigit():
            raise IdNumberError("characters")
        first17 = value[:6] + "19" + value[6:]
        value = first17 + check_character(first17)
        converted = True
    if len(value) != 18:
        raise IdNumberError("length")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise IdNumberError("characters")
    if value[:2] not in PROVINCE_CODES or value[2:6] == "0000":
        raise IdNumberError("region")
    born = _birth_date(value[6:14], today or dt.date.today())
    if check_character(value[:17]) != value[17]:
        raise IdNumberError("checksum")
    sex = "M" if int(value[16]) % 2 else "F"
    return IdNumber(value=value, birth_date=born, sex=sex, converted_from_15=converted)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


def mask(value: str) -> str:
    """Show the region and the last four characters only: 330203********1234."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
