"""Reading a district written as free text (镇海区, 宁波市镇海区, 镇海, Zhenhai District, 330211, a
former name such as 奉化市) as one of the city's districts. The migration that turned the job's
free district into a choice uses it on the text already stored, and the API on what clients send.
Plain data in, a code out (``district_of_text``): it serves historical models in a migration as
well as today's."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from talentlink.core.errors import DomainError

if TYPE_CHECKING:
    from talentlink.market.models import District

# What a written district may start with before its own name: the province and the city.
_PREFIXES = ("浙江省", "浙江", "宁波市", "宁波", "舟山市", "舟山")
_SUFFIXES = ("区", "县", "市")
_ENGLISH_SUFFIXES = (" district", " county", " city")
_SPACE = re.compile(r"[\s\u3000]+")


@dataclass(frozen=True)
class Named:
    """A district as the matcher sees it."""

    code: str
    name: str
    name_en: str
    aliases: str = ""


def _core(name: str) -> str:
    """A Chinese name without its 区/县/市, where two characters or more remain (镇海区 → 镇海)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _clean(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :]
    return text.strip()


def _english(text: str) -> str:
    text = text.lower()
    for suffix in _ENGLISH_SUFFIXES:
        text = text.removesuffix(suffix)
    return text.strip()


def district_of_text(text: str, districts: Iterable[Named]) -> str | None:
    """The code of the district ``text`` names among ``districts`` (those of one city), or None
    where it names none of them or more than one."""
    text = _clean(text)
    if not text:
        return None
    candidates = list(districts)
    if re.fullmatch(r"[0-9]{6}", text):
        return text if any(d.code == text for d in candidates) else None
    found = {d.code for d in candidates if text in _names(d) or _english(text) == d.name_en.lower()}
    if not found:  # a street or town after the district's name: 镇海区蛟川街道, 北仑大碶
        found = {d.code for d in candidates if any(text.startswith(n) for n in _names(d) if len(n) >= 2)}
    return found.pop() if len(found) == 1 else None


def _names(d: Named) -> set[str]:
    names = {d.name, *(a.strip() for a in d.aliases.split(",") if a.strip())}
    return names | {_core(n) for n in names}


def district_named(*, text: str, region_id: int | None) -> District | None:
    """The active district of the city ``region_id`` (of any city if None) that ``text`` names (a
    code, a name, an English name or a former one); None for empty text. Raises DomainError where
    it names none of them, or more than one."""
    from talentlink.market.models import District

    if not text.strip():
        return None
    found = District.objects.filter(is_active=True)
    if region_id is not None:
        found = found.filter(region_id=region_id)
    districts = {d.code: d for d in found}
    named = (Named(d.code, d.name, d.name_en, d.aliases) for d in districts.values())
    code = district_of_text(text, named)
    if code is None:
        message = _("No such district in the job's city.") if region_id else _("No such district.")
        raise DomainError(message, code="district", field="district")
    return districts[code]
