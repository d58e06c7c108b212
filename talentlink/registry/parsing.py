"""Reading a city's export and turning each row into a validated source record.

Everything a city does differently (file format, encoding, column names, date
formats, code lists) is data on its :class:`SourceSystem`; this module only
interprets that data. Reading streams the file, so memory does not grow with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from talentlink.core import credit_codes, idnumbers
from talentlink.core.tabular import (  # noqa: F401 (re-exported for the importer)
    CellError,
    FileRejected,
    error_message,
    read_csv,
    read_xlsx,
    register_messages,
)
from talentlink.registry.models import (
    Education,
    Sex,
    SourceSystem,
    TalentCategory,
    Target,
    Tier,
)

# The registry's own row errors; the shared ones (required, date, …) live in core.tabular.
register_messages(
    {
        "phone": _("Not a valid mainland mobile number (11 digits starting with 1)."),
        "email": _("Not a valid e-mail address."),
        "number_cell": _("The ID number is stored as a number and has lost digits; export it as text."),
        **{f"id_number.{k}": v for k, v in idnumbers.IdNumberError.MESSAGES.items()},
        **{f"credit_code.{k}": v for k, v in credit_codes.CreditCodeError.MESSAGES.items()},
    }
)


@dataclass(slots=True)
class ParsedRow:
    """A row that passed validation, normalised to the platform's codes."""

    row: int
    source_key: str
    name: str
    id_number: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    email: str = ""
    employer_name: str = ""
    employer_credit_code: str = ""
    category_id: int | None = None
    tier_id: int | None = None
    education: str = ""
    title: str = ""
    industry: str = ""
    registered_on: dt.date | None = None

    def content_hash(self) -> str:
        parts = (
            self.name, self.id_number, self.sex, str(self.birth_date or ""), self.phone,
            self.email, self.employer_name, self.employer_credit_code, str(self.category_id or ""),
            str(self.tier_id or ""), self.education, self.title, self.industry,
            str(self.registered_on or ""),
        )  # fmt: skip
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


# --- Reading ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileShape:
    """How a source system's files are written: what :func:`read_rows` needs to read one."""

    file_format: str
    encoding: str
    delimiter: str

    @classmethod
    def of(cls, source: SourceSystem) -> FileShape:
        return cls(source.file_format, source.encoding, source.delimiter)


def read_rows(path: Path, source: SourceSystem | FileShape) -> Iterator[list[str]]:
    """Yield the header and then every row of the file as lists of text."""
    if source.file_format == SourceSystem.FileFormat.XLSX:
        return read_xlsx(path)
    return read_csv(path, encoding=source.encoding, delimiter=source.delimiter)


# --- Validation ------------------------------------------------------------

