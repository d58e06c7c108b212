"""Unified social credit codes of organisations (统一社会信用代码, GB 32100-2015).

Eighteen characters: the registering authority, the organisation type, the
six-digit region code, the nine-character organisation code (GB 11714, with its
own check character) and a MOD 31 check character over the first seventeen.
"""

from __future__ import annotations

import functools
import operator

from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class CreditCodeError(ValueError):
    """A credit code that is not valid; ``code`` names the reason."""

    MESSAGES = {
        "empty": _("The unified social credit code is empty."),
        "length": _("A unified social credit code has 18 characters."),
        "characters": _(
            "A unified social credit code uses digits and capital letters except I, O, Z, S and V."
        ),
        "checksum": _("The check character of the unified social credit code is wrong."),
    }

    def __init__(self, code: str) -> None:
        self.code = code
        self.message = self.MESSAGES[code]
        super().__init__(code)


def check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(map(operator.mul, map(_VALUES.__getitem__, first17), _WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(first8: str) -> str:
    """The GB 11714 check character of the nine-character organisation code."""
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


@functools.lru_cache(maxsize=65_536)  # a registry names the same employers on many rows
def parse(raw: str) -> str:
    """Validate and normalise a credit code; raise :class:`CreditCodeError` if invalid."""
    value = (raw or "").strip().replace(" ", "").upper()
    if not value:
        raise CreditCodeError("empty")
    if len(value) != 18:
        raise CreditCodeError("length")
    if any(c not in _VALUES for c in value) or not value[2:8].isdigit():
        raise CreditCodeError("characters")
    if check_character(value[:17]) != value[17]:
        raise CreditCodeError("checksum")
    if organisation_check_character(value[8:16]) != value[16]:
        raise CreditCodeError("checksum")
    return value


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except CreditCodeError:
        return False
    return True
