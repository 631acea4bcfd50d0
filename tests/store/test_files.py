"""Content-addressed file store: hashes, atomic writes, limits, corruption detection."""

from __future__ import annotations

import hashlib
import io
import subprocess
from pathlib import Path

import pytest

from hccrt.errors import InputError
from hccrt.store.files import ContentStore, StoreFull


def _temporary_files(store: ContentStore) -> list[Path]:
    return [p for p in store.tmp.rglob("*") if p.is_file()]


def test_put_and_read_back_by_sha256(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    data = b"DICM" * 1000
    obj = store.put_bytes(data)
    assert obj.sha256 == hashlib.sha256(data).hexdigest()
    assert obj.size_bytes == 4000
    assert store.read_bytes(obj.sha256) == data
    assert store.put_bytes(data) == obj  # same content, same object
    assert list(store.all_objects()) == [obj.sha256]
    assert not _temporary_files(store)


def test_limit_exceeded_leaves_nothing(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    with pytest.raises(InputError, match="larger than the limit of 10 bytes"):
        store.put_stream(io.BytesIO(b"x" * 11), max_bytes=10)
    assert not list(store.all_objects())
    assert not _temporary_files(store)


def test_corruption_detected(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    obj = store.put_bytes(b"abc")
    path = store.path(obj.sha256)
    path.chmod(0o644)
    path.write_bytes(b"abd")
    with pytest.raises(InputError, match="hash mismatch"):
        store.read_bytes(obj.sha256)


def test_bad_hash_and_missing_object(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    with pytest.raises(InputError, match="not a 64-digit"):
        store.path("../etc/passwd")
    with pytest.raises(InputError, match="no such object"):
        store.read_bytes("0" * 64)


def test_clean_temporary_removes_leftovers(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    (store.tmp / "put-killed").write_bytes(b"half")
    assert store.clean_temporary() == 1
    assert not list(store.tmp.iterdir())


def test_staged_objects_reach_the_store_only_on_commit(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    with store.staging() as staged:
        obj = staged.put_stream(io.BytesIO(b"first"))
        staged.link_into(obj.sha256, tmp_path / "view" / "a.dcm")
        assert (tmp_path / "view" / "a.dcm").read_bytes() == b"first"
        assert not store.exists(obj.sha256)
    assert not store.exists(obj.sha256)  # left without commit: nothing kept
    assert not _temporary_files(store)
    with store.staging() as staged:
        kept = staged.put_stream(io.BytesIO(b"second"))
        staged.commit()
    assert store.read_bytes(kept.sha256) == b"second"
    assert not _temporary_files(store)


def test_clean_temporary_keeps_live_processes_folders(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    (store.work_dir() / "eval-running").mkdir()
    ended = subprocess.Popen(["true"])
    ended.wait()
    host = store.work.name.split("_")[0]
    dead = store.tmp / f"{host}_{ended.pid}_abcd"
    (dead / "stage-x").mkdir(parents=True)
    (dead / "stage-x" / "patient.dcm").write_bytes(b"DICM")
    other_host = store.tmp / "elsewhere.example_1_abcd"
    other_host.mkdir()
    assert store.clean_temporary() == 1
    assert sorted(p.name for p in store.tmp.iterdir()) == sorted([store.work.name, other_host.name])


def test_free_space_is_checked_before_writing(tmp_path: Path) -> None:
    store = ContentStore(tmp_path, min_free_bytes=2**62)  # more than any disk has
    with pytest.raises(StoreFull, match="not enough free disk space for 10 more bytes"):
        store.require_space(10)
    ContentStore(tmp_path, min_free_bytes=0).require_space(10)
