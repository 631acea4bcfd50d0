"""Killing the server (SIGKILL) during an upload leaves no half-written record or file."""

from __future__ import annotations

import hashlib
import io
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pydicom
import pytest

from hccrt.store.db import default_database_url, make_engine, session_factory
from hccrt.store.files import ContentStore
from hccrt.store.maintenance import check_store, collect_garbage
from hccrt.store.models import Upload
from tests.web.conftest import PASSWORD
from tests.web.live import LiveServer, live_server, login, prepare

pytestmark = pytest.mark.slow

SLICES = 40


def ct_series(shared_data: Path, count: int) -> list[bytes]:
    """``count`` CT slices of one series: the breast plan's CT slice, re-positioned every 3 mm."""
    template = pydicom.dcmread(shared_data / "breast_boost_plan" / "ct.0.dcm")
    z0 = float(template.ImagePositionPatient[2])
    slices = []
    for i in range(count):
        template.SOPInstanceUID = f"{template.SeriesInstanceUID}.{i + 1}"
        template.file_meta.MediaStorageSOPInstanceUID = template.SOPInstanceUID
        template.ImagePositionPatient = [*template.ImagePositionPatient[:2], z0 + 3.0 * i]
        template.InstanceNumber = i + 1
        buffer = io.BytesIO()
        template.save_as(buffer)
        slices.append(buffer.getvalue())
    return slices


def _multipart(boundary: str, files: list[bytes]) -> Iterator[bytes]:
    """A multipart body with the files as field ``files``, in 64 KiB chunks."""
    for i, payload in enumerate(files):
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="ct{i:03d}.dcm"\r\nContent-Type: application/dicom\r\n\r\n'
        ).encode()
        for start in range(0, len(payload), 65536):
            yield payload[start : start + 65536]
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode()


def _body_length(boundary: str, files: list[bytes]) -> int:
    return sum(len(chunk) for chunk in _multipart(boundary, files))


def _slow(chunks: Iterator[bytes], pause_s: float) -> Iterator[bytes]:
    for chunk in chunks:
        time.sleep(pause_s)
        yield chunk


def _start_upload(server: LiveServer, files: list[bytes], pause_s: float) -> threading.Thread:
    client = httpx.Client(base_url=server.url, timeout=120)
    csrf = login(client, "physicist", PASSWORD)
    boundary = uuid.uuid4().hex
    headers = {
        "X-CSRF-Token": csrf,
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(_body_length(boundary, files)),
    }

    def send() -> None:
        try:
            client.post(
                "/api/patients/1/uploads",
                headers=headers,
                content=_slow(_multipart(boundary, files), pause_s),
            )
        except httpx.HTTPError:
            pass  # the server was killed mid-request
        finally:
            client.close()

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def _check_store(data: Path) -> int:
    """No partial upload rows, every referenced object complete; returns the upload count."""
    engine = make_engine(default_database_url(data))
    try:
        with session_factory(engine)() as session:
            uploads = session.query(Upload).all()
            for upload in uploads:
                assert upload.file_count == len(upload.files)
                for item in upload.files:
                    blob = data / "files" / "objects" / item.sha256[:2] / item.sha256[2:]
                    assert hashlib.sha256(blob.read_bytes()).hexdigest() == item.sha256
            count = len(uploads)
    finally:
        engine.dispose()
    for shard in (data / "files" / "objects").glob("*"):
        for blob in shard.iterdir():  # whatever is under objects/ is complete
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == shard.name + blob.name
    return count


def _orphans(data: Path) -> list[str]:
    """Objects that no record references, after ``gc`` without grace time."""
    engine = make_engine(default_database_url(data))
    store = ContentStore(data / "files")
    try:
        with session_factory(engine)() as session:
            collect_garbage(session, store, grace_s=0)
            return check_store(session, store).unreferenced
    finally:
        engine.dispose()


@pytest.mark.parametrize("phase", ["receiving", "storing"])
def test_kill_during_upload_leaves_no_half_written_record(
    tmp_path: Path, shared_data: Path, phase: str
) -> None:
    series = ct_series(shared_data, SLICES)
    data = tmp_path / "data"
    prepare(data, PASSWORD)
    with live_server(data) as server, httpx.Client(base_url=server.url) as client:
        csrf = login(client, "clinician", PASSWORD)
        client.post("/patients/new", data={"csrf_token": csrf, "label": "KILL-1"})
        thread = _start_upload(server, series, pause_s=0.002 if phase == "receiving" else 0.0)
        deadline = time.monotonic() + 60
        staging = data / "files" / "tmp"
        while time.monotonic() < deadline:
            if phase == "receiving":
                time.sleep(0.5)  # about a third of the body sent
                break
            if any(staging.glob("*/stage-*/*")):  # the server is staging the upload's files
                break
            time.sleep(0.005)
        server.kill()
        thread.join(timeout=30)
    if phase == "storing":
        assert any(staging.glob("*/stage-*/*")), "the kill came before the store phase"
    assert _check_store(data) == 0
    # A restart removes the killed server's temporary folder (staged DICOM with patient
    # names), gc finds no orphan object, and the same upload, not interrupted, is complete.
    with live_server(data) as server, httpx.Client(base_url=server.url, timeout=120) as client:
        leftovers = [p for p in (data / "files" / "tmp").rglob("*") if p.is_file()]
        assert leftovers == []
        assert _orphans(data) == []
        csrf = login(client, "physicist", PASSWORD)
        boundary = uuid.uuid4().hex
        response = client.post(
            "/api/patients/1/uploads",
            headers={
                "X-CSRF-Token": csrf,
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
            content=b"".join(_multipart(boundary, series)),
        )
        assert response.status_code == 201, response.text
        assert response.json()["modalities"]["CT"] == SLICES
    assert _check_store(data) == 1
