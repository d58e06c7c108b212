"""Files the import pages hand out: a source system's template and an import's report.

The template is written from the same data the importer reads (the source's column and value
mappings, date formats and data-quality policy), so it cannot drift from what is accepted. Every
cell goes through ``core.exports`` (``csv_row``/``xlsx_row``), which quotes text that would start
a formula: a report repeats what the city's file held.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from talentlink.core.exports import csv_row, workbook_response, xlsx_row
from talentlink.core.tabular import ERROR_REPORT_HEADERS
from talentlink.registry.models import (
    Education,
    ImportBatch,
    QualityPolicy,
    RowError,
    Sex,
    SourceSystem,
    TalentCategory,
    Target,
    Tier,
)
from talentlink.registry.parsing import MAX_LENGTHS, TEMPLATE_NOTE
from talentlink.registry.selectors import import_error_rows

# Columns a spreadsheet program must keep as text: long digit strings lose digits as numbers.
_TEXT_COLUMNS = {Target.SOURCE_KEY, Target.ID_NUMBER, Target.PHONE, Target.EMPLOYER_CREDIT_CODE}


@dataclass(frozen=True, slots=True)
class ColumnDescription:
    """One column of a source's files as the import page and the template describe it."""

    column: str
    field: str
    required: bool
    rule: str
    codes: list[tuple[str, str]]
    policy: str

    @property
    def codes_text(self) -> str:
        return "; ".join(f"{text} = {meaning}" for text, meaning in self.codes)

    def cells(self) -> list[str]:
        """What the template says of the column: required or not, its rule, codes and policy."""
        need = _("Required") if self.required else _("Optional")
        parts = [need, self.rule]
        if self.codes:
            parts.append(_("Codes: %(codes)s") % {"codes": self.codes_text})
        if self.policy:
            parts.append(self.policy)
        return [part for part in parts if part]


def source_columns_describe(source: SourceSystem) -> list[ColumnDescription]:
    """Every mapped column of the source, in file order, with what the importer requires of it."""
    mapped: dict[str, list[tuple[str, str]]] = {}
    for value in source.values.all():
        mapped.setdefault(value.target, []).append((value.source_value, value.value))
    required = {c.target for c in source.columns.all() if c.required} | {Target.SOURCE_KEY, Target.NAME}
    if source.id_number_required:
        required.add(Target.ID_NUMBER)
    return [
        ColumnDescription(
            column=c.column,
            field=str(Target(c.target).label),
            required=c.target in required,
            rule=_rule(source, c.target),
            codes=_codes(source, c.target, mapped.get(c.target, [])),
            policy=_policy(source, c.target, required),
        )
        for c in source.columns.all()
    ]


def _dates(source: SourceSystem) -> str:
    shapes = [
        f.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
        for f in source.date_formats.split("|")
    ]
    return ", ".join(s for s in shapes if s)


def _rule(source: SourceSystem, target: str) -> str:
    rules: dict[str, str] = {
        Target.SOURCE_KEY: _("Unique in the file: the record's key in the city's system."),
        Target.NAME: _("Spaces between Chinese characters are removed."),
        Target.ID_NUMBER: _(
            "Resident ID number, 18 characters (15-digit old numbers are converted). Store it as "
            "text, never as a number."
        ),
        Target.BIRTH_DATE: _("Date as %(formats)s; a valid ID number's birth date takes precedence.")
        % {"formats": _dates(source)},
        Target.PHONE: _("Mainland mobile number, 11 digits; spaces, dashes and +86 are removed."),
        Target.EMAIL: _("E-mail address."),
        Target.EMPLOYER_CREDIT_CODE: _(
            "Unified social credit code, 18 characters, with its check character."
        ),
        Target.REGISTERED_ON: _("Date as %(formats)s, not in the future.") % {"formats": _dates(source)},
    }
    text = str(rules.get(target, ""))
    limit = MAX_LENGTHS.get(target)
    if limit:
        text = " ".join(filter(None, [text, _("At most %(max)s characters.") % {"max": limit}]))
    return text


