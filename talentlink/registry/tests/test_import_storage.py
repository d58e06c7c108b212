"""Uploaded exports at rest: sealed on disk, opened for the importer only, deleted after retention."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.utils import timezone

from conftest import GOOD_ROWS
from talentlink.core import crypto
from talentlink.registry.models import ImportBatch, Person, SourceSystem
from talentlink.registry.tests.test_imports import pipelined, run_import

pytestmark = pytest.mark.django_db
__all__ = ["pipelined"]  # a fixture of test_imports, used here too

ID_NUMBERS = [row[2] for row in GOOD_ROWS]


@pytest.fixture(autouse=True)
def _import_only(settings):
    settings.TALENTLINK_LINKAGE_AFTER_IMPORT = False


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """The temporary directory the importer decrypts into, watched by the test."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def decrypted_left(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith("talentlink-import-")]


def stored_bytes(batch: ImportBatch) -> bytes:
    return Path(batch.file.path).read_bytes()


def upload_on_the_page(client, path: Path, capture) -> ImportBatch:
    source = SourceSystem.objects.get(code="ningbo-talent-db")
    with capture(execute=True), open(path, "rb") as handle:  # the task queued on commit runs inline
        answer = client.post("/registry/imports/", {"source_system": source.pk, "file": handle})
    assert answer.status_code == 302, answer.content.decode()[:500]
    return ImportBatch.objects.get()


def test_an_uploaded_export_is_sealed_on_disk_and_still_imports_end_to_end(
    nb_office, ningbo_csv, client_of, django_capture_on_commit_callbacks, private_tmp
):
    path = ningbo_csv()
    batch = upload_on_the_page(client_of(nb_office), path, django_capture_on_commit_callbacks)
    on_disk = stored_bytes(batch)
    assert on_disk != path.read_bytes() and crypto.file_is_sealed(on_disk)
    assert not any(number.encode() in on_disk for number in ID_NUMBERS)
    assert "张伟".encode() not in on_disk and b"NB001" not in on_disk
    assert batch.file.name and not batch.file.name.endswith(".csv")  # not even the original name is on disk
    assert (batch.status, batch.created_count) == ("succeeded", 3)
    assert Person.objects.filter(name="张伟").exists()
    assert decrypted_left(private_tmp) == []  # the plaintext lived only while the import ran


def test_the_second_scanning_process_reads_the_sealed_file_too(nb_office, ningbo_csv, pipelined, private_tmp):
    batch = run_import(nb_office, ningbo_csv())
    assert len(pipelined) == 1 and (batch.status, batch.created_count) == ("succeeded", 3)
    assert crypto.file_is_sealed(stored_bytes(batch)) and decrypted_left(private_tmp) == []


def test_the_plaintext_the_importer_reads_has_no_name_on_disk(
    nb_office, ningbo_csv, monkeypatch, private_tmp
):
    from talentlink.registry import imports

    seen: list[tuple[str, list[str]]] = []
    scan = imports._scan

    def watching(source, path, report, *, write):
        named = [p.name for d in decrypted_left(private_tmp) for p in d.rglob("*") if not p.is_symlink()]
        seen.append((os.readlink(path), named))
        return scan(source, path, report, write=write)

    monkeypatch.setattr(imports, "_scan", watching)
    assert run_import(nb_office, ningbo_csv()).status == "succeeded"
    [(target, named_files)] = seen
    assert target.startswith("/dev/fd/") and named_files == []  # only a link to the open file


def test_a_sealed_file_that_was_changed_fails_its_import_with_a_reason(nb_office, ningbo_csv, private_tmp):
    from conftest import upload
    from talentlink.core.audit import Access
    from talentlink.registry import services

    source = SourceSystem.objects.get(code="ningbo-talent-db")
    batch = services.import_submit(access=Access.system(user=nb_office), source_system=source,
                                   upload=upload(ningbo_csv()), enqueue=False)  # fmt: skip
    damaged = bytearray(stored_bytes(batch))
    damaged[-1] ^= 1
    Path(batch.file.path).write_bytes(bytes(damaged))
    with pytest.raises(crypto.DecryptionError):
        services.import_run_now(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and "DecryptionError" in batch.message
    assert not Person.objects.exists() and decrypted_left(private_tmp) == []


def finished_days_ago(batch: ImportBatch, days: int) -> ImportBatch:
    ImportBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now() - dt.timedelta(days=days))
    batch.refresh_from_db()
    return batch


