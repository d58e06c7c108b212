"""Heartbeats of long background jobs, and the sweeper that fails the jobs whose worker died.

A job (an import, a linkage run: a model with ``status``, ``started_at``, ``finished_at``,
``heartbeat_at`` and ``message``, registered with :func:`register`) runs inside :func:`beating`:
a thread of the worker records the time every ``TALENTLINK_HEARTBEAT_SECONDS``. A worker that is
killed (SIGKILL, the out-of-memory killer, a machine restarted) stops beating, and its job would
stay "running" for ever. :func:`stale_sweep` fails every running job whose last beat is older than
``TALENTLINK_STALE_AFTER_SECONDS``, with a reason staff can read, and with it the task result that
the database worker left running. It runs when a worker starts (``manage.py db_worker``), as
``manage.py tasks_sweep_stale``, and, for the jobs a page or the API is showing, :func:`stale_check`.

Where the beat goes: an import is one transaction, open for minutes, so the beat cannot be part of
the job's own writes (nobody would see it before the commit). It is written by the thread, on a
connection of its own, in autocommit:

- PostgreSQL (any server database): the job's own row, ``heartbeat_at``. The job's transaction
  writes that row only before and after, and the rows it inserts hold only a key-share lock on it,
  which an update of another column does not wait for.
- SQLite: the database has one writer at a time and an import holds the write lock throughout, so
  the beat goes to a small database file beside it (``<database>.heartbeats``; a per-process temporary
  file for an in-memory database). SQLite serves one machine, so every process that sees the
  database sees that file. The sweeper reads both and takes the later beat.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import logging
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Job:
    """A kind of long job: its model, the task that runs it (first argument: the job's id) and the
    statuses and failure code it uses."""

    model: type[models.Model]
    task: str
    running: str = "running"
    queued: str = "queued"
    failed: str = "failed"
    reason: str = "stale"  # stored in ``message``; the model turns it into words

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_JOBS: dict[str, Job] = {}


def register(job: Job) -> None:
    """Make a kind of job known to the sweeper (from its app's ``ready()``)."""
    _JOBS[job.label] = job


def heartbeat_seconds() -> float:
    return float(getattr(settings, "TALENTLINK_HEARTBEAT_SECONDS", 15))


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "TALENTLINK_STALE_AFTER_SECONDS", 300)))


class WorkerLost(RuntimeError):
    """What a task result left running by a dead worker is failed with."""


# --- Beating ------------------------------------------------------------------


