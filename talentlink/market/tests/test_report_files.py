"""The market report's PDF as a task: built once for a version of the figures and kept in storage,
built again when the figures change, and a build that was killed or cannot run says why and is
never served half-way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.html import escape

from talentlink.core import heartbeat
from talentlink.market import report_pdf
from talentlink.market.models import Job, ReportFile
from talentlink.market.report_files import report_data_version, report_pdf_inputs
from talentlink.market.tasks import report_pdf_build
from talentlink.market.tests.test_report import YEAR, at, job, market, needs_pdf_tools  # noqa: F401

# ``market``: three jobs of the year in both cities, résumés and hires (test_report.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("market"), needs_pdf_tools]

URL = f"/market/report/{YEAR}.pdf"
RETRY = f"/market/report/{YEAR}/pdf/retry/"


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The PDFs WeasyPrint lays out, counted (the real renderer still does the work)."""
    laid_out: list[str] = []
    real = report_pdf.pdf_from_html

    def counting(html: str, *, base_url: str) -> bytes:
        laid_out.append(html)
        return real(html, base_url=base_url)

    monkeypatch.setattr(report_pdf, "pdf_from_html", counting)
    return laid_out


def stored_path(built: ReportFile) -> Path:
    return Path(settings.MEDIA_ROOT) / str(built.file.name)


def is_pdf(response) -> bool:
    return response.status_code == 200 and response["Content-Type"] == "application/pdf"


def reason(failure: ReportFile.Failure) -> str:
    with translation.override("zh-hans"):
        return escape(str(failure.label))


def test_the_pdf_is_built_once_and_then_served_from_storage(
    client_of, nb_office, observer, renders, monkeypatch, tmp_path
) -> None:
    first = client_of(nb_office).get(URL)
    assert is_pdf(first) and first.content.startswith(b"%PDF")
    [built] = ReportFile.objects.all()
    assert (built.status, built.year, built.language, built.size) == (
        "ready",
        YEAR,
        "zh-hans",
        len(first.content),
    )
    assert not stored_path(built).read_bytes().startswith(b"%PDF"), "sealed at rest like the other files"

    # Another reader, and a server that could no longer draw a chart: the stored file is served.
    monkeypatch.setenv("PATH", str(tmp_path))
    again = client_of(observer).get(URL)
    assert is_pdf(again) and again.content == first.content
    assert len(renders) == 1 and ReportFile.objects.count() == 1


def test_new_figures_make_a_new_pdf_and_the_old_one_is_deleted(client_of, nb_office, renders, ningbo) -> None:
    client = client_of(nb_office)
    first = client.get(URL)
    old = ReportFile.objects.get()
    english = client.get(f"{URL}?lang=en")
    assert is_pdf(english) and english.content != first.content and len(renders) == 2

    # A job published in the year: the figures change, the next request builds them.
    j1 = Job.objects.select_related("field", "occupation").filter(published_at__year=YEAR).first()
    assert j1 is not None and j1.field is not None and j1.occupation is not None
    job(j1.organisation, ningbo, j1.field, j1.occupation, headcount=7, salary=(8000, 9000), published=at(9))
    second = client.get(URL)
    assert is_pdf(second) and second.content != first.content and len(renders) == 3
    new = ReportFile.objects.get(language="zh-hans")
    assert new.pk != old.pk and new.data_version != old.data_version
    assert not stored_path(old).exists(), "the PDF of the old figures is gone"
    assert ReportFile.objects.filter(language="en").exists(), "the other edition keeps its own"

    # A new title changes no figure: no new build.
    Job.objects.filter(pk=j1.pk).update(title="改名的岗位")
    assert client.get(URL).content == second.content and len(renders) == 3


def test_a_build_killed_half_way_says_why_is_never_served_and_is_built_again(
    client_of, nb_office, renders
) -> None:
    # Beats an earlier test of this process left in the SQLite side file (a row of the same id
    # built there) must not count here.
    if connection.vendor == "sqlite":
        Path(heartbeat._side_path()).unlink(missing_ok=True)
    with translation.override("zh-hans"):
        version = report_data_version(inputs=report_pdf_inputs(year=YEAR))
    long_ago = timezone.now() - dt.timedelta(hours=1)
    killed = ReportFile.objects.create(
        year=YEAR, language="zh-hans", data_version=version, status=ReportFile.Status.RUNNING,
        started_at=long_ago, heartbeat_at=long_ago,
    )  # fmt: skip
    # What its worker left when it was killed: half a file, under the name the build writes.
    half = Path(settings.MEDIA_ROOT) / f"market/reports/{YEAR}/report-{killed.pk}-zh-hans.pdf"
    half.parent.mkdir(parents=True)
    half.write_bytes(b"%PDF-1.7\n1 0 obj")
    client = client_of(nb_office)

    page = client.get(URL)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    killed.refresh_from_db()
    assert (killed.status, killed.message) == ("failed", "stale") and not renders
    body = page.content.decode()
    assert reason(ReportFile.Failure.STALE) in body and f'action="{RETRY}?lang=zh-hans"' in body

    assert client.post(f"{RETRY}?lang=zh-hans").status_code == 302
    pdf = client.get(URL)
    killed.refresh_from_db()
    assert is_pdf(pdf) and killed.status == "ready" and killed.size == len(pdf.content)
    assert ReportFile.objects.count() == 1 and len(renders) == 1


def test_while_a_worker_builds_it_the_page_polls_and_then_offers_the_download(
    client_of, observer, settings
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = client_of(observer)
    page = client.get(URL)
    assert page.status_code == 202
    [built] = ReportFile.objects.all()
    status = f"/market/report/{YEAR}/pdf/?lang=zh-hans&v={built.data_version}"
    body = page.content.decode()
    assert built.status == "queued" and f'hx-get="{escape(status)}"' in body and "every 2s" in body
    assert client.get(URL).status_code == 202 and ReportFile.objects.count() == 1, "asked again: one build"

    assert report_pdf_build.call(built.pk) == "ready"  # what the worker runs
    partial = client.get(status).content.decode()
    assert "hx-get" not in partial and f'href="{URL}?lang=zh-hans"' in partial
    assert is_pdf(client.get(URL))


def test_a_server_that_cannot_draw_charts_says_so_instead_of_a_pdf(
    client_of, nb_office, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no Node.js
    page = client_of(nb_office).get(URL)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert ReportFile.objects.get().message == "setup"
    assert reason(ReportFile.Failure.SETUP) in page.content.decode()


def test_a_damaged_stored_pdf_is_not_served(client_of, nb_office) -> None:
    client = client_of(nb_office)
    assert is_pdf(client.get(URL))
    built = ReportFile.objects.get()
    path = stored_path(built)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # a disk that lost the file's end
    page = client.get(URL)
    assert page["Content-Type"].startswith("text/html")
    built.refresh_from_db()
    assert built.message == "damaged" and reason(ReportFile.Failure.DAMAGED) in page.content.decode()


def test_only_the_reports_readers_see_or_start_a_build(client_of, talent, employer) -> None:
    for reader in (talent, employer):
        assert client_of(reader).get(f"/market/report/{YEAR}/pdf/?v=x").status_code == 403
        assert client_of(reader).post(RETRY).status_code == 403
    assert not ReportFile.objects.exists()
