"""Content-addressed file store for uploaded DICOM and generated reports.

Each file is stored once under its SHA-256 (``objects/ab/cdef...``). Writes go to a temporary
file in the same file system, are flushed and fsynced, then renamed into place, so a killed
process leaves either the complete object or nothing under ``objects/``.

Temporary files live in a work folder per server process (``tmp/HOST_PID_TOKEN/``): uploads
are staged there (:meth:`ContentStore.staging`) and moved into ``objects/`` only when every
check has passed, or deleted as a whole; plan evaluations lay out their DICOM there.
:meth:`ContentStore.clean_temporary` (run on start) removes the work folders of processes that
no longer run, so a SIGKILL leaves no patient data behind in temporary folders. Objects that no
record references (a crash between the move and the database commit) are found by
``hccrt store fsck`` and removed by ``hccrt store gc``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hccrt.errors import InputError

CHUNK_BYTES = 1 << 20
MIN_FREE_BYTES = 512 * 1024 * 1024
"""Free space the store keeps on its file system: writes that would go below are refused."""
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def host_name() -> str:
    """This machine's name as used in temporary folder names and job owners."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:50] or "host"


def process_alive(host: str, pid: int) -> bool:
    """Whether process ``pid`` runs (processes of other hosts are assumed to)."""
    if host != host_name():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StoreFull(InputError):
    """Not enough free space for a write (HTTP 507 in the web app)."""


def _no_space(needed: int | None, free: int) -> StoreFull:
    return StoreFull(
        "file store",
        "not enough free disk space" + (f" for {needed} more bytes" if needed is not None else ""),
        f"{free} bytes free",
        "free disk space or move the data folder to a larger disk, then upload again",
    )


class Readable(Protocol):
    """Anything with ``read(size) -> bytes`` (files, streams, zip members)."""

    def read(self, size: int = -1, /) -> bytes: ...


class ObjectSource(Protocol):
    """Where objects are read from: the store, or an upload's staging area."""

    def link_into(self, sha256: str, target: Path) -> None: ...

    def work_dir(self) -> Path: ...


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
    min_free_bytes
        Free space to keep on the store's file system (default :data:`MIN_FREE_BYTES`).
    """

    def __init__(self, root: Path, min_free_bytes: int = MIN_FREE_BYTES) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.tmp = self.root / "tmp"
        self.min_free_bytes = min_free_bytes
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.work = self.tmp / f"{host_name()}_{os.getpid()}_{secrets.token_hex(4)}"

    def work_dir(self) -> Path:
        """This process's folder for temporary files (created on first use)."""
        self.work.mkdir(parents=True, exist_ok=True)
        return self.work

    def require_space(self, nbytes: int) -> None:
        """Raise :class:`StoreFull` unless ``nbytes`` fit above :attr:`min_free_bytes`."""
        free = shutil.disk_usage(self.root).free
        if free - nbytes < self.min_free_bytes:
            raise _no_space(nbytes, free)

    @contextmanager
    def staging(self) -> Iterator[Staging]:
        """A staging area: objects put there reach the store on :meth:`Staging.commit`.

        Leaving the block without committing (an exception, a refused upload) deletes every
        staged file.
        """
        area = Staging(self, Path(tempfile.mkdtemp(prefix="stage-", dir=self.work_dir())))
        try:
            yield area
        finally:
            shutil.rmtree(area.folder, ignore_errors=True)

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
        tmp_name, obj = self._write(stream, self.work_dir(), max_bytes)
        try:
            target = self.path(obj.sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
            return obj
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def _write(
        self, stream: Readable, folder: Path, max_bytes: int | None
    ) -> tuple[str, StoredObject]:
        """Copy ``stream`` to a new fsynced file in ``folder``: its name and hash."""
        digest = hashlib.sha256()
        size = 0
        handle, tmp_name = tempfile.mkstemp(dir=folder, prefix="put-")
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
        except BaseException as error:
            os.unlink(tmp_name)
            if isinstance(error, OSError) and error.errno == errno.ENOSPC:
                raise _no_space(None, shutil.disk_usage(self.root).free) from None
            raise
        return tmp_name, StoredObject(digest.hexdigest(), size)

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
        """Remove the temporary folders of processes that no longer run; returns how many.

        Work folders of running processes (other server workers, this process) are kept.
        """
        removed = 0
        for leftover in self.tmp.iterdir():
            host, _, rest = leftover.name.partition("_")
            pid = rest.partition("_")[0]
            if leftover.is_dir() and pid.isdigit() and process_alive(host, int(pid)):
                continue
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def remove(self, sha256: str) -> None:
        """Delete an object (``hccrt store gc``: only objects no record references)."""
        self.path(sha256).unlink(missing_ok=True)

    def all_objects(self) -> Iterable[str]:
        """Hashes of all stored objects."""
        for shard in sorted(self.objects.iterdir()):
            for item in sorted(shard.iterdir()):
                yield shard.name + item.name


class Staging:
    """Files of one upload, outside the store until :meth:`commit` (see ContentStore.staging)."""

    def __init__(self, store: ContentStore, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self.staged: dict[str, StoredObject] = {}

    def put_stream(self, stream: Readable, max_bytes: int | None = None) -> StoredObject:
        """Stage a stream (fsynced); the same content is staged once."""
        tmp_name, obj = self.store._write(stream, self.folder, max_bytes)
        os.replace(tmp_name, self.folder / obj.sha256)
        self.staged[obj.sha256] = obj
        return obj

    def work_dir(self) -> Path:
        """The store's temporary folder of this process."""
        return self.store.work_dir()

    def link_into(self, sha256: str, target: Path) -> None:
        """Make a staged (or stored) object available at ``target``."""
        source = self.folder / sha256
        if sha256 not in self.staged:
            self.store.link_into(sha256, target)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)

    def commit(self) -> None:
        """Move every staged object into the store (each move atomic)."""
        for sha in self.staged:
            target = self.store.path(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.folder / sha, target)
