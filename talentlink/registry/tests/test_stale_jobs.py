"""Jobs whose worker was killed: the heartbeat, the sweeper, what staff see, and the retry.

The first test kills a real ``manage.py db_worker`` with SIGKILL half-way through an import, as the
probe of issue 12 did; the others reach the sweeper through its other entry points (the command, a
restarted worker, a page or API read, a new linkage run) with a heartbeat made old.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache.backends.filebased import FileBasedCache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from conftest import NINGBO_HEADER, upload
from talentlink.core import heartbeat, idnumbers
from talentlink.core.audit import Access
from talentlink.registry import imports, services
from talentlink.registry.models import ImportBatch, LinkageRun, SourceRecord, SourceSystem

ROOT = Path(__file__).resolve().parents[3]
STALE = ImportBatch.Failure.STALE
LONG_AGO = dt.timedelta(minutes=10)


@pytest.fixture(autouse=True)
def _quick_heartbeats(settings):
    settings.TALENTLINK_HEARTBEAT_SECONDS = 0.1
    settings.TALENTLINK_STALE_AFTER_SECONDS = 1.0
    settings.TALENTLINK_LINKAGE_AFTER_IMPORT = False
    # Beats an earlier test of this process left in the SQLite side file must not count here.
    if connection.vendor == "sqlite":
        Path(heartbeat._side_path()).unlink(missing_ok=True)


@pytest.fixture
def database_tasks(settings):
    """Tasks queued in the database, for ``db_worker`` to run, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def ningbo_rows(count: int) -> list[list[str]]:
    """``count`` valid rows of Ningbo's export (distinct keys, ID numbers and phones)."""
    rows = []
    for i in range(count):
        born = dt.date(1970, 1, 1) + dt.timedelta(days=i % 9000)
        first17 = f"330203{born:%Y%m%d}{i // 9000 * 2 + 101:03d}"
        id_number = first17 + idnumbers.check_character(first17)
        rows.append([f"NB{i:06d}", "张伟" if i % 2 else "欧阳明", id_number, "男", born.isoformat(),
                     f"138{i:08d}", "", "", "", "02", "E", "硕士研究生", "", "新材料", ""])  # fmt: skip
    return rows


