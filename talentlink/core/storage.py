"""Uploaded scans at rest: sealed with the field key as they are stored, opened for the reader.

A certificate scan or a business licence shows a person's whole ID number, name and photo, which
the database keeps only encrypted; the file storage holds them sealed the same way
(``crypto.FieldCipher.file_seal``: AES-GCM in 1 MiB chunks under a key derived from
``TALENTLINK_FIELD_KEY`` for each file). A file stored before sealing was introduced still opens
as it lies. Registry exports have their own storage, which also deletes them after a retention
period (``registry.storage``).
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from talentlink.core import crypto

# What the sealed bytes are bound to: a scan does not open as an import, nor an import as a scan.
CONTEXT = b"core.sealed-media"
# Up to this size the opened plaintext stays in memory (scans are a few MiB at most).
_IN_MEMORY = 8 * 1024 * 1024


@deconstructible(path="talentlink.core.storage.SealedStorage")
class SealedStorage(FileSystemStorage):
    """The media storage, with every file sealed on save and opened on read."""

    def _save(self, name: str, content: File) -> str:
        with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY) as sealed:
            content.seek(0)
            crypto.cipher().file_seal(content.chunks(), sealed, context=CONTEXT)
            sealed.seek(0)
            return super()._save(name, File(sealed, name=name))

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("sealed files are written through save() only")
        stored = super()._open(name, "rb")
        with stored:
            if not crypto.file_is_sealed(stored.read(len(crypto.FILE_MAGIC))):
                return super()._open(name, mode)
            stored.seek(0)
            # The caller closes the File it gets, and with it this temporary file.
            plain: Any = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115
            for block in crypto.cipher().file_open(stored, context=CONTEXT):
                plain.write(block)
        plain.seek(0)
        return File(plain, name=name)


sealed_storage = SealedStorage()
