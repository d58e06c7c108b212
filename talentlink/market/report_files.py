"""The market report's PDF, built by a task and kept in storage.

Drawing the charts (ECharts in Node.js) and laying out the PDF (WeasyPrint) take seconds, too long
for a request. A PDF is built once for each year, language and version of what it shows
(:func:`report_data_version`, a digest of its text, tables and charts' options) and served from
storage after that; when the figures change, the next request builds a new one, and the older PDFs
of that year and language are deleted once it is ready.

A row is ``ready`` only once its whole file is stored, and a file is served only while its size is
the one recorded, so a build that is killed half-way never serves half a file: its worker stops
beating and the row is failed (``core/heartbeat.py``) with a reason the page shows beside a
button to build it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from talentlink.core import heartbeat
from talentlink.core.models import User
from talentlink.market import report_pdf, talent_map
from talentlink.market.models import ReportFile, report_file_storage
from talentlink.market.report import market_report
from talentlink.market.report_charts import Chart, report_charts

logger = logging.getLogger(__name__)

# Part of every version: raise it when the PDF's stylesheet changes, so stored PDFs are built again.
LAYOUT = 1


@dataclass(frozen=True)
class PdfInputs:
    """What a year's PDF shows, in one language: the template's context, and its charts (ECharts
    options) by the context name their images go under (``chart_images``: pairs of chart and image)."""

    context: dict[str, Any]
    charts: dict[str, list[Chart]]

    def all_charts(self) -> list[Chart]:
        return [chart for charts in self.charts.values() for chart in charts]


def report_pdf_inputs(*, year: int) -> PdfInputs:
    """The one place the PDF's content is assembled (in the active language): the report, and the
    key-industry talent map at the end of the year."""
    report = market_report(year=year)
    tmap = talent_map.talent_map(period=talent_map.period_parse(str(year)))
    return PdfInputs(
        {"report": report, "talent_map": tmap, "lang": translation.get_language()},
        {"chart_images": report_charts(report), "map_images": talent_map.map_charts(tmap)},
    )


def _document(inputs: PdfInputs, images: list[str]) -> str:
    """The PDF's HTML, each chart given its image (in the order of ``all_charts``)."""
    context, left = dict(inputs.context), iter(images)
    for name, charts in inputs.charts.items():
        context[name] = [(chart, next(left)) for chart in charts]
    return render_to_string("market/report_pdf.html", context)


def report_data_version(*, inputs: PdfInputs) -> str:
    """A digest of everything the PDF shows (its text and tables, its charts' options): equal for
    equal figures, new when a figure, a label or a translation changes."""
    charts = inputs.all_charts()
    data = {
        "layout": LAYOUT,
        "html": _document(inputs, [""] * len(charts)),
        "charts": [chart.option for chart in charts],
    }
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def report_file_get(*, year: int, language: str, version: str) -> ReportFile | None:
    """The PDF of this version of the figures, if one was asked for; a build whose worker died is
    failed on the way (heartbeat)."""
    found = ReportFile.objects.filter(year=year, language=language, data_version=version).first()
    if found is not None:
        heartbeat.stale_check([found])
    return found


def report_file_request(*, year: int, language: str, user: User | None, retry: bool = False) -> ReportFile:
    """The PDF of the year's figures as they stand: the stored one, the build under way, or a build
    started now; ``retry`` starts again a build that failed."""
    with translation.override(language):
        version = report_data_version(inputs=report_pdf_inputs(year=year))
    found = report_file_get(year=year, language=language, version=version)
    if found is None:
        try:
            with transaction.atomic():
                found = ReportFile.objects.create(
                    year=year, language=language, data_version=version, requested_by=user
                )
        except IntegrityError:  # another request asked for the same PDF at the same moment
            return ReportFile.objects.get(year=year, language=language, data_version=version)
    elif retry and found.status == ReportFile.Status.FAILED:
        found.status, found.message, found.finished_at, found.requested_by = (
            ReportFile.Status.QUEUED, "", None, user
        )  # fmt: skip
        found.save(update_fields=["status", "message", "finished_at", "requested_by"])
    else:
        return found
    _enqueue(found)
    found.refresh_from_db()  # an inline backend has built it already
    return found


def _enqueue(built: ReportFile) -> None:
    from talentlink.market.tasks import report_pdf_build

    # Not on commit: the view runs in autocommit, so the row is committed already, and the database
    # backend's task row then commits with any transaction around it.
    report_pdf_build.enqueue(built.pk)


def report_file_build_now(*, file_id: int) -> ReportFile:
    """Build a queued PDF in this process (the task's body): draw the charts, lay out the PDF,
    store it, and delete the older PDFs of its year and language."""
    claimed = ReportFile.objects.filter(pk=file_id, status=ReportFile.Status.QUEUED).update(
        status=ReportFile.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    built = ReportFile.objects.get(pk=file_id)
    if not claimed:  # another worker has it, or it is done
        return built
    with heartbeat.beating(built):
        try:
            pdf = _render(year=built.year, language=built.language)
        except ImproperlyConfigured:
            logger.exception("report PDF #%s: the server cannot draw charts", built.pk)
            return _fail(built, ReportFile.Failure.SETUP)
        except Exception:
            logger.exception("report PDF #%s failed", built.pk)
            return _fail(built, ReportFile.Failure.RENDER)
        _store(built, pdf)
    _prune(built)
    return built


def _render(*, year: int, language: str) -> bytes:
    """The report's PDF as it stands now, in ``language``."""
    with translation.override(language):
        inputs = report_pdf_inputs(year=year)
        images = [report_pdf.svg_data_uri(svg) for svg in report_pdf.charts_svg(inputs.all_charts())]
        html = _document(inputs, images)
    return report_pdf.pdf_from_html(html, base_url=str(report_pdf.STYLESHEET.parent))


def _store(built: ReportFile, pdf: bytes) -> None:
    # One name per row: a build started again replaces what a killed one left, never beside it.
    name = f"market/reports/{built.year}/report-{built.pk}-{built.language}.pdf"
    if report_file_storage.exists(name):
        report_file_storage.delete(name)
    stored = report_file_storage.save(name, ContentFile(pdf))
    built.file.name, built.size = stored, len(pdf)
    built.status, built.message, built.finished_at = ReportFile.Status.READY, "", timezone.now()
    built.save(update_fields=["file", "size", "status", "message", "finished_at"])


def _fail(built: ReportFile, reason: str) -> ReportFile:
    built.status, built.message, built.finished_at = ReportFile.Status.FAILED, reason, timezone.now()
    built.save(update_fields=["status", "message", "finished_at"])
    return built


def _prune(built: ReportFile) -> None:
    """Delete the finished PDFs of earlier figures of the same year and language."""
    older = ReportFile.objects.filter(
        year=built.year, language=built.language, created_at__lt=built.created_at,
        status__in=[ReportFile.Status.READY, ReportFile.Status.FAILED],
    )  # fmt: skip
    for old in older:
        if old.file.name:
            report_file_storage.delete(old.file.name)
        old.delete()


def report_file_open(*, built: ReportFile) -> File | None:
    """The stored PDF, opened for reading (the caller closes it); None, and the row failed, where
    the file is missing or not as long as it was when it was stored."""
    try:
        opened = report_file_storage.open(built.file.name, "rb") if built.file.name else None
    except Exception:  # gone, or its seal does not open
        logger.exception("report PDF #%s: the stored file does not open", built.pk)
        opened = None
    if opened is not None and opened.size == built.size:
        return opened
    if opened is not None:
        opened.close()
    _fail(built, ReportFile.Failure.DAMAGED)
    return None
