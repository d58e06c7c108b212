"""Uploaded scans at rest: sealed with the field key as they are stored, opened for the reader.

A certificate scan or a business licence shows a person's whole ID number, name and photo, which
the database keeps only encrypted; the file storage holds them sealed the same way
(``crypto.FieldCipher.file_seal``: AES-GCM in 1 MiB chunks under a key derived from
``TALENTLINK_FIELD_KEY`` for each file). A file stored before sealing was introduced still opens
as it lies. Registry exports are sealed by the same class in a context of their own
(``registry.storage`` also deletes them after a retention period).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
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
    """The media storage, with every file sealed on save and opened on read.

    ``context`` binds the sealed bytes to their purpose: a file sealed in one context does not
    open in another (registry exports have their own, ``registry.models.IMPORT_FILE_CONTEXT``)."""

    # django-stubs leave out Storage._open and _save, the two methods Django documents for custom
    # storages to implement; hence "type: ignore[misc]" where this class calls its parent's.

    def __init__(self, *, context: bytes = CONTEXT, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context

    def _save(self, name: str, content: File) -> str:
        with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY) as sealed:
            content.seek(0)
            crypto.cipher().file_seal(content.chunks(), sealed, context=self.context)
            sealed.seek(0)
            return super()._save(name, File(sealed, name=name))  # type: ignore[misc]  # see the class

    def is_sealed(self, name: str) -> bool:
        """Whether the stored file is sealed (a file stored before sealing was introduced is not)."""
        with super()._open(name, "rb") as stored:  # type: ignore[misc]  # see the class
            return crypto.file_is_sealed(stored.read(len(crypto.FILE_MAGIC)))

    def plain_blocks(self, name: str) -> Iterator[bytes]:
        """The stored file's plaintext, block by block, without holding it whole anywhere."""
        with super()._open(name, "rb") as stored:  # type: ignore[misc]  # see the class
            if crypto.file_is_sealed(stored.read(len(crypto.FILE_MAGIC))):
                stored.seek(0)
                yield from crypto.cipher().file_open(stored, context=self.context)
            else:
                stored.seek(0)
                yield from stored.chunks()

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("sealed files are written through save() only")
        if not self.is_sealed(name):
            return super()._open(name, mode)  # type: ignore[misc]  # see the class
        # The caller closes the File it gets, and with it this temporary file.
        plain: Any = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115
        for block in self.plain_blocks(name):
            plain.write(block)
        plain.seek(0)
        return File(plain, name=name)


sealed_storage = SealedStorage()
