"""Background work of the market, run by the configured task backend."""

from __future__ import annotations

from django_tasks import task


@task()
def matches_push(job_id: int | None = None) -> int:
    """Push new matches (one job's, just published, or every open job's): how many suggestions went out."""
    from talentlink.market.services import matches_push as push

    return push(job_id=job_id).suggestions


@task()
def report_pdf_build(file_id: int) -> str:
    """Build one asked-for PDF of the market report (market/report_files.py)."""
    from talentlink.market.report_files import report_file_build_now

    return report_file_build_now(file_id=file_id).status
