"""Safe intake of uploaded DICOM: several files or one zip, checked before anything is kept.

Checks, each with a clear message: request size, file count, size of each unpacked file and of
all together, zip-bomb ratio (uncompressed/compressed per member, and actual bytes counted while
unpacking, never trusting the zip header), path traversal and absolute paths in member names,
links, nested archives, and non-DICOM content (a DICOM Part 10 file has ``DICM`` at byte 128).
Accepted files are staged (:meth:`hccrt.store.files.ContentStore.staging`) and reach the
content-addressed store only when every check has passed; a refused upload leaves nothing. The
database record is written after the files are in the store, so an interrupted upload leaves no
record.
"""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from hccrt.errors import InputError
from hccrt.store.files import Readable, Staging, StoredObject
from hccrt.web.settings import UploadLimits

DICOM_MAGIC_OFFSET = 128
IGNORED_PREFIXES = ("__MACOSX/",)
IGNORED_NAMES = (".DS_Store", "Thumbs.db")


@dataclass(frozen=True)
class IncomingFile:
    """A file as received: its client-side name and a readable binary stream."""

    name: str
    stream: BinaryIO


class UploadRejected(InputError):
    """An upload refused by a limit or a content check (HTTP 400/411/413/507)."""

    def __init__(self, field: str, rule: str, value: object, fix: str, status_code: int = 400):
        super().__init__(field, rule, value, fix)
        self.status_code = status_code


def safe_name(name: str) -> str:
    """The base name of a client file name, without directories (for display only)."""
    base = posixpath.basename(name.replace("\\", "/"))
    return "".join(c for c in base if c.isprintable())[:255] or "unnamed"


def _check_member_name(name: str) -> None:
    normal = name.replace("\\", "/")
    parts = [p for p in normal.split("/") if p not in ("", ".")]
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":") or ".." in parts:
        raise UploadRejected(
            "zip member",
            "path leaves the upload folder (absolute path or '..')",
            name,
            "re-create the zip from the folder itself; hccrt refuses path traversal",
        )


def _require_dicom(name: str, head: bytes) -> None:
    if (
        len(head) < DICOM_MAGIC_OFFSET + 4
        or head[DICOM_MAGIC_OFFSET : DICOM_MAGIC_OFFSET + 4] != b"DICM"
    ):
        raise UploadRejected(
            safe_name(name),
            "not a DICOM file (no 'DICM' marker at byte 128)",
            safe_name(name),
            "upload DICOM Part 10 files (CT, RTSTRUCT, RTDOSE, RTPLAN) or a zip of them",
        )


class _Budget:
    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.files = 0
        self.total = 0

    def add_file(self) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise UploadRejected(
                "files",
                f"more than {self.limits.max_files} files",
                self.files,
                "split the upload",
                413,
            )

    def add_bytes(self, count: int) -> None:
        self.total += count
        if self.total > self.limits.max_unpacked_bytes:
            raise UploadRejected(
                "upload",
                f"more than {self.limits.max_unpacked_bytes} bytes unpacked",
                self.total,
                "split the upload",
                413,
            )


class _CountingReader(io.RawIOBase):
    """Reads at most ``limit`` bytes, raising when the source yields more (zip-bomb guard)."""

    def __init__(
        self, source: Readable, name: str, limit: int, budget: _Budget, already: int = 0
    ) -> None:
        self.source, self.name, self.limit, self.budget = source, name, limit, budget
        self.count = already

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size if size > 0 else 1 << 20)
        self.count += len(chunk)
        self.budget.add_bytes(len(chunk))
        if self.count > self.limit:
            raise UploadRejected(
                safe_name(self.name),
                f"larger than {self.limit} bytes when unpacked",
                self.count,
                "upload smaller files",
                413,
            )
        return chunk


def _store_one(
    store: Staging, name: str, stream: Readable, limit: int, budget: _Budget
) -> StoredObject:
    head = stream.read(DICOM_MAGIC_OFFSET + 4)
    _require_dicom(name, head)
    budget.add_bytes(len(head))
    rest = _CountingReader(stream, name, limit, budget, already=len(head))
    return store.put_stream(_Chain(head, rest))


class _Chain(io.RawIOBase):
    def __init__(self, head: bytes, rest: Readable) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.head:
            out, self.head = self.head, b""
            return out
        return self.rest.read(size)


def _zip_members(archive: zipfile.ZipFile, limits: UploadLimits) -> Iterator[zipfile.ZipInfo]:
    for info in archive.infolist():
        _check_member_name(info.filename)
        if info.is_dir():
            continue
        if info.filename.startswith(IGNORED_PREFIXES) or safe_name(info.filename) in IGNORED_NAMES:
            continue
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadRejected(
                "zip member", "is a symbolic link", info.filename, "zip the files, not links"
            )
        if info.flag_bits & 0x1:
            raise UploadRejected(
                "zip member", "is encrypted", info.filename, "upload an unencrypted zip"
            )
        if info.file_size > limits.max_file_bytes:
            raise UploadRejected(
                safe_name(info.filename),
                f"larger than {limits.max_file_bytes} bytes unpacked",
                info.file_size,
                "upload smaller files",
                413,
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_zip_ratio:
            raise UploadRejected(
                safe_name(info.filename),
                f"compression ratio {ratio:.0f}:1 above {limits.max_zip_ratio:.0f}:1 (zip bomb?)",
                info.file_size,
                "upload the DICOM files without such compression",
                413,
            )
        yield info


def store_upload(
    store: Staging, files: Iterable[IncomingFile], limits: UploadLimits
) -> list[tuple[str, StoredObject]]:
    """Check and stage an upload; returns ``(display name, staged object)`` per DICOM file.

    A file whose name ends in ``.zip`` (or that starts with a zip signature) is unpacked. Nothing
    is recorded in the database here; the caller commits the staging area once it accepts the
    upload (a refused upload's staged files are deleted with the area).

    Raises
    ------
    UploadRejected
        The first check that fails, naming the file, the rule and what to do.
    """
    budget = _Budget(limits)
    stored: list[tuple[str, StoredObject]] = []
    for incoming in files:
        head = incoming.stream.read(4)
        incoming.stream.seek(0)
        if incoming.name.lower().endswith(".zip") or head == b"PK\x03\x04":
            try:
                archive = zipfile.ZipFile(incoming.stream)
            except zipfile.BadZipFile as error:
                raise UploadRejected(
                    safe_name(incoming.name),
                    f"not a readable zip ({error})",
                    incoming.name,
                    "re-create the zip",
                ) from None
            with archive:
                for info in _zip_members(archive, limits):
                    budget.add_file()
                    with archive.open(info) as member:
                        name = f"{safe_name(incoming.name)}/{info.filename}"
                        try:
                            obj = _store_one(store, name, member, limits.max_file_bytes, budget)
                        except (zipfile.BadZipFile, OSError) as error:
                            raise UploadRejected(
                                safe_name(info.filename),
                                f"unreadable zip member ({error})",
                                info.filename,
                                "re-create the zip",
                            ) from None
                        stored.append((safe_name(info.filename), obj))
        else:
            budget.add_file()
            stored.append(
                (
                    safe_name(incoming.name),
                    _store_one(
                        store, incoming.name, incoming.stream, limits.max_file_bytes, budget
                    ),
                )
            )
    if not stored:
        raise UploadRejected(
            "upload", "contains no DICOM file", 0, "choose DICOM files or a zip of them"
        )
    return stored