@contextlib.contextmanager
def beating(obj: models.Model) -> Iterator[None]:
    """Keep ``obj``'s heartbeat fresh while the block runs (a thread beats every few seconds)."""
    job = _JOBS[obj._meta.label_lower]
    stop = threading.Event()
    beat = _side_beat(job, obj.pk) if connection.vendor == "sqlite" else _row_beat(job, obj.pk)
    thread = threading.Thread(
        target=_beat_until, args=(beat, stop), name=f"heartbeat {job.label} #{obj.pk}", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _beat_until(beat: Any, stop: threading.Event) -> None:
    try:
        while True:
            try:
                beat()
            except Exception as exc:  # a missed beat must not stop the job; the next may pass
                logger.warning("heartbeat not written: %s", exc)
            if stop.wait(heartbeat_seconds()):
                return
    finally:
        connections[DEFAULT_DB_ALIAS].close()  # this thread's own connection, if it opened one


def _row_beat(job: Job, pk: Any) -> Any:
    table = connection.ops.quote_name(job.model._meta.db_table)
    # Connections are per thread: this is the beating thread's own, in autocommit. A row that the
    # job's own transaction holds (a caller's transaction around the job, a run saving its result) is
    # skipped rather than waited for: the job is alive anyway, and its end must not wait on a beat.
    sql = (
        f"UPDATE {table} SET heartbeat_at = %s WHERE id = "
        f"(SELECT id FROM {table} WHERE id = %s AND status = %s FOR UPDATE SKIP LOCKED)"
    )

    def beat() -> None:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(sql, [timezone.now(), pk, job.running])

    return beat


def _side_beat(job: Job, pk: Any) -> Any:
    path = _side_path()

    def beat() -> None:
        with contextlib.closing(_side_connect(path, create=True)) as db:
            db.execute("INSERT OR REPLACE INTO beat (job, at) VALUES (?, ?)", (_key(job, pk), _now()))

    return beat


# --- The SQLite side file -------------------------------------------------------


def _key(job: Job, pk: Any) -> str:
    return f"{job.label}:{pk}"


def _now() -> float:
    return timezone.now().timestamp()


_temporary: list[str] = []


def _temporary_remove() -> None:
    for path in _temporary:
        Path(path).unlink(missing_ok=True)


def _side_path() -> str:
    """The heartbeat file beside the SQLite database (read in the job's thread, before beating)."""
    if connection.is_in_memory_db():  # type: ignore[attr-defined]
        path = os.path.join(tempfile.gettempdir(), f"talentlink-heartbeats-{os.getpid()}.sqlite3")
        if not _temporary:
            _temporary.append(path)
            atexit.register(_temporary_remove)
        return path
    return f"{connection.settings_dict['NAME']}.heartbeats"


def _side_connect(path: str, *, create: bool) -> sqlite3.Connection:
    if not create and not os.path.exists(path):
        raise FileNotFoundError(path)
    db = sqlite3.connect(path, timeout=5, isolation_level=None)
    if create:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS beat (job TEXT PRIMARY KEY, at REAL NOT NULL)")
    return db


def _side_beats(job: Job, pks: list[Any]) -> dict[Any, dt.datetime]:
    """The last beats the side file holds for these jobs."""
    if connection.vendor != "sqlite" or not pks:
        return {}
    keys = {_key(job, pk): pk for pk in pks}
    try:
        with contextlib.closing(_side_connect(_side_path(), create=False)) as db:
            found = db.execute(
                f"SELECT job, at FROM beat WHERE job IN ({', '.join('?' * len(keys))})", list(keys)
            ).fetchall()
    except (FileNotFoundError, sqlite3.Error):
        return {}
    return {keys[key]: dt.datetime.fromtimestamp(at, tz=dt.UTC) for key, at in found}


# --- Sweeping -------------------------------------------------------------------


@dataclass(slots=True)
class Swept:
    """What a sweep failed: jobs as (label, id), and how many task results."""

    jobs: list[tuple[str, Any]] = field(default_factory=list)
    task_results: int = 0


def _last(beat: dt.datetime | None, started: dt.datetime | None) -> dt.datetime:
    # A job that was running before heartbeats existed has none: its start is its last sign of life.
    return beat or started or _EPOCH


def _stale(job: Job, candidates: dict[Any, dt.datetime], cutoff: dt.datetime) -> list[Any]:
    """Those of the candidates (id → last beat on the row) that have not beaten since ``cutoff``."""
    old = [pk for pk, last in candidates.items() if last < cutoff]
    side = _side_beats(job, old)
    return [pk for pk in old if side.get(pk, _EPOCH) < cutoff]


def _fail(job: Job, pks: list[Any], now: dt.datetime, cutoff: dt.datetime, *, status: str) -> list[Any]:
    """Mark these jobs failed, each only if still in ``status`` without a beat since ``cutoff``."""
    fresh = Q(heartbeat_at__gte=cutoff) if status == job.running else Q(pk__in=[])
    failed = []
    for pk in pks:
        changed = (
            job.model._default_manager.filter(pk=pk, status=status)
            .exclude(fresh)
            .update(status=job.failed, finished_at=now, message=job.reason)
        )
        if changed:
            failed.append(pk)
            logger.warning("%s #%s failed: its worker stopped (no heartbeat since %s)", job.label, pk, cutoff)
    return failed


def stale_check(objects: Iterable[models.Model]) -> None:
    """Fail those of these loaded jobs that are running without a recent heartbeat, in place.

    What a page or the API calls on the jobs it shows: no query unless one looks stale.
    """
    now = timezone.now()
    cutoff = now - stale_after()
    for obj in objects:
        job = _JOBS.get(obj._meta.label_lower)
        if job is None or getattr(obj, "status", None) != job.running:
            continue
        last = _last(obj.heartbeat_at, obj.started_at)  # type: ignore[attr-defined]
        if not _stale(job, {obj.pk: last}, cutoff):
            continue
        try:
            failed = _fail(job, [obj.pk], now, cutoff, status=job.running)
            _fail_task_results(job, set(failed))
        except DatabaseError as exc:  # SQLite busy with another import: the next read tries again
            logger.warning("stale %s #%s not marked failed yet: %s", job.label, obj.pk, exc)
            continue
        if failed:
            obj.refresh_from_db(fields=["status", "finished_at", "message"])


def stale_sweep(*, dry_run: bool = False, models_: Iterable[type[models.Model]] | None = None) -> Swept:
    """Fail every running job without a heartbeat since ``TALENTLINK_STALE_AFTER_SECONDS``, a queued
    job whose task a dead worker had taken, and the task results such workers left running."""
    now = timezone.now()
    cutoff = now - stale_after()
    wanted = {m._meta.label_lower for m in models_} if models_ is not None else set(_JOBS)
    swept = Swept()
    for job in (j for label, j in _JOBS.items() if label in wanted):
        running = job.model._default_manager.filter(status=job.running).filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
        )
        stale = _stale(
            job,
            {pk: _last(b, s) for pk, b, s in running.values_list("pk", "heartbeat_at", "started_at")},
            cutoff,
        )
        orphans = _orphaned_queued(job, cutoff)
        if dry_run:
            swept.jobs += [(job.label, pk) for pk in [*stale, *orphans]]
            continue
        failed = _fail(job, stale, now, cutoff, status=job.running)
        failed += _fail(job, orphans, now, cutoff, status=job.queued)
        swept.jobs += [(job.label, pk) for pk in failed]
        swept.task_results += _fail_task_results(job, set(failed), cutoff=cutoff)
    return swept