def test_the_purge_command_deletes_old_files_keeps_recent_ones_and_the_page_says_so(
    nb_office, ningbo_csv, client_of, settings, capsys
):
    settings.TALENTLINK_IMPORT_FILE_RETENTION_DAYS = 30
    old = finished_days_ago(run_import(nb_office, ningbo_csv(name="old.csv")), 31)
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][1] = "张卫"
    recent = finished_days_ago(run_import(nb_office, ningbo_csv(rows, name="recent.csv")), 29)
    old_path, recent_path = Path(old.file.path), Path(recent.file.path)

    call_command("imports_purge", "--dry-run")
    assert old_path.exists() and "1 import files would be deleted" in capsys.readouterr().out

    call_command("imports_purge")
    assert "1 import files were deleted" in capsys.readouterr().out
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old_path.exists() and old.file.name == ""
    assert recent_path.exists() and recent.file.name == str(recent_path.relative_to(settings.MEDIA_ROOT))
    assert (old.status, old.created_count) == ("succeeded", 3)  # the outcome is kept

    client = client_of(nb_office)
    assert 'id="import-file-deleted"' in client.get(f"/registry/imports/{old.pk}/").content.decode()
    assert 'id="import-file-deleted"' not in client.get(f"/registry/imports/{recent.pk}/").content.decode()
    call_command("imports_purge")  # again: nothing left to do
    assert "0 import files were deleted" in capsys.readouterr().out and recent_path.exists()


def test_the_purge_leaves_queued_and_running_imports_alone(nb_office, ningbo_csv):
    from conftest import upload
    from talentlink.core.audit import Access
    from talentlink.registry import services

    source = SourceSystem.objects.get(code="ningbo-talent-db")
    batch = services.import_submit(access=Access.system(user=nb_office), source_system=source,
                                   upload=upload(ningbo_csv()), enqueue=False)  # fmt: skip
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(days=90))
    call_command("imports_purge", "--days", "0")
    assert Path(batch.file.path).exists()
    assert services.import_run_now(batch_id=batch.pk).status == "succeeded"


def test_a_file_stored_before_sealing_still_imports_and_the_purge_seals_it(nb_office, ningbo_csv, capsys):
    path = ningbo_csv()
    source = SourceSystem.objects.get(code="ningbo-talent-db")
    # Written as it came, by the plain media storage of the time before sealing.
    stored = FileSystemStorage().save("imports/2024/01/ningbo.csv", ContentFile(path.read_bytes()))
    legacy = ImportBatch.objects.create(
        source_system=source, original_name=path.name, sha256="x", uploaded_by=nb_office, file=stored
    )
    from talentlink.registry import services

    assert services.import_run_now(batch_id=legacy.pk).status == "succeeded"
    legacy.refresh_from_db()
    plain_path = Path(legacy.file.path)
    call_command("imports_purge")
    assert "1 sealed" in capsys.readouterr().out
    legacy.refresh_from_db()
    sealed = stored_bytes(legacy)
    assert not plain_path.exists() and crypto.file_is_sealed(sealed)
    assert ID_NUMBERS[0].encode() not in sealed


def test_the_purge_deletes_old_files_no_import_refers_to(settings, db):
    folder = Path(settings.MEDIA_ROOT) / "imports" / "2024" / "01"
    folder.mkdir(parents=True)
    old, new = folder / "left-behind.csv", folder / "just-uploaded.sealed"
    old.write_text(",".join(ID_NUMBERS))
    new.write_bytes(b"x")
    long_ago = (timezone.now() - dt.timedelta(days=400)).timestamp()
    os.utime(old, (long_ago, long_ago))
    call_command("imports_purge")
    assert not old.exists() and new.exists()
