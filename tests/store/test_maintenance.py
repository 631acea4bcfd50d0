"""``fsck`` and ``gc`` of the file store against the database rows that reference objects."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hccrt.store import accounts, repository
from hccrt.store.db import migrate, session_factory
from hccrt.store.files import ContentStore
from hccrt.store.maintenance import check_store, collect_garbage


@pytest.fixture
def session(empty_engine: Engine) -> Iterator[Session]:
    migrate(empty_engine)
    with session_factory(empty_engine)() as opened:
        yield opened


def test_fsck_finds_missing_corrupt_and_unreferenced_and_gc_removes_garbage(
    session: Session, tmp_path: Path
) -> None:
    store = ContentStore(tmp_path / "files")
    doc = accounts.create_user(session, "dr.a", "correct horse battery", "clinician")
    patient = repository.create_patient(session, doc, "HCC-1", {})
    kept, lost, damaged = (store.put_bytes(data) for data in (b"kept", b"lost", b"damaged"))
    repository.save_upload(
        session, doc, patient, [("a.dcm", kept), ("b.dcm", lost), ("c.dcm", damaged)]
    )
    session.commit()
    orphan = store.put_bytes(b"orphan of a killed upload")
    store.remove(lost.sha256)
    store.path(damaged.sha256).write_bytes(b"changed")

    report = check_store(session, store)
    assert not report.ok
    assert (report.objects, report.missing) == (3, [lost.sha256])
    assert report.corrupt == [damaged.sha256]
    assert report.unreferenced == [orphan.sha256]

    assert collect_garbage(session, store).objects_removed == 0  # younger than the grace time
    old = store.path(orphan.sha256).stat().st_mtime - 7200
    os.utime(store.path(orphan.sha256), (old, old))
    result = collect_garbage(session, store)
    assert (result.objects_removed, result.bytes_freed) == (1, len(b"orphan of a killed upload"))
    assert set(store.all_objects()) == {kept.sha256, damaged.sha256}
