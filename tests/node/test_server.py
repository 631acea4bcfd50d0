"""The DICOM node on loopback: echo, the allow-list, refused classes, timeouts, a full case."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pynetdicom import AE, StoragePresentationContexts
from pynetdicom.sop_class import MRImageStorage  # type: ignore[attr-defined]

from hccrt.dicom import read_rtstruct
from hccrt.node import DicomNode, RemoteNode
from hccrt.node._results import send_files
from hccrt.phantom import PhantomResult
from tests.dciodvfy import dciodvfy_errors
from tests.node.conftest import (
    Receiver,
    case_files,
    echo,
    free_port,
    send,
    wait_for,
    write_config,
)

StartNode = Callable[[Path], DicomNode]


def _events(node: DicomNode) -> list[str]:
    return [line["event"] for line in node.audit.read()]


def test_echo_from_an_allowed_caller_is_answered_and_audited(
    tmp_path: Path, start_node: StartNode
) -> None:
    node = start_node(write_config(tmp_path))
    assert echo(node.port, "SENDER")
    assert "c_echo" in _events(node)


def test_an_unknown_caller_is_refused_and_the_node_keeps_running(
    tmp_path: Path, start_node: StartNode
) -> None:
    node = start_node(write_config(tmp_path))
    assert not echo(node.port, "INTRUDER")
    rejected = [line for line in node.audit.read() if line["event"] == "association_rejected"]
    assert rejected[0]["calling_ae"] == "INTRUDER"
    assert echo(node.port, "SENDER")


def test_an_unsupported_sop_class_is_refused_and_audited(
    tmp_path: Path, start_node: StartNode
) -> None:
    node = start_node(write_config(tmp_path))
    ae = AE(ae_title="SENDER")
    ae.add_requested_context(MRImageStorage)
    ae.add_requested_context("1.2.840.10008.1.1")
    assoc = ae.associate("127.0.0.1", node.port, ae_title="HCCRT")
    assert assoc.is_established
    assert [str(c.abstract_syntax) for c in assoc.rejected_contexts] == [str(MRImageStorage)]
    assoc.release()
    wait_for(lambda: "association_released" in _events(node), 5, "the release")
    accepted = [line for line in node.audit.read() if line["event"] == "association_accepted"]
    assert accepted[0]["refused_sop_classes"] == [str(MRImageStorage)]


def test_a_case_that_never_completes_is_reported_as_timed_out(
    tmp_path: Path, start_node: StartNode, node_phantom: PhantomResult
) -> None:
    node = start_node(write_config(tmp_path))
    assert send([node_phantom.rtstruct_path], node.port) == [0]
    wait_for(lambda: bool(list((tmp_path / "store").rglob("timeout.json"))), 10, "timeout.json")
    timeouts = list((tmp_path / "store").rglob("timeout.json"))
    record = json.loads(timeouts[0].read_text())
    assert record["status"] == "timed_out"
    assert "missing CT" in record["error"]
    assert "case_timed_out" in _events(node)
    assert echo(node.port, "SENDER")


def test_no_case_is_run_or_timed_out_while_an_association_is_open(
    tmp_path: Path, start_node: StartNode, node_phantom: PhantomResult
) -> None:
    node = start_node(write_config(tmp_path))
    ae = AE(ae_title="SENDER")
    ae.requested_contexts = StoragePresentationContexts[:127]
    assoc = ae.associate("127.0.0.1", node.port, ae_title="HCCRT")
    assert assoc.is_established
    assert int(assoc.send_c_store(node_phantom.rtstruct_path).Status) == 0
    time.sleep(3.0)  # past the quiet period (1 s) and the case timeout (2 s)
    assert not list((tmp_path / "store").rglob("timeout.json"))
    assert node.run_due_cases() == 0
    assoc.release()
    wait_for(lambda: bool(list((tmp_path / "store").rglob("timeout.json"))), 10, "timeout.json")


def test_received_objects_are_filed_by_patient_study_and_series(
    tmp_path: Path, start_node: StartNode, node_phantom: PhantomResult
) -> None:
    node = start_node(write_config(tmp_path, quiet_s=600.0, timeout_s=900.0))
    files = case_files(node_phantom)
    assert send(files, node.port) == [0] * len(files)
    filed = sorted((tmp_path / "store" / "cases").rglob("*.dcm"))
    assert len(filed) == len(files)
    assert {p.relative_to(tmp_path / "store" / "cases").parts[0] for p in filed} == {"PHANTOM-3"}
    assert len({p.parent for p in filed}) == 2  # the CT series and the RTSTRUCT series
    assert not list((tmp_path / "store" / ".staging").iterdir())
    received = [line for line in node.audit.read() if line["event"] == "object_received"]
    assert len(received) == len(files)
    assert received[-1]["modality"] == "RTSTRUCT"


@pytest.mark.slow
def test_a_complete_case_is_planned_and_the_results_come_back(
    tmp_path: Path, start_node: StartNode, node_phantom: PhantomResult, receiver: Receiver
) -> None:
    records = tmp_path / "records"
    records.mkdir()
    shutil.copyfile(node_phantom.out_dir / "patient.json", records / "PHANTOM-3.json")
    config = write_config(
        tmp_path, extra=f'records_dir = "{records}"', back_port=receiver.port, timeout_s=600.0
    )
    node = start_node(config)
    files = case_files(node_phantom)
    assert send(files, node.port) == [0] * len(files)
    runs = tmp_path / "store" / "results"
    wait_for(lambda: bool(list(runs.rglob("run-1.json"))), 600, "the case's run")
    record = json.loads(next(runs.rglob("run-1.json")).read_text())
    assert record["status"] == "done", record
    assert record["clinical_record"] == "record PHANTOM-3.json from records_dir"
    modalities = {}
    for sop_class, path in receiver.received:
        modalities[sop_class] = path
    assert set(modalities) == {
        "1.2.840.10008.5.1.4.1.1.481.3",  # RTSTRUCT
        "1.2.840.10008.5.1.4.1.1.481.5",  # RTPLAN
        "1.2.840.10008.5.1.4.1.1.481.2",  # RTDOSE
        "1.2.840.10008.5.1.4.1.1.104.1",  # Encapsulated PDF
    }
    names = {s.name for s in read_rtstruct(modalities["1.2.840.10008.5.1.4.1.1.481.3"]).structures}
    assert {"CTV", "PTV"} <= names
    assert dciodvfy_errors(modalities["1.2.840.10008.5.1.4.1.1.104.1"]) == []
    assert "object_sent" in _events(node)


@pytest.mark.slow
def test_a_case_without_a_record_is_planned_with_the_general_limit(
    tmp_path: Path, start_node: StartNode, node_phantom: PhantomResult, receiver: Receiver
) -> None:
    # Issue 18 item 1: no FHIR bundle or patient.json: planned with clinical stages
    # "insufficient data" and the general 22 Gy limit, and the results still come back.
    # The pencil-beam final dose: the complete-case test above runs the collapsed cone.
    pencil_beam = '[run]\nfinal_dose = "pencil_beam"\n'
    config = write_config(tmp_path, back_port=receiver.port, timeout_s=600.0, run_table=pencil_beam)
    node = start_node(config)
    files = case_files(node_phantom)
    assert send(files, node.port) == [0] * len(files)
    runs = tmp_path / "store" / "results"
    wait_for(lambda: bool(list(runs.rglob("run-1.json"))), 600, "the case's run")
    record = json.loads(next(runs.rglob("run-1.json")).read_text())
    assert record["status"] == "done", record
    assert "no clinical record" in record["clinical_record"]
    planning = next(s for s in record["stages"] if s["name"] == "planning")
    assert planning["status"] == "done", planning
    assert "general 22 Gy mean normal-liver limit" in planning["detail"]
    assert any("22 Gy" in w for w in record["warnings"])
    assert "1.2.840.10008.5.1.4.1.1.481.2" in {c for c, _ in receiver.received}  # RTDOSE


# pynetdicom 3.0.4 leaves the socket of a refused connection for the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_sending_to_a_node_that_is_down_is_reported_per_object(node_phantom: PhantomResult) -> None:
    remote = RemoteNode(ae_title="DOWN", host="127.0.0.1", port=free_port())
    (sent,) = send_files([node_phantom.rtstruct_path], remote, "HCCRT")
    assert sent.status is None
    assert "association to DOWN@127.0.0.1" in sent.detail


def test_each_object_sent_gets_the_remote_status(
    node_phantom: PhantomResult, receiver: Receiver
) -> None:
    ct = sorted(node_phantom.ct_dir.iterdir())[0]
    remote = RemoteNode(ae_title="BACK", host="127.0.0.1", port=receiver.port)
    statuses = [s.status for s in send_files([ct, node_phantom.rtstruct_path], remote, "HCCRT")]
    assert statuses == [0, 0]


def test_objects_beyond_the_store_quota_are_refused_and_audited(
    tmp_path: Path, start_node: StartNode, node_phantom: PhantomResult
) -> None:
    """Issue 18: received objects are stored like uploads, with a quota."""
    files = case_files(node_phantom)[:3]
    two = sum(p.stat().st_size for p in files[:2]) + 512  # room for two objects, not three
    node = start_node(write_config(tmp_path, extra=f"max_store_gb = {two / 1e9}"))
    assert send(files, node.port) == [0x0000, 0x0000, 0xA700]
    refused = [e for e in node.audit.read() if e["event"] == "object_refused"]
    assert len(refused) == 1
    assert "store quota reached" in refused[0]["reason"]
    assert echo(node.port, "SENDER")  # the node keeps running
