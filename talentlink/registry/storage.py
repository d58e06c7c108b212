"""Uploaded exports at rest: sealed with the field key, opened for the importer only, deleted
after the retention period.

A city's export holds every person's whole ID number, which the database keeps only encrypted.
The uploaded file is therefore sealed as it is stored (``crypto.FieldCipher.file_seal``, AES-GCM
in 1 MiB chunks under a key derived from ``TALENTLINK_FIELD_KEY`` for each file, so memory stays
flat whatever the file's size); nothing serves it back. The importer gets the plaintext in a
temporary file that has no name on disk, so that a worker killed half-way leaves no copy behind.
``manage.py imports_purge`` (daily) deletes the files of imports that finished
``TALENTLINK_IMPORT_FILE_RETENTION_DAYS`` ago; the import keeps its outcome and report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db.models.functions import Coalesce
from django.utils import timezone

from talentlink.registry.models import ImportBatch, import_file_storage

# Where the importer's readers find the plaintext: a link to the temporary file's descriptor.
_DESCRIPTORS = "/dev/fd/"
_UNFINISHED = (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)


class _Hashed(File):
    """An upload read through once, by the storage that seals it, and hashed on the way."""

    def __init__(self, upload: File) -> None:
        super().__init__(upload, name=upload.name)
        self.digest = hashlib.sha256()

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for block in super().chunks(chunk_size):
            self.digest.update(block)
            yield block


def import_file_store(upload: File) -> tuple[str, str]:
    """Seal an uploaded export into its storage; return its stored name and the SHA-256 of its
    plaintext (what tells an identical file uploaded again)."""
    field = ImportBatch._meta.get_field("file")
    # A random name: the original one (often a date and a department) stays in the database.
    name = field.generate_filename(ImportBatch(), f"{uuid.uuid4().hex}.sealed")
    hashed = _Hashed(upload)
    stored = import_file_storage.save(name, hashed)
    upload.seek(0)
    return stored, hashed.digest.hexdigest()


@contextlib.contextmanager
def import_file_opened(batch: ImportBatch) -> Iterator[Path]:
    """The plaintext of the batch's file as a path its readers open, while the import runs.

    The plaintext goes to an unnamed temporary file (unlinked when made); readers reach it through
    a link named with the file's suffix (openpyxl goes by it) in a private directory, pointing to
    the file's descriptor, which the scanning process inherits (:func:`inherited_fds`). A file
    stored before sealing was introduced is read where it lies.
    """
    name = batch.file.name
    if not name:
        raise FileNotFoundError(f"the file of import #{batch.pk} was deleted after the retention period")
    if not import_file_storage.is_sealed(name):
        yield Path(batch.file.path)
        return
    folder = Path(tempfile.mkdtemp(prefix="talentlink-import-"))  # readable by this user only
    try:
        with tempfile.TemporaryFile(dir=folder) as plain:
            for block in import_file_storage.plain_blocks(name):
                plain.write(block)
            plain.flush()
            link = folder / f"import-{batch.pk}.{batch.source_system.file_format}"
            link.symlink_to(f"{_DESCRIPTORS}{plain.fileno()}")
            yield link
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def inherited_fds(path: Path) -> list[int]:
    """The descriptors a child process must inherit to open ``path`` (one of
    :func:`import_file_opened`'s links: the same number opens the same file there)."""
    try:
        target = os.readlink(path)
    except OSError:
        return []
    return [int(target.removeprefix(_DESCRIPTORS))] if target.startswith(_DESCRIPTORS) else []


# --- Retention ---------------------------------------------------------------------------------


@dataclass(slots=True)
class PurgeOutcome:
    """What a purge did (or, in a dry run, would do)."""

    deleted: int = 0
    sealed: int = 0
    orphans: int = 0


def import_files_purge(
    *, now: dt.datetime | None = None, days: int | None = None, dry_run: bool = False,
    report: Callable[[str], None] | None = None,
) -> PurgeOutcome:  # fmt: skip
    """Delete the files of imports finished more than the retention period ago (the import
    keeps its outcome and report; its page says the file was deleted), seal files stored before
    sealing, and delete files no import refers to once they are as old. Safe to run again."""
    say = report or (lambda line: None)
    days = settings.TALENTLINK_IMPORT_FILE_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    outcome = PurgeOutcome()
    finished = ImportBatch.objects.exclude(file="").exclude(status__in=_UNFINISHED)
    expired = finished.annotate(ended=Coalesce("finished_at", "created_at")).filter(ended__lt=cutoff)
    for pk, name in expired.values_list("pk", "file").iterator():
        say(f"import #{pk}: deleting {name}")
        outcome.deleted += 1
        if not dry_run:
            import_file_storage.delete(name)
            ImportBatch.objects.filter(pk=pk, file=name).update(file="")
    for pk, name in finished.exclude(pk__in=expired.values("pk")).values_list("pk", "file").iterator():
        if _exists(name) and not import_file_storage.is_sealed(name):
            say(f"import #{pk}: sealing {name}")
            outcome.sealed += 1
            if not dry_run:
                _reseal(pk, name)
    for name in _orphans(cutoff):
        say(f"deleting {name}: no import refers to it")
        outcome.orphans += 1
        if not dry_run:
            import_file_storage.delete(name)
    return outcome


def _exists(name: str) -> bool:
    return import_file_storage.exists(name)


def _reseal(pk: int, name: str) -> None:
    """Replace a plain file kept from before sealing by its sealed copy."""
    with import_file_storage.open(name, "rb") as plain:
        stored, _digest = import_file_store(plain)
    if ImportBatch.objects.filter(pk=pk, file=name).update(file=stored):
        import_file_storage.delete(name)
    else:  # the batch changed meanwhile
        import_file_storage.delete(stored)


def _orphans(cutoff: dt.datetime) -> Iterator[str]:
    """Files under the imports' folder that no import refers to, last changed before ``cutoff``
    (left by an upload whose transaction was rolled back, or by hand)."""
    storage = import_file_storage
    top = str(ImportBatch._meta.get_field("file").upload_to).split("/")[0]
    if not storage.exists(top):
        return
    referred = set(ImportBatch.objects.exclude(file="").values_list("file", flat=True))
    folders = [top]
    while folders:
        folder = folders.pop()
        subfolders, names = storage.listdir(folder)
        folders.extend(f"{folder}/{sub}" for sub in subfolders)
        for base in names:
            name = f"{folder}/{base}"
            if name not in referred and storage.get_modified_time(name) < cutoff:
                yield name