_PHONE = re.compile(r"^1[3-9][0-9]{9}$")
_PHONE_NOISE = re.compile(r"[\s-]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MAX = {
    Target.SOURCE_KEY: 64, Target.NAME: 50, Target.EMPLOYER_NAME: 200, Target.TITLE: 60,
    Target.INDUSTRY: 40, Target.EMAIL: 254,
}  # fmt: skip
# Coded fields and the ParsedRow attribute each fills.
_CODED = {Target.CATEGORY: "category_id", Target.TIER: "tier_id", Target.SEX: "sex",
          Target.EDUCATION: "education"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Column:
    column: str
    target: str
    required: bool


class RowParser:
    """Validates rows of one source system's files against its mapping and code lists.

    Everything it needs is read from the database when it is built and kept as plain data, so a
    parser can be pickled and sent to another process that parses while this one writes.
    """

    def __init__(self, source: SourceSystem) -> None:
        self.shape = FileShape.of(source)
        self.columns = [_Column(c.column, c.target, c.required) for c in source.columns.all()]
        self.date_formats = [f for f in source.date_formats.split("|") if f]
        # fromisoformat reads these two ten times faster than strptime; it is used only on text
        # of exactly their shape, since it also accepts week dates and other ISO forms.
        self.iso_shapes = {
            10 if f == "%Y-%m-%d" else 8 for f in self.date_formats if f in ("%Y-%m-%d", "%Y%m%d")
        }
        self.today = dt.date.today()
        mapped: dict[str, dict[str, str]] = {}
        for mapping in source.values.all():
            mapped.setdefault(mapping.target, {})[mapping.source_value.strip()] = mapping.value
        known = {
            Target.CATEGORY: {c.code: c.id for c in TalentCategory.objects.all()},
            Target.TIER: {t.code: t.id for t in Tier.objects.filter(region_id=source.region_id)},
            Target.SEX: {c: c for c in Sex.values},
            Target.EDUCATION: {c: c for c in Education.values},
        }
        # One lookup per coded cell: the text in the file → the value stored, through the
        # source's own code list where it has one, else the platform's code written as is.
        self.codes: list[tuple[str, str, dict[str, Any], str]] = []
        for target, values in known.items():
            lookup: dict[str, Any] = dict(values)
            for text, code in mapped.get(target, {}).items():
                if code in values:
                    lookup[text] = values[code]
                else:
                    lookup.pop(text, None)
            sample = ", ".join(sorted(mapped.get(target) or values)[:12])
            self.codes.append((target, _CODED[target], lookup, sample))
        self.index: dict[str, int] = {}
        self.targets: tuple[str, ...] = ()
        self.positions: tuple[int, ...] = ()
        self.width = 0
        self.limits: list[tuple[str, int]] = []
        self.column_names = {c.target: c.column for c in self.columns}
        required = [c.target for c in self.columns if c.required]
        required += [t for t in (Target.SOURCE_KEY, Target.NAME) if t not in required]
        if source.id_number_required and Target.ID_NUMBER not in required:
            required.append(Target.ID_NUMBER)
        self.required = tuple(required)

    def read(self, path: Path) -> Iterator[list[str]]:
        """The header and then every row of a file of this source."""
        return read_rows(path, self.shape)

    def bind_header(self, header: list[str]) -> list[CellError]:
        """Locate the mapped columns in the header; missing required ones are errors."""
        positions = {name.strip().lstrip("\ufeff"): i for i, name in enumerate(header)}
        errors = []
        for column in self.columns:
            if column.column in positions:
                self.index[column.target] = positions[column.column]
            elif column.target in self.required:
                errors.append(CellError(column.column, "", "missing_column", {"column": column.column}))
        for target in self.required:
            if target not in self.index and not any(c.target == target for c in self.columns):
                errors.append(CellError(str(target), "", "missing_column", {"column": target}))
        self.targets, self.positions = tuple(self.index), tuple(self.index.values())
        self.width = max(self.positions, default=-1) + 1
        self.limits = [(target, limit) for target, limit in _MAX.items() if target in self.index]
        return errors

    def raw_key(self, cells: list[str]) -> str:
        i = self.index.get(Target.SOURCE_KEY)
        return cells[i][:64] if i is not None and i < len(cells) else ""

    def parse(self, number: int, cells: list[str]) -> tuple[ParsedRow | None, list[CellError]]:
        """Validate one data row; return the parsed row or the errors found in it."""
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        raw = dict(zip(self.targets, map(cells.__getitem__, self.positions), strict=True))
        errors: list[CellError] = []
        columns = self.column_names

        def fail(target: str, code: str, **params: Any) -> None:
            errors.append(CellError(columns.get(target, target), raw.get(target, "")[:200], code, params))

        for target in self.required:
            if not raw.get(target):
                fail(target, "required")
        for target, limit in self.limits:
            if len(raw[target]) > limit:
                fail(target, "too_long", max=limit)
        row = ParsedRow(
            row=number,
            source_key=raw.get(Target.SOURCE_KEY, ""),
            name=_clean_name(raw.get(Target.NAME, "")),
            employer_name=raw.get(Target.EMPLOYER_NAME, ""),
            title=raw.get(Target.TITLE, ""),
            industry=raw.get(Target.INDUSTRY, ""),
        )
        self._parse_identity(raw, row, fail)
        self._parse_contact(raw, row, fail)
        self._parse_codes(raw, row, fail)
        return (None, errors) if errors else (row, errors)

    def _parse_identity(self, raw: dict[str, str], row: ParsedRow, fail: Any) -> None:
        text = raw.get(Target.ID_NUMBER, "")
        if text.startswith("\x00"):
            raw[Target.ID_NUMBER] = text[1:]
            fail(Target.ID_NUMBER, "number_cell")
        elif text:
            try:
                parsed = idnumbers.parse(text, today=self.today)
            except idnumbers.IdNumberError as exc:
                fail(Target.ID_NUMBER, f"id_number.{exc.code}")
            else:
                row.id_number, row.birth_date, row.sex = parsed.value, parsed.birth_date, parsed.sex
        for target in (Target.BIRTH_DATE, Target.REGISTERED_ON):
            if raw.get(target):
                value = self._date(raw[target])
                if value is None:
                    fail(target, "date", formats=" | ".join(self.date_formats))
                elif value > self.today:
                    fail(target, "date_future")
                elif target == Target.REGISTERED_ON:
                    row.registered_on = value
                elif row.birth_date is None:
                    # The ID number, when valid, is the better witness of the birth date.
                    row.birth_date = value

    def _parse_contact(self, raw: dict[str, str], row: ParsedRow, fail: Any) -> None:
        phone = raw.get(Target.PHONE, "")
        if not phone.isdigit():
            phone = _PHONE_NOISE.sub("", phone).removeprefix("+86")
        if phone and not _PHONE.match(phone):
            fail(Target.PHONE, "phone")
        row.phone = phone
        email = raw.get(Target.EMAIL, "")
        if email and not _EMAIL.match(email):
            fail(Target.EMAIL, "email")
        row.email = email.lower()
        code = raw.get(Target.EMPLOYER_CREDIT_CODE, "")
        if code:
            try:
                row.employer_credit_code = credit_codes.parse(code)
            except credit_codes.CreditCodeError as exc:
                fail(Target.EMPLOYER_CREDIT_CODE, f"credit_code.{exc.code}")

    def _parse_codes(self, raw: dict[str, str], row: ParsedRow, fail: Any) -> None:
        for target, attribute, lookup, sample in self.codes:
            text = raw.get(target)
            if not text:
                continue
            value = lookup.get(text)
            if value is None:
                fail(target, "unknown_code", known=sample)
            elif attribute != "sex" or not row.sex:  # the ID number is the better witness of sex
                setattr(row, attribute, value)

    def _date(self, text: str) -> dt.date | None:
        if len(text) in self.iso_shapes and (text.isdigit() or (text[4] == "-" and text[7] == "-")):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        for pattern in self.date_formats:
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        try:  # XLSX date cells arrive as ISO dates whatever the source's text format.
            return dt.date.fromisoformat(text)
        except ValueError:
            return None


_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACES = re.compile(r"\s+")
_NAME_ODDITIES = re.compile(r"[\s．•・]")
_MIDDLE_DOTS = str.maketrans({"．": "·", "•": "·", "・": "·"})


def _clean_name(name: str) -> str:
    # Registries pad Chinese names to align them (张  三) and write the middle dot
    # of minority and foreign names several ways; Latin names keep single spaces.
    if not _NAME_ODDITIES.search(name):
        return name  # most names: nothing to clean
    name = _SPACES.sub("" if _CJK.search(name) else " ", name).strip()
    return name.translate(_MIDDLE_DOTS)
