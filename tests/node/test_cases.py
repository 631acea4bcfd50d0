"""Filing and case completion with a controlled clock."""

from __future__ import annotations

from pathlib import Path

from hccrt.dicom.incoming import ObjectIdentity
from hccrt.node._cases import CaseStore, safe_component


def _identity(modality: str, n: int, patient: str = "P1") -> ObjectIdentity:
    return ObjectIdentity(patient, "1.2.3", f"1.2.3.{modality}", f"1.2.3.{modality}.{n}",
                          "1.2.840.10008.5.1.4.1.1.2", modality, "1.2.840.10008.1.2.1")  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


def test_unsafe_identifiers_cannot_leave_the_store() -> None:
    assert safe_component("../../etc/passwd", "X") == "_.._etc_passwd"
    assert safe_component("..", "X") == "X"
    assert safe_component("  ", "NO_PATIENT_ID") == "NO_PATIENT_ID"
    assert safe_component("Doe^John", "X") == "Doe_John"


def test_a_case_is_due_after_the_quiet_period_only_with_ct_and_rtstruct(tmp_path: Path) -> None:
    clock = Clock()
    store = CaseStore(tmp_path, clock)
    store.file(_identity("CT", 1), b"ct")
    clock.now_s = 100.0
    assert store.due(30.0, 3600.0) == ([], [])  # CT alone: waits for the RTSTRUCT
    store.file(_identity("RTSTRUCT", 1), b"rs")
    clock.now_s = 129.0
    assert store.due(30.0, 3600.0) == ([], [])  # quiet for 29 s only
    clock.now_s = 130.0
    ready, expired = store.due(30.0, 3600.0)
    assert [c.key for c in ready] == [("P1", "1.2.3")]
    assert expired == []
    assert store.due(30.0, 3600.0) == ([], [])  # running: not due twice
    assert (
        tmp_path / "cases" / "P1" / "1.2.3" / "1.2.3.CT" / "1.2.3.CT.1.dcm"
    ).read_bytes() == b"ct"


def test_objects_during_a_run_reopen_the_case(tmp_path: Path) -> None:
    clock = Clock()
    store = CaseStore(tmp_path, clock)
    store.file(_identity("CT", 1), b"ct")
    store.file(_identity("RTSTRUCT", 1), b"rs")
    clock.now_s = 31.0
    (case,), _ = store.due(30.0, 3600.0)
    clock.now_s = 40.0
    store.file(_identity("RTDOSE", 1), b"dose")
    store.finish(case)
    assert case.state == "receiving"
    clock.now_s = 71.0
    (again,), _ = store.due(30.0, 3600.0)
    assert again.runs == 2


def test_an_incomplete_case_times_out_once(tmp_path: Path) -> None:
    clock = Clock()
    store = CaseStore(tmp_path, clock)
    store.file(_identity("RTSTRUCT", 1), b"rs")
    clock.now_s = 3600.0
    ready, expired = store.due(30.0, 3600.0)
    assert ready == []
    assert [c.state for c in expired] == ["timed_out"]
    assert store.due(30.0, 3600.0) == ([], [])
