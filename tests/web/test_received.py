"""Cases received by the DICOM node, listed on /received and imported as patients (issue 18
item 1: "The web app shows received cases to import as patients")."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fastapi import FastAPI

from hccrt.dicom.incoming import identify_file
from hccrt.node._cases import CaseStore
from hccrt.phantom import PhantomOptions, PhantomResult, generate_phantom
from hccrt.web.app import create_app
from tests.web.conftest import TestClient, add_accounts, make_settings, sign_in


@pytest.fixture(scope="module")
def phantom(tmp_path_factory: pytest.TempPathFactory) -> PhantomResult:
    options = PhantomOptions(seed=4, matrix_size=96, slice_thickness_mm=8.0)
    return generate_phantom(tmp_path_factory.mktemp("received_phantom"), options)


@pytest.fixture
def node_store(tmp_path: Path, phantom: PhantomResult) -> Path:
    """A node store holding the phantom, filed by the node's own CaseStore."""
    root = tmp_path / "node"
    store = CaseStore(root)
    for path in [*sorted(phantom.ct_dir.iterdir()), phantom.rtstruct_path]:
        store.file(identify_file(path), path.read_bytes())
    return root


@pytest.fixture
def received_app(tmp_path: Path, node_store: Path) -> FastAPI:
    settings = make_settings(tmp_path / "data")
    application = create_app(type(settings)(**{**settings.__dict__, "node_store": node_store}))
    add_accounts(application)
    return application


def test_received_case_is_listed_and_imported_as_a_patient(
    received_app: FastAPI, phantom: PhantomResult
) -> None:
    with TestClient(received_app, base_url="http://127.0.0.1") as client:
        csrf = sign_in(client, "clinician")
        page = client.get("/received")
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert "PHANTOM-4" in text
        assert "yes (CT and RTSTRUCT)" in text
        ct_files = len(list(phantom.ct_dir.iterdir()))
        assert "CT (Synthetic" in text or f"CT: {ct_files} files" in text
        study = page.text.split('name="study" value="')[1].split('"')[0]
        response = client.post(
            "/received/import",
            data={"csrf_token": csrf, "patient": "PHANTOM-4", "study": study, "label": "NODE-4"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        upload_url = response.headers["location"]
        upload = html.unescape(client.get(upload_url).text)
        assert "<td>CT</td>" in upload
        assert "<td>RTSTRUCT</td>" in upload
        patients = client.get("/api/patients").json()
        assert "NODE-4" in {p["label"] for p in patients}
        again = client.post(
            "/received/import",
            data={"csrf_token": csrf, "patient": "PHANTOM-4", "study": study, "label": "NODE-4"},
        )
        assert again.status_code == 400
        assert "a patient with this case label exists" in html.unescape(again.text)


def test_unknown_case_and_traversal_are_refused(received_app: FastAPI) -> None:
    with TestClient(received_app, base_url="http://127.0.0.1") as client:
        csrf = sign_in(client, "clinician")
        for patient, study in (("NOBODY", "1.2.3"), ("..", "..")):
            response = client.post(
                "/received/import",
                data={"csrf_token": csrf, "patient": patient, "study": study, "label": "X"},
            )
            assert response.status_code == 404


def test_viewer_sees_no_import_button_and_cannot_import(received_app: FastAPI) -> None:
    with TestClient(received_app, base_url="http://127.0.0.1") as client:
        csrf = sign_in(client, "viewer")
        page = client.get("/received")
        assert "PHANTOM-4" in page.text
        assert "Import as patient" not in page.text
        response = client.post(
            "/received/import",
            data={"csrf_token": csrf, "patient": "PHANTOM-4", "study": "x", "label": "X"},
        )
        assert response.status_code == 403


def test_without_a_node_store_the_page_says_how_to_set_one(client: TestClient) -> None:
    sign_in(client, "clinician")
    page = client.get("/received")
    assert page.status_code == 200
    assert "hccrt serve --node-store DIR" in page.text
