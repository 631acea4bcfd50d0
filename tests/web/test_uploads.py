"""DICOM uploads: real files accepted, malicious or broken uploads refused with a clear message."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fastapi import FastAPI

from hccrt.store.models import Upload, UploadFile
from tests.web.conftest import TestClient, add_accounts, make_settings, sign_in

Files = list[tuple[str, tuple[str, bytes, str]]]


def _patient(client: TestClient, csrf: str) -> int:
    response = client.post(
        "/patients/new", data={"csrf_token": csrf, "label": "HCC-UP"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _files(*named: tuple[str, bytes]) -> Files:
    return [("files", (name, data, "application/octet-stream")) for name, data in named]


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _upload_count(app: FastAPI) -> tuple[int, int]:
    with app.state.sessions() as session:
        return session.query(Upload).count(), session.query(UploadFile).count()


@pytest.fixture
def physicist(client: TestClient) -> tuple[TestClient, str, int]:
    csrf = sign_in(client, "clinician")
    patient_id = _patient(client, csrf)
    client.post("/logout", data={"csrf_token": csrf})
    return client, sign_in(client, "physicist"), patient_id


def test_plan_files_accepted_and_stored_by_hash(
    physicist: tuple[TestClient, str, int], shared_data: Path, app: FastAPI
) -> None:
    client, csrf, patient_id = physicist
    plan = shared_data / "breast_boost_plan"
    files = _files(*((n, (plan / n).read_bytes()) for n in ("rtss.dcm", "rtdose.dcm")))
    response = client.post(
        f"/patients/{patient_id}/uploads", files=files, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["file_count"] == 2
    assert body["modalities"] == {"CT": 0, "RTSTRUCT": 1, "RTDOSE": 1, "RTPLAN": 0}
    assert body["total_bytes"] == sum((plan / n).stat().st_size for n in ("rtss.dcm", "rtdose.dcm"))
    page = client.get(body["url"])
    assert "2 files in 2 series" in page.text  # one row per series, not per file
    assert "<td>RTSTRUCT</td>" in page.text
    assert "<td>RTDOSE</td>" in page.text
    with app.state.sessions() as session:
        stored = session.query(UploadFile).order_by(UploadFile.position).all()
        assert [f.name for f in stored] == ["rtss.dcm", "rtdose.dcm"]
        for row in stored:
            assert app.state.files.read_bytes(row.sha256) == (plan / row.name).read_bytes()


def test_zip_of_a_plan_accepted(physicist: tuple[TestClient, str, int], shared_data: Path) -> None:
    client, csrf, patient_id = physicist
    plan = shared_data / "breast_boost_plan"
    names = ("ct.0.dcm", "rtss.dcm", "rtdose.dcm", "rtplan.dcm")
    archive = _zip(
        {f"case/{n}": (plan / n).read_bytes() for n in names} | {"__MACOSX/._ct.dcm": b"junk"}
    )
    response = client.post(
        f"/api/patients/{patient_id}/uploads",
        files=_files(("case.zip", archive)),
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 201, response.text
    assert response.json()["modalities"] == {"CT": 1, "RTSTRUCT": 1, "RTDOSE": 1, "RTPLAN": 1}


def test_mixed_frames_of_reference_refused(
    physicist: tuple[TestClient, str, int], shared_data: Path, app: FastAPI
) -> None:
    client, csrf, patient_id = physicist
    mock = shared_data / "dicom_edge_cases" / "mock_data"
    archive = _zip({n: (mock / n).read_bytes() for n in ("ct_1.dcm", "ct_2.dcm", "rt.dcm")})
    response = client.post(
        f"/api/patients/{patient_id}/uploads",
        files=_files(("mixed.zip", archive)),
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "mixes 2 Frames of Reference" in detail
    assert "rt.dcm" in detail
    assert "/tmp" not in detail
    assert _upload_count(app) == (0, 0)


@pytest.mark.parametrize(
    ("files", "status", "message"),
    [
        (
            [("notes.txt", b"patient notes, not an image")],
            400,
            "notes.txt: not a DICOM file (no 'DICM' marker at byte 128)",
        ),
        (
            [("evil.zip", _zip({"../../etc/cron.d/x.dcm": b"\0" * 128 + b"DICM"}))],
            400,
            "path leaves the upload folder",
        ),
        (
            [("abs.zip", _zip({"/tmp/x.dcm": b"\0" * 128 + b"DICM"}))],
            400,
            "path leaves the upload folder",
        ),
        (
            [("bomb.zip", _zip({"a.dcm": b"\0" * 128 + b"DICM" + b"\0" * 30_000_000}))],
            413,
            "(zip bomb?)",
        ),
        ([("broken.zip", b"PK\x03\x04 not really a zip")], 400, "not a readable zip"),
        ([("empty.zip", _zip({}))], 400, "contains no DICOM file"),
        (
            [("text-in.zip", _zip({"report.pdf": b"%PDF-1.4 " * 100}, zipfile.ZIP_STORED))],
            400,
            "report.pdf: not a DICOM file",
        ),
    ],
)
def test_malicious_or_non_dicom_uploads_refused(
    physicist: tuple[TestClient, str, int],
    app: FastAPI,
    files: list[tuple[str, bytes]],
    status: int,
    message: str,
) -> None:
    client, csrf, patient_id = physicist
    response = client.post(
        f"/api/patients/{patient_id}/uploads", files=_files(*files), headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == status, response.text
    assert response.json()["detail"].startswith("upload refused: ")
    assert message in response.json()["detail"]
    assert _upload_count(app) == (0, 0)


@pytest.mark.parametrize(
    ("limits", "count", "status", "message"),
    [
        ({"max_request_bytes": 2000}, 3, 413, "larger than 2000 bytes"),
        ({"max_files": 2}, 3, 413, "Too many files"),
        ({"max_file_bytes": 500}, 1, 413, "larger than 500 bytes when unpacked"),
        ({"max_unpacked_bytes": 1500}, 3, 413, "more than 1500 bytes unpacked"),
        ({"max_user_bytes": 1000}, 2, 413, "over your quota of 1000 bytes"),
    ],
)
def test_upload_limits(
    tmp_path: Path, limits: dict[str, int], count: int, status: int, message: str
) -> None:
    app = create_limited_app(tmp_path, **limits)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        csrf = sign_in(client, "clinician")
        patient_id = _patient(client, csrf)
        dicom_like = b"\0" * 128 + b"DICM" + b"x" * 700
        files = _files(*((f"f{i}.dcm", dicom_like) for i in range(count)))
        response = client.post(
            f"/api/patients/{patient_id}/uploads", files=files, headers={"X-CSRF-Token": csrf}
        )
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert _upload_count(app) == (0, 0)


def create_limited_app(tmp_path: Path, **limits: int) -> FastAPI:
    """An app with small upload limits and the four accounts."""
    from hccrt.web.app import create_app

    app = create_app(make_settings(tmp_path / "limited", **limits))
    add_accounts(app)
    return app


def test_upload_needs_csrf_and_role(
    physicist: tuple[TestClient, str, int], shared_data: Path
) -> None:
    client, _csrf, patient_id = physicist
    data = (shared_data / "breast_boost_plan" / "rtss.dcm").read_bytes()
    response = client.post(f"/api/patients/{patient_id}/uploads", files=_files(("a.dcm", data)))
    assert response.status_code == 403
    client.post("/logout", data={"csrf_token": _csrf})
    viewer_csrf = sign_in(client, "viewer")
    response = client.post(
        f"/api/patients/{patient_id}/uploads",
        files=_files(("a.dcm", data)),
        headers={"X-CSRF-Token": viewer_csrf},
    )
    assert response.status_code == 403
    assert "may not upload" in response.json()["detail"]


def _store_files(app: FastAPI) -> list[Path]:
    """Every file under the file store (objects and temporary folders)."""
    return [p for p in app.state.files.root.rglob("*") if p.is_file()]


def test_refused_zip_leaves_no_file(
    physicist: tuple[TestClient, str, int], shared_data: Path, app: FastAPI
) -> None:
    client, csrf, patient_id = physicist
    plan = shared_data / "breast_boost_plan"
    members = {n: (plan / n).read_bytes() for n in ("rtss.dcm", "rtdose.dcm", "ct.0.dcm")}
    archive = _zip({**members, "zz_notes.txt": b"not DICOM"})  # refused at the last member
    response = client.post(
        f"/api/patients/{patient_id}/uploads",
        files=_files(("plan.zip", archive)),
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 400, response.text
    assert "not a DICOM file" in response.json()["detail"]
    assert _upload_count(app) == (0, 0)
    assert _store_files(app) == []


def test_full_disk_is_507_before_the_body_is_read(tmp_path: Path, shared_data: Path) -> None:
    from hccrt.store.files import ContentStore

    app = create_limited_app(tmp_path)
    app.state.files = ContentStore(app.state.files.root, min_free_bytes=2**62)
    data = (shared_data / "breast_boost_plan" / "rtss.dcm").read_bytes()
    with TestClient(app, base_url="http://127.0.0.1") as client:
        csrf = sign_in(client, "clinician")
        patient_id = _patient(client, csrf)
        response = client.post(
            f"/api/patients/{patient_id}/uploads",
            files=_files(("a.dcm", data)),
            headers={"X-CSRF-Token": csrf},
        )
    assert response.status_code == 507, response.text
    assert "not enough free disk space" in response.json()["detail"]
    assert _store_files(app) == []