def _running_task_results(job: Job) -> Any:
    if not apps.is_installed("django_tasks_db"):
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.running().filter(task_path=job.task)


def _first_argument(result: Any) -> Any:
    arguments = (result.args_kwargs or {}).get("args") or [None]
    return arguments[0]


def _orphaned_queued(job: Job, cutoff: dt.datetime) -> list[Any]:
    """Queued jobs whose task a worker took before ``cutoff`` and never started: it died between."""
    results = _running_task_results(job)
    if results is None:
        return []
    taken = {_first_argument(r) for r in results.filter(started_at__lt=cutoff)}
    return list(
        job.model._default_manager.filter(pk__in=taken - {None}, status=job.queued).values_list(
            "pk", flat=True
        )
    )


def _fail_task_results(job: Job, failed: set[Any], *, cutoff: dt.datetime | None = None) -> int:
    """Fail the running task results of these failed jobs, and (given ``cutoff``) those started before
    it whose job is no longer running (the worker died after the job ended)."""
    results = _running_task_results(job)
    if results is None:
        return 0
    candidates = list(results.filter(Q(started_at__lt=cutoff) if cutoff else Q()))
    if cutoff is not None:
        alive = set(
            job.model._default_manager.filter(
                pk__in=[_first_argument(r) for r in candidates], status__in=[job.running, job.queued]
            ).values_list("pk", flat=True)
        )
    count = 0
    for result in candidates:
        pk = _first_argument(result)
        if pk in failed or (cutoff is not None and pk not in alive):
            result.set_failed(
                WorkerLost(f"the worker stopped while running {job.label} #{pk} (no heartbeat)")
            )
            count += 1
    return count
