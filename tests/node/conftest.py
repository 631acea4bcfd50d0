"""Shared pieces of the DICOM node tests: a small phantom case, ports, a results receiver."""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pynetdicom import AE, StoragePresentationContexts, evt
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

from hccrt.dicom.incoming import identify_file
from hccrt.node import DicomNode, load_node_config
from hccrt.phantom import PhantomResult

ORTHANC_URL = os.environ.get("HCCRT_TEST_ORTHANC_URL", "http://127.0.0.1:18042")
ORTHANC_AET = os.environ.get("HCCRT_TEST_ORTHANC_AET", "HCCRT_PACS")
ORTHANC_DICOM_PORT = int(os.environ.get("HCCRT_TEST_ORTHANC_DICOM_PORT", "14242"))


def orthanc_rest(method: str, path: str, body: bytes | dict[str, Any] | None = None) -> Any:
    """One call of the test Orthanc's REST API; the JSON answer (None when empty)."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(f"{ORTHANC_URL}{path}", data=data, method=method)
    with urllib.request.urlopen(request, timeout=600) as response:
        text = response.read()
    return json.loads(text) if text else None


def require_orthanc() -> None:
    """Skip when the test Orthanc is not running (fail under ``CI``, so the check cannot vanish)."""
    try:
        orthanc_rest("GET", "/system")
    except OSError:  # urllib.error.URLError included
        hint = "start it with scripts/ci_services.sh (apt-get install orthanc orthanc-dicomweb)"
        if os.environ.get("CI"):
            pytest.fail(f"Orthanc not reachable at {ORTHANC_URL}: {hint}")
        pytest.skip(f"Orthanc not reachable at {ORTHANC_URL}: {hint}")


def delete_orthanc_study(study_uid: str) -> None:
    """Delete the study with this Study Instance UID from the test Orthanc, if it holds it."""
    for found in orthanc_rest("POST", "/tools/lookup", study_uid.encode()):
        if found["Type"] == "Study":
            orthanc_rest("DELETE", found["Path"])


def upload_case(phantom: PhantomResult) -> tuple[str, str]:
    """Upload the phantom's case files to the test Orthanc, replacing any earlier copy of its
    study (a run killed before its clean-up leaves the study there, with the results hccrt sent
    back, and the node refuses those if Orthanc sends them again); (Orthanc study ID, UID)."""
    study_uid = identify_file(phantom.rtstruct_path).study_uid
    delete_orthanc_study(study_uid)
    uploaded = [
        orthanc_rest("POST", "/instances", path.read_bytes()) for path in case_files(phantom)
    ]
    return str(uploaded[0]["ParentStudy"]), study_uid


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def case_files(phantom: PhantomResult) -> list[Path]:
    """The phantom's DICOM files: CT slices, then the RTSTRUCT."""
    return [*sorted(phantom.ct_dir.iterdir()), phantom.rtstruct_path]


def wait_for(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``check`` until it is true; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.2)


def send(files: list[Path], port: int, calling_ae: str = "SENDER") -> list[int]:
    """C-STORE files to the node on loopback; return the statuses."""
    ae = AE(ae_title=calling_ae)
    ae.requested_contexts = StoragePresentationContexts[:127]
    assoc = ae.associate("127.0.0.1", port, ae_title="HCCRT")
    assert assoc.is_established
    statuses = [int(assoc.send_c_store(path).Status) for path in files]
    assoc.release()
    return statuses


def echo(port: int, calling_ae: str) -> bool:
    """True when a C-ECHO from ``calling_ae`` succeeds."""
    ae = AE(ae_title=calling_ae)
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", port, ae_title="HCCRT")
    if not assoc.is_established:
        return False
    status = assoc.send_c_echo()
    assoc.release()
    return int(status.Status) == 0


class Receiver:
    """A storage SCP standing in for the planning system: keeps what the node sends back."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.received: list[tuple[str, Path]] = []
        ae = AE(ae_title="BACK")
        for context in StoragePresentationContexts:
            ae.add_supported_context(context.abstract_syntax)
        self._server = ae.start_server(
            ("127.0.0.1", self.port), block=False, evt_handlers=[(evt.EVT_C_STORE, self._store)]
        )

    def _store(self, event: evt.Event) -> int:
        path = self.folder / f"{len(self.received)}.dcm"
        path.write_bytes(event.encoded_dataset())
        self.received.append((str(event.request.AffectedSOPClassUID), path))
        return 0

    def close(self) -> None:
        self._server.shutdown()


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    folder = tmp_path / "received"
    folder.mkdir()
    back = Receiver(folder)
    yield back
    back.close()


def write_config(
    folder: Path,
    extra: str = "",
    back_port: int | None = None,
    quiet_s: float = 1.0,
    timeout_s: float = 2.0,
    run_table: str = "",
) -> Path:
    """A node.toml for tests: caller SENDER allowed; results to BACK at ``back_port`` if given;
    ``run_table`` (e.g. ``[run]`` settings) at the end."""
    text = (
        f'[node]\nport = {free_port()}\nstore = "{folder / "store"}"\n'
        f"quiet_period_s = {quiet_s}\ncase_timeout_s = {timeout_s}\n"
        f'allowed_callers = ["SENDER"]\n{extra}\n'
    )
    if back_port is not None:
        text += (
            f'send_results_to = "back"\n[remotes.back]\nae_title = "BACK"\n'
            f'host = "127.0.0.1"\nport = {back_port}\n'
        )
    path = folder / "node.toml"
    path.write_text(text + run_table, encoding="utf-8")
    return path


@pytest.fixture
def start_node() -> Iterator[Callable[[Path], DicomNode]]:
    """Start nodes from a config file; stop them after the test."""
    started: list[DicomNode] = []

    def start(config: Path) -> DicomNode:
        node = DicomNode(load_node_config(config), poll_s=0.2)
        node.start()
        started.append(node)
        return node

    yield start
    for node in started:
        node.stop()
