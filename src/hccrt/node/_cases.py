"""Received objects filed by patient, study and series, and when a study is a complete case.

DICOM has no end-of-study signal: a study is complete when it holds a CT series and an RTSTRUCT
and no object has arrived for the quiet period. A study that never gets there is reported as
timed out. Every file is written to a staging folder and renamed into place, so a case folder
never holds a half-written object.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hccrt.dicom.incoming import ObjectIdentity

CaseState = Literal["receiving", "running", "done", "timed_out"]
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_component(value: str, empty: str) -> str:
    """A folder name from a DICOM value: unsafe characters replaced, never ``.``/``..``/empty."""
    name = _UNSAFE.sub("_", value.strip())[:64].lstrip(".")
    return name or empty


@dataclass
class Case:
    """One study being received (mutable; owned by :class:`CaseStore` under its lock)."""

    key: tuple[str, str]
    folder: Path
    first_s: float
    last_s: float
    modalities: Counter[str] = field(default_factory=Counter)
    state: CaseState = "receiving"
    runs: int = 0
    run_started_s: float = 0.0

    @property
    def has_minimum(self) -> bool:
        """CT and RTSTRUCT received (RTDOSE/RTPLAN optional)."""
        return self.modalities["CT"] > 0 and self.modalities["RTSTRUCT"] > 0


class CaseStore:
    """Files objects under ``ROOT/cases/<patient>/<study>/<series>/<instance>.dcm``.

    Parameters
    ----------
    root
        The node's store folder.
    clock
        Monotonic clock in seconds (replaceable for tests).
    """

    def __init__(self, root: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.root = root
        self.cases_dir = root / "cases"
        self.staging = root / ".staging"
        self.cases_dir.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.Lock()
        self._cases: dict[tuple[str, str], Case] = {}
        self.size_bytes = sum(p.stat().st_size for p in self.cases_dir.rglob("*.dcm"))
        """Bytes of the received objects (counted at start, then per object filed)."""

    def _now(self) -> float:
        return self._clock()

    def file(self, identity: ObjectIdentity, encoded: bytes) -> Path:
        """Write one object atomically and note it in its case; return the file's path."""
        patient = safe_component(identity.patient_id, "NO_PATIENT_ID")
        study = safe_component(identity.study_uid, "NO_STUDY")
        folder = self.cases_dir / patient / study
        target = (
            folder
            / safe_component(identity.series_uid, "NO_SERIES")
            / f"{safe_component(identity.sop_instance_uid, 'NO_UID')}.dcm"
        )
        staged = self.staging / f"{uuid.uuid4().hex}.part"
        with staged.open("wb") as handle:
            handle.write(encoded)
            handle.flush()
            os.fsync(handle.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        replaced = target.stat().st_size if target.exists() else 0
        os.replace(staged, target)
        now = self._now()
        with self._lock:
            self.size_bytes += len(encoded) - replaced
            case = self._cases.get((patient, study))
            if case is None or case.state in ("done", "timed_out"):
                runs = 0 if case is None else case.runs
                case = Case((patient, study), folder, now, now, runs=runs)
                self._cases[(patient, study)] = case
            case.last_s = now
            case.modalities[identity.modality] += 1
        return target

    def due(self, quiet_period_s: float, timeout_s: float) -> tuple[list[Case], list[Case]]:
        """Cases to run now (complete and quiet) and cases that timed out; marks both."""
        now = self._now()
        ready: list[Case] = []
        expired: list[Case] = []
        with self._lock:
            for case in self._cases.values():
                if case.state != "receiving":
                    continue
                idle = now - case.last_s
                if case.has_minimum and idle >= quiet_period_s:
                    case.state = "running"
                    case.run_started_s = now
                    case.runs += 1
                    ready.append(case)
                elif not case.has_minimum and idle >= timeout_s:
                    case.state = "timed_out"
                    expired.append(case)
        return ready, expired

    def finish(self, case: Case) -> None:
        """Mark a run case as done; objects that arrived during the run re-open it."""
        with self._lock:
            case.state = "receiving" if case.last_s > case.run_started_s else "done"

    def snapshot(self) -> list[dict[str, object]]:
        """State of every case (for the status file and tests)."""
        with self._lock:
            return [
                {
                    "patient": c.key[0],
                    "study": c.key[1],
                    "state": c.state,
                    "runs": c.runs,
                    "modalities": dict(c.modalities),
                }
                for c in self._cases.values()
            ]