def write_export(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(NINGBO_HEADER)
        writer.writerows(rows)
    return path


def running_batch(office, path: Path, *, beat: dt.datetime | None) -> ImportBatch:
    """An import stored and claimed by a worker that then stopped beating at ``beat``."""
    source = SourceSystem.objects.get(code="ningbo-talent-db")
    batch = services.import_submit(access=Access.system(user=office), source_system=source, upload=upload(path),
                                   enqueue=False)  # fmt: skip
    started = beat or timezone.now() - LONG_AGO
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", started_at=started, heartbeat_at=beat)
    batch.refresh_from_db()
    return batch


# --- A real worker, killed ------------------------------------------------------------------------


class _Worker:
    """``manage.py db_worker`` in a process of its own, on this test's database (SQLite: a copy of
    the in-memory test database in a file, copied back after; PostgreSQL: the test database)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp, self.file = tmp_path, tmp_path / "worker.sqlite3"
        self.var = tmp_path / "var"
        self.var.mkdir()

    def environment(self) -> dict[str, str]:
        if connection.vendor == "sqlite":
            url = f"sqlite:///{self.file}"
        else:
            s = connection.settings_dict
            url = f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
        environment = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PYTEST_XDIST_WORKER"}}
        return {
            **environment, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": url,
            "TALENTLINK_TASKS": "db", "TALENTLINK_VAR_DIR": str(self.var),
            "TALENTLINK_MEDIA_ROOT": str(django_settings.MEDIA_ROOT), "TALENTLINK_DEBUG": "false",
            "TALENTLINK_LINKAGE_AFTER_IMPORT": "false", "TALENTLINK_HEARTBEAT_SECONDS": "0.1",
            "TALENTLINK_STALE_AFTER_SECONDS": "1",
        }  # fmt: skip

    def start(self) -> subprocess.Popen[bytes]:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            with contextlib.closing(sqlite3.connect(self.file)) as copy:
                connection.connection.backup(copy)
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
            cwd=ROOT, env=self.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip

    def progress(self, batch_id: int) -> dict:
        return FileBasedCache(str(self.var / "cache"), {}).get(imports.progress_key(batch_id)) or {}

    def last_beat(self, batch: ImportBatch) -> dt.datetime:
        """The worker's last heartbeat: in the side file beside its SQLite database, or on the row."""
        if connection.vendor != "sqlite":
            return batch.heartbeat_at or batch.started_at  # type: ignore[return-value]
        with contextlib.closing(sqlite3.connect(f"{self.file}.heartbeats")) as beats:
            [(at,)] = beats.execute("SELECT at FROM beat WHERE job = ?", [f"registry.importbatch:{batch.pk}"])
        return dt.datetime.fromtimestamp(at, tz=dt.UTC)

    def copy_back(self) -> None:
        if connection.vendor == "sqlite":
            with contextlib.closing(sqlite3.connect(self.file)) as copy:
                copy.backup(connection.connection)


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_is_killed_is_failed_with_a_reason_and_its_retry_runs_to_the_end(
    seeded_catalogues, nb_office, client_of, database_tasks, tmp_path
):
    rows = 10_000  # five chunks: the worker is killed after the first is written
    path = write_export(tmp_path / "ningbo.csv", ningbo_rows(rows))
    client = client_of(nb_office)
    source = SourceSystem.objects.get(code="ningbo-talent-db")
    response = client.post(reverse("registry:imports"), {"source_system": source.pk, "file": upload(path)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and DBTaskResult.objects.get().status == "READY"

    worker = _Worker(tmp_path)
    process = worker.start()
    deadline = time.monotonic() + 120
    while worker.progress(batch.pk).get("done", 0) < imports.CHUNK:
        assert process.poll() is None, process.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the worker never began writing"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    worker.copy_back()

    batch.refresh_from_db()
    assert batch.status == "running" and DBTaskResult.objects.get().status == "RUNNING", "as the probe found"
    assert batch.started_at is not None
    assert worker.last_beat(batch) > batch.started_at, "the worker beat while its transaction was open"
    assert not SourceRecord.objects.exists(), "the chunks it wrote were never committed"

    time.sleep(1.2)  # TALENTLINK_STALE_AFTER_SECONDS without a heartbeat
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    batch.refresh_from_db()
    assert (batch.status, batch.message) == ("failed", "stale"), "a restarted worker fails it"
    task = DBTaskResult.objects.get()
    assert task.status == "FAILED" and task.exception_class_path == "talentlink.core.heartbeat.WorkerLost"

    page = client.get(reverse("registry:import_detail", args=[batch.pk])).content.decode()
    with translation.override("zh-hans"):
        assert f'<dd id="import-message">{STALE.label}</dd>' in page
    assert 'id="import-retry"' in page
    answer = client.get(f"/api/registry/imports/{batch.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer["status"] == "failed" and answer["failure"].startswith("The worker stopped while running")

    response = client.post(reverse("registry:import_retry", args=[batch.pk]))
    assert response.status_code == 302
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    batch.refresh_from_db()
    assert (batch.status, batch.total_rows, batch.created_count) == ("succeeded", rows, rows)
    assert SourceRecord.objects.count() == rows and batch.message == ""
    page = client.get(reverse("registry:import_detail", args=[batch.pk])).content.decode()
    assert "import-retry" not in page


# --- The sweeper --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_command_fails_only_jobs_whose_heartbeat_is_old(nb_office, ningbo_csv):
    dead = running_batch(nb_office, ningbo_csv(), beat=timezone.now() - LONG_AGO)
    alive = running_batch(nb_office, ningbo_csv(name="other.csv", rows=[]), beat=timezone.now())
    # Left running before heartbeats existed: no beat at all.
    before = running_batch(nb_office, ningbo_csv(name="old.csv", rows=[]), beat=None)
    out = io.StringIO()
    call_command("tasks_sweep_stale", "--dry-run", stdout=out)
    assert "would fail registry.importbatch" in out.getvalue()
    assert ImportBatch.objects.filter(status="running").count() == 3, "a dry run changes nothing"

    call_command("tasks_sweep_stale", stdout=io.StringIO())
    statuses = dict(ImportBatch.objects.values_list("pk", "status"))
    assert (statuses[dead.pk], statuses[alive.pk], statuses[before.pk]) == ("failed", "running", "failed")
    dead.refresh_from_db()
    assert dead.message == "stale" and dead.finished_at is not None
    assert ImportBatch.objects.get(pk=dead.pk).failure_text == str(STALE.label)
    call_command("tasks_sweep_stale", stdout=out)
    assert out.getvalue().endswith("0 stale job(s) failed, 0 task result(s) left running failed\n")


@pytest.mark.django_db(transaction=True)
def test_a_job_is_not_swept_while_its_worker_beats_and_is_once_it_stops(
    seeded_catalogues, nb_office, ningbo_csv
):
    batch = running_batch(nb_office, ningbo_csv(), beat=timezone.now() - LONG_AGO)
    with heartbeat.beating(batch):
        time.sleep(1.5)  # longer than TALENTLINK_STALE_AFTER_SECONDS: only the beats keep it alive
        assert heartbeat.stale_sweep().jobs == []
    batch.refresh_from_db()
    assert batch.status == "running"
    time.sleep(1.2)
    assert heartbeat.stale_sweep().jobs == [("registry.importbatch", batch.pk)]


@pytest.mark.django_db(transaction=True)  # the worker checks its connection as between requests
def test_a_restarted_worker_fails_the_task_results_and_jobs_a_killed_worker_left(
    seeded_catalogues, nb_office, ningbo_csv, database_tasks
):
    from talentlink.registry.tasks import import_run

    killed = running_batch(nb_office, ningbo_csv(), beat=timezone.now() - LONG_AGO)
    taken = running_batch(nb_office, ningbo_csv(name="b.csv", rows=[]), beat=None)
    ImportBatch.objects.filter(pk=taken.pk).update(status="queued", started_at=None)  # killed before it began
    for pk in (killed.pk, taken.pk):
        result = DBTaskResult.objects.get(id=import_run.enqueue(pk).id)
        result.claim("killed-worker")
        DBTaskResult.objects.filter(pk=result.pk).update(started_at=timezone.now() - LONG_AGO)

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    assert set(ImportBatch.objects.values_list("status", "message")) == {("failed", "stale")}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"FAILED"}


# --- What staff see, and the retry ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_page_polling_a_dead_import_shows_it_failed_and_retry_imports_the_file(
    nb_office, client_of, ningbo_csv, django_capture_on_commit_callbacks
):
    batch = running_batch(nb_office, ningbo_csv(), beat=timezone.now() - LONG_AGO)
    client = client_of(nb_office)
    poll = client.get(reverse("registry:import_detail", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true", "the polling page reloads once the import is failed"
    listed = client.get(reverse("registry:imports")).content.decode()
    assert 'class="status failed"' in listed

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/registry/imports/{batch.pk}/retry", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["failure"]) == ("queued", "")
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == ("succeeded", 3), "the task ran the stored file"
    assert SourceRecord.objects.filter(batch=batch).count() == 3
    again = client.post(f"/api/registry/imports/{batch.pk}/retry", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and again.json()["code"] == "not_failed"


@pytest.mark.django_db
def test_only_the_city_office_may_retry_an_import_and_only_while_its_file_is_kept(
    nb_office, zs_office, client_of, ningbo_csv
):
    batch = running_batch(nb_office, ningbo_csv(), beat=timezone.now() - LONG_AGO)
    heartbeat.stale_sweep()
    assert client_of(zs_office).post(f"/api/registry/imports/{batch.pk}/retry").status_code in (403, 404)
    batch.refresh_from_db()
    assert batch.file.name
    batch.file.storage.delete(batch.file.name)
    answer = client_of(nb_office).post(f"/api/registry/imports/{batch.pk}/retry", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 409 and answer.json()["code"] == "file_gone"
    assert ImportBatch.objects.get(pk=batch.pk).status == "failed"


@pytest.mark.django_db
def test_a_dead_linkage_run_is_failed_when_read_and_no_longer_blocks_a_new_run(nb_office, client_of):
    run = LinkageRun.objects.create(kind="full", backend="duckdb", status="running",
                                    started_at=timezone.now() - LONG_AGO, heartbeat_at=timezone.now() - LONG_AGO)  # fmt: skip
    client = client_of(nb_office)
    answer = client.get(f"/api/registry/linkage/runs/{run.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer["status"] == "failed"
    assert answer["failure"] == str(LinkageRun.Failure.STALE.label)
    page = client.get(reverse("registry:linkage_run", args=[run.pk])).content.decode()
    assert 'id="run-failure"' in page and reverse("registry:linkage_run_retry", args=[run.pk]) in page


@pytest.mark.django_db
def test_a_new_linkage_run_sweeps_a_dead_one_instead_of_refusing(nb_office, client_of, settings):
    LinkageRun.objects.create(kind="full", backend="duckdb", status="running",
                              started_at=timezone.now() - LONG_AGO, heartbeat_at=timezone.now() - LONG_AGO)  # fmt: skip
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    response = client_of(nb_office).post("/api/registry/linkage/runs", {}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert LinkageRun.objects.filter(status="failed", message="stale").count() == 1
