"""Content-addressed file store for uploaded DICOM and generated reports.

Each file is stored once under its SHA-256 (``objects/ab/cdef...``). Writes go to a temporary
file in the same file system, are flushed and fsynced, then renamed into place, so a killed
process leaves either the complete object or nothing under ``objects/`` (only stray temporary
files, which :meth:`ContentStore.clean_temporary` removes on start).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hccrt.errors import InputError

CHUNK_BYTES = 1 << 20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class Readable(Protocol):
    """Anything with ``read(size) -> bytes`` (files, streams, zip members)."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class StoredObject:
    """A file in the store: its SHA-256 (hex) and size in bytes."""

    sha256: str
    size_bytes: int


class ContentStore:
    """A directory of immutable files named by their SHA-256.

    Parameters
    ----------
    root
        Store directory; created if missing (``objects/`` and ``tmp/`` inside).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.tmp = self.root / "tmp"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        """Where the object with this hash lives (whether or not it exists)."""
        if not _SHA256.match(sha256):
            raise InputError("sha256", "not a 64-digit lower-case hex digest", sha256)
        return self.objects / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        """Whether the object is stored."""
        return self.path(sha256).is_file()

    def put_stream(self, stream: Readable, max_bytes: int | None = None) -> StoredObject:
        """Copy a stream into the store atomically.

        Raises
        ------
        InputError
            If the stream holds more than ``max_bytes`` (nothing is stored then).
        """
        digest = hashlib.sha256()
        size = 0
        handle, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="put-")
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK_BYTES):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise InputError(
                            "file",
                            f"larger than the limit of {max_bytes} bytes",
                            size,
                            "upload fewer or smaller files",
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
            return StoredObject(sha, size)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def put_bytes(self, data: bytes) -> StoredObject:
        """Store bytes atomically."""
        import io

        return self.put_stream(io.BytesIO(data))

    def read_bytes(self, sha256: str) -> bytes:
        """The stored bytes, verified against their hash.

        Raises
        ------
        InputError
            If the object is missing or its content no longer matches its hash.
        """
        path = self.path(sha256)
        if not path.is_file():
            raise InputError("sha256", "no such object in the file store", sha256)
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise InputError(
                "sha256",
                "stored file is corrupt (hash mismatch)",
                sha256,
                "restore the file store from backup",
            )
        return data

    def link_into(self, sha256: str, target: Path) -> None:
        """Make the object available at ``target`` (hard link, or a copy across devices)."""
        source = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            target.write_bytes(source.read_bytes())

    def clean_temporary(self) -> int:
        """Remove temporary files left by killed writers; returns how many were removed."""
        removed = 0
        for leftover in self.tmp.iterdir():
            if leftover.is_file():
                leftover.unlink()
                removed += 1
        return removed

    def all_objects(self) -> Iterable[str]:
        """Hashes of all stored objects."""
        for shard in sorted(self.objects.iterdir()):
            for item in sorted(shard.iterdir()):
                yield shard.name + item.name
