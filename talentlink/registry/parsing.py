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
from django.utils.translation import override

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
    QualityCheck,
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


# The first cell of the description row of a CSV template (registry.files); a second row that
# carries it is skipped, so a template filled in below it imports as it is.
TEMPLATE_NOTE = _("Describes each column; rows below it are imported, this row is skipped.")
TEMPLATE_LANGUAGES = ("zh-hans", "en")


@dataclass(slots=True)
class ParsedRow:
    """A row that passed validation, normalised to the platform's codes.

    ``id_verified`` is false for an ID number its source accepted although invalid (kept as
    written, for linkage, but never indexed); ``flags`` are the QualityCheck codes it was
    accepted with.
    """

    row: int
    source_key: str
    name: str
    id_number: str = ""
    id_verified: bool = False
    flags: tuple[str, ...] = ()
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
_PHONE_STORED = 20  # the length of the phone fields
MAX_LENGTHS: dict[str, int] = {
    Target.SOURCE_KEY: 64, Target.NAME: 50, Target.EMPLOYER_NAME: 200, Target.TITLE: 60,
    Target.INDUSTRY: 40, Target.EMAIL: 254,
}  # fmt: skip
# The fields whose findings a source may accept, and the check each belongs to.
_CHECK_OF = {
    Target.ID_NUMBER: QualityCheck.ID_NUMBER_INVALID, Target.PHONE: QualityCheck.PHONE,
    Target.EMAIL: QualityCheck.EMAIL, Target.BIRTH_DATE: QualityCheck.BIRTH_DATE,
}  # fmt: skip
# Coded fields and the ParsedRow attribute each fills.
_CODED: dict[str, str] = {Target.CATEGORY: "category_id", Target.TIER: "tier_id", Target.SEX: "sex",
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
        known: dict[str, dict[str, Any]] = {
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
        # Fields whose findings are warnings (row kept, flagged) rather than errors, per the
        # source's policy; an ID number may be missing only where it is not required.
        accepted = source.accepted_checks()
        self.lenient = {target: str(check) for target, check in _CHECK_OF.items() if check in accepted}
        self.missing_id_accepted = (
            QualityCheck.ID_NUMBER_MISSING in accepted
            and Target.ID_NUMBER in self.column_names
            and Target.ID_NUMBER not in self.required
        )
        # The check that a warning in a column flags its row with.
        self.flag_of_column = {self.column_names.get(t, t): check for t, check in self.lenient.items()}
        with_notes = []
        for language in TEMPLATE_LANGUAGES:
            with override(language):
                with_notes.append(str(TEMPLATE_NOTE))
        self.template_notes = frozenset(with_notes)

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
        # Whether or not each row must carry one, a file of a source that maps an ID number
        # column must have it: without it no record of the file could ever be verified.
        id_column = self.column_names.get(Target.ID_NUMBER)
        if id_column and Target.ID_NUMBER not in self.required and id_column not in positions:
            errors.append(CellError(id_column, "", "missing_column", {"column": id_column}))
        self.targets, self.positions = tuple(self.index), tuple(self.index.values())
        self.width = max(self.positions, default=-1) + 1
        self.limits = [(target, limit) for target, limit in MAX_LENGTHS.items() if target in self.index]
        return errors

    def raw_key(self, cells: list[str]) -> str:
        i = self.index.get(Target.SOURCE_KEY)
        return cells[i][:64] if i is not None and i < len(cells) else ""

    def is_template_note(self, cells: list[str]) -> bool:
        """Whether a row is the description row of this platform's CSV template."""
        return bool(cells) and cells[0].startswith(tuple(self.template_notes))

    def parse(self, number: int, cells: list[str]) -> tuple[ParsedRow | None, list[CellError]]:
        """Validate one data row; return the parsed row or the errors found in it.

        Findings the source accepts are not errors: they are on the row's ``flags``, and
        :meth:`check` also returns them as warnings.
        """
        row, errors, _warnings = self.check(number, cells)
        return row, errors

    def check(
        self, number: int, cells: list[str]
    ) -> tuple[ParsedRow | None, list[CellError], list[CellError]]:
        """Validate one data row: (the parsed row or None, its errors, its warnings)."""
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        raw = dict(zip(self.targets, map(cells.__getitem__, self.positions), strict=True))
        errors: list[CellError] = []
        warnings: list[CellError] = []
        columns, lenient = self.column_names, self.lenient

        def fail(target: str, code: str, **params: Any) -> None:
            errors.append(CellError(columns.get(target, target), raw.get(target, "")[:200], code, params))

        def find(target: str, code: str, **params: Any) -> None:
            # A data-quality finding: a warning where the source accepts it, else an error.
            found = CellError(columns.get(target, target), raw.get(target, "")[:200], code, params)
            (warnings if target in lenient else errors).append(found)

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
        self._parse_identity(raw, row, find, fail)
        self._parse_contact(raw, row, find, fail)
        self._parse_codes(raw, row, fail)
        missing = self.missing_id_accepted and not raw.get(Target.ID_NUMBER)
        if warnings or missing:
            flags = [self.flag_of_column[w.column] for w in warnings]
            if missing:
                warnings.append(CellError(columns[Target.ID_NUMBER], "", "id_number.empty", {}))
                flags.append(QualityCheck.ID_NUMBER_MISSING.value)
            row.flags = tuple(dict.fromkeys(flags))
        return (None, errors, warnings) if errors else (row, errors, warnings)

    def _parse_identity(self, raw: dict[str, str], row: ParsedRow, find: Any, fail: Any) -> None:
        text = raw.get(Target.ID_NUMBER, "")
        if text.startswith("\x00"):
            raw[Target.ID_NUMBER] = text = text[1:]
            find(Target.ID_NUMBER, "number_cell")
            row.id_number = text  # what is left of it, for linkage; never indexed
        elif text:
            try:
                parsed = idnumbers.parse(text, today=self.today)
            except idnumbers.IdNumberError as exc:
                find(Target.ID_NUMBER, f"id_number.{exc.code}")
                # Kept as written (one typo is common) for linkage, which takes birth date and
                # sex only from valid numbers; the columns below give them instead.
                row.id_number = text.replace(" ", "").upper()
            else:
                row.id_number, row.birth_date, row.sex = parsed.value, parsed.birth_date, parsed.sex
                row.id_verified = True
        for target in (Target.BIRTH_DATE, Target.REGISTERED_ON):
            if raw.get(target):
                value = self._date(raw[target])
                report = find if target == Target.BIRTH_DATE else fail
                if value is None:
                    report(target, "date", formats=" | ".join(self.date_formats))
                elif value > self.today:
                    report(target, "date_future")
                elif target == Target.REGISTERED_ON:
                    row.registered_on = value
                elif row.birth_date is None:
                    # The ID number, when valid, is the better witness of the birth date.
                    row.birth_date = value

    def _parse_contact(self, raw: dict[str, str], row: ParsedRow, find: Any, fail: Any) -> None:
        phone = raw.get(Target.PHONE, "")
        if not phone.isdigit():
            phone = _PHONE_NOISE.sub("", phone).removeprefix("+86")
        if phone and not _PHONE.match(phone):
            find(Target.PHONE, "phone")
            # An accepted wrong number is kept for linkage (often one digit off) where it fits.
            phone = phone if len(phone) <= _PHONE_STORED else ""
        row.phone = phone
        email = raw.get(Target.EMAIL, "")
        if email and not _EMAIL.match(email):
            find(Target.EMAIL, "email")
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