def _codes(source: SourceSystem, target: str, mapped: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(text in the file, meaning) for a coded column: the source's own codes where it has them."""
    meanings = _meanings(source, target)
    if not meanings:
        return []
    if mapped:
        return [(text, meanings.get(code, code)) for text, code in mapped if code in meanings]
    return list(meanings.items())


def _meanings(source: SourceSystem, target: str) -> dict[str, str]:
    if target == Target.CATEGORY:
        return {c.code: str(c) for c in TalentCategory.objects.all()}
    if target == Target.TIER:
        return {t.code: t.name for t in Tier.objects.filter(region_id=source.region_id)}
    if target == Target.SEX:
        return {str(v): str(label) for v, label in Sex.choices}
    if target == Target.EDUCATION:
        return {str(v): str(label) for v, label in Education.choices}
    return {}


def _policy(source: SourceSystem, target: str, required: set[str]) -> str:
    """What the source's data-quality policy does with a finding in this column."""
    accepted = _("Accepted, flagged and listed as a warning if invalid.")
    rejected = _("The file is rejected if invalid.")
    if target == Target.ID_NUMBER:
        missing = (
            _("Rows without one reject the file.")
            if target in required
            else _("Rows without one are accepted, flagged and listed as a warning.")
        )
        invalid = (
            _("An invalid number is accepted unverified (flagged, kept out of the ID number index).")
            if source.invalid_id_number == QualityPolicy.ACCEPT
            else _("An invalid number rejects the file.")
        )
        return f"{missing} {invalid}"
    policies: dict[str, str] = {
        Target.PHONE: source.invalid_phone,
        Target.EMAIL: source.invalid_email,
        Target.BIRTH_DATE: source.invalid_birth_date,
    }
    policy = policies.get(target)
    if policy is None:
        return ""
    return str(accepted if policy == QualityPolicy.ACCEPT else rejected)


# --- Template files ------------------------------------------------------------------------------


def template_response(source: SourceSystem) -> HttpResponse | FileResponse:
    """An empty file in the source's format: its header, and a description of each column."""
    described = source_columns_describe(source)
    if source.file_format == SourceSystem.FileFormat.XLSX:
        return _xlsx_template(source, described)
    return _csv_template(source, described)


def _csv_template(source: SourceSystem, described: list[ColumnDescription]) -> HttpResponse:
    # The description row's first cell starts with TEMPLATE_NOTE, which the importer recognises
    # and skips, so a template filled in below it imports as it is.
    text = io.StringIO()
    writer = csv.writer(text, delimiter=source.delimiter)
    writer.writerow(csv_row(d.column for d in described))
    notes = [" ".join(d.cells()) for d in described]
    notes[0] = f"{TEMPLATE_NOTE} {notes[0]}"
    writer.writerow(csv_row(notes))
    response = HttpResponse(
        text.getvalue().encode(source.encoding or "utf-8-sig", errors="replace"),
        content_type=f"text/csv; charset={source.encoding or 'utf-8-sig'}",
    )
    response["Content-Disposition"] = f'attachment; filename="{source.code}-template.csv"'
    return response


def _xlsx_template(source: SourceSystem, described: list[ColumnDescription]) -> FileResponse:
    workbook = Workbook()
    data = workbook.active
    data.title = _("Data")[:31]
    data.append(xlsx_row(data, [d.column for d in described], bold=True))
    targets = {c.column: c.target for c in source.columns.all()}
    for i, d in enumerate(described, start=1):
        letter = get_column_letter(i)
        data.column_dimensions[letter].width = max(12, len(d.column) * 2 + 4)
        if targets.get(d.column) in _TEXT_COLUMNS:
            # The importer reads the first sheet; cells typed into these columns stay text.
            data.column_dimensions[letter].number_format = "@"
            for row in range(2, 1002):
                data[f"{letter}{row}"].number_format = "@"
    guide = workbook.create_sheet(_("Columns")[:31])
    headings = [_("Column"), _("Field"), _("Required"), _("Rule"), _("Codes"), _("Data-quality policy")]
    guide.append(xlsx_row(guide, headings, bold=True))
    for d in described:
        needed = _("Yes") if d.required else _("No")
        guide.append(xlsx_row(guide, [d.column, d.field, needed, d.rule, d.codes_text, d.policy]))
    for letter, width in zip("ABCDEF", (14, 18, 8, 50, 50, 50), strict=True):
        guide.column_dimensions[letter].width = width
        for cell in guide[letter][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return workbook_response(workbook, f"{source.code}-template.xlsx")


# --- The import report ---------------------------------------------------------------------------


def import_report_response(batch: ImportBatch) -> FileResponse:
    """The report of an import as XLSX: a sheet of errors (what rejected the file) and a sheet of
    warnings (findings its source accepts), both in Chinese and English."""
    workbook = Workbook(write_only=True)
    for title, severity in (("errors", RowError.Severity.ERROR), ("warnings", RowError.Severity.WARNING)):
        sheet = workbook.create_sheet(title=title)
        sheet.append(xlsx_row(sheet, ERROR_REPORT_HEADERS, bold=True))
        for row in import_error_rows(batch=batch, severity=severity):
            sheet.append(xlsx_row(sheet, row))
    return workbook_response(workbook, f"import-{batch.pk}-errors.xlsx")
