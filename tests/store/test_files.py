"""Content-addressed file store: hashes, atomic writes, limits, corruption detection."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from hccrt.errors import InputError
from hccrt.store.files import ContentStore


def test_put_and_read_back_by_sha256(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    data = b"DICM" * 1000
    obj = store.put_bytes(data)
    assert obj.sha256 == hashlib.sha256(data).hexdigest()
    assert obj.size_bytes == 4000
    assert store.read_bytes(obj.sha256) == data
    assert store.put_bytes(data) == obj  # same content, same object
    assert list(store.all_objects()) == [obj.sha256]
    assert not list(store.tmp.iterdir())


def test_limit_exceeded_leaves_nothing(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    with pytest.raises(InputError, match="larger than the limit of 10 bytes"):
        store.put_stream(io.BytesIO(b"x" * 11), max_bytes=10)
    assert not list(store.all_objects())
    assert not list(store.tmp.iterdir())


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
