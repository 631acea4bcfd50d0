"""Checks and clean-up of the file store against the database (``hccrt store fsck`` / ``gc``).

An object is referenced when an upload file, an evaluation's report or one of its figures names
its hash. Unreferenced objects come from a server killed between moving an upload into the
store and committing its record; :func:`collect_garbage` removes those older than a grace
period, so that an upload in progress in a running server is never touched.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hccrt.store.files import CHUNK_BYTES, ContentStore
from hccrt.store.models import Evaluation, UploadFile

GRACE_S = 3600.0
"""Unreferenced objects younger than this (seconds) are left alone by the clean-up."""


def referenced_objects(session: Session) -> set[str]:
    """Hashes of every object a database row refers to."""
    names = set(session.scalars(select(UploadFile.sha256)).all())
    for report, artifacts in session.execute(
        select(Evaluation.report_sha256, Evaluation.artifacts)
    ):
        if report:
            names.add(report)
        names.update(v for v in (artifacts or {}).values() if isinstance(v, str))
    return names


@dataclass
class FsckReport:
    """What :func:`check_store` found (hash lists, sorted)."""

    objects: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    unreferenced: list[str] = field(default_factory=list)
    temporary: int = 0

    @property
    def ok(self) -> bool:
        """No referenced object missing or corrupt (unreferenced ones are only garbage)."""
        return not self.missing and not self.corrupt

    def to_json(self) -> dict[str, object]:
        """Counts and the problem hashes."""
        return {
            "ok": self.ok,
            "objects": self.objects,
            "missing": self.missing,
            "corrupt": self.corrupt,
            "unreferenced": self.unreferenced,
            "temporary_folders": self.temporary,
        }


def _digest(store: ContentStore, sha: str) -> str:
    digest = hashlib.sha256()
    with store.path(sha).open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def check_store(session: Session, store: ContentStore) -> FsckReport:
    """Re-hash every object; list missing, corrupt and unreferenced ones."""
    referenced = referenced_objects(session)
    present = set(store.all_objects())
    report = FsckReport(objects=len(present), temporary=len(list(store.tmp.iterdir())))
    report.missing = sorted(referenced - present)
    report.unreferenced = sorted(present - referenced)
    report.corrupt = sorted(sha for sha in present if _digest(store, sha) != sha)
    return report


@dataclass(frozen=True)
class GcResult:
    """Objects and temporary folders removed, and the bytes freed."""

    objects_removed: int
    bytes_freed: int
    temporary_removed: int


def collect_garbage(session: Session, store: ContentStore, grace_s: float = GRACE_S) -> GcResult:
    """Remove unreferenced objects older than ``grace_s`` and dead processes' temporary folders."""
    referenced = referenced_objects(session)
    now = time.time()
    removed = freed = 0
    for sha in list(store.all_objects()):
        if sha in referenced:
            continue
        path = store.path(sha)
        stat = path.stat()
        if now - stat.st_mtime < grace_s:
            continue
        store.remove(sha)
        removed += 1
        freed += stat.st_size
    return GcResult(removed, freed, store.clean_temporary())
