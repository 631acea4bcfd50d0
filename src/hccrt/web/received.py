"""Cases the DICOM node received (``hccrt listen --store DIR``), listed for import as patients.

The node files objects under ``DIR/cases/<patient>/<study>/<series>/<instance>.dcm``
(:class:`hccrt.node._cases.CaseStore`). ``hccrt serve --node-store DIR`` reads that tree: each
study folder is one received case, summarised by series from the DICOM headers. Importing a
case creates a patient with an empty record (clinical facts are entered afterwards) and one
upload holding the case's files, checked like any upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hccrt.dicom.series import SeriesRow, summarize_series

__all__ = ["ReceivedCase", "find_received", "received_cases"]


@dataclass(frozen=True)
class ReceivedCase:
    """One study folder of the node's store.

    Attributes
    ----------
    patient, study
        Folder names (the node's safe forms of PatientID and StudyInstanceUID).
    files
        Its DICOM files.
    series
        One row per series (modality, description, files, Frame of Reference).
    last_received
        Time of the newest file (UTC).
    """

    patient: str
    study: str
    files: tuple[Path, ...]
    series: tuple[SeriesRow, ...]
    last_received: datetime

    @property
    def complete(self) -> bool:
        """It holds a CT and an RTSTRUCT (the node's rule for a case it can run)."""
        modalities = {row.modality for row in self.series}
        return {"CT", "RTSTRUCT"} <= modalities


def _case(folder: Path) -> ReceivedCase | None:
    files = tuple(sorted(p for p in folder.rglob("*.dcm") if p.is_file()))
    if not files:
        return None
    newest = max(p.stat().st_mtime for p in files)
    return ReceivedCase(
        folder.parent.name,
        folder.name,
        files,
        tuple(summarize_series(files)),
        datetime.fromtimestamp(newest, UTC),
    )


def received_cases(root: Path) -> list[ReceivedCase]:
    """Every received case under ``root/cases``, newest first (none when the folder is absent)."""
    cases_dir = root / "cases"
    if not cases_dir.is_dir():
        return []
    found = [
        case
        for patient in sorted(p for p in cases_dir.iterdir() if p.is_dir())
        for study in sorted(s for s in patient.iterdir() if s.is_dir())
        if (case := _case(study)) is not None
    ]
    return sorted(found, key=lambda c: c.last_received, reverse=True)


def find_received(root: Path, patient: str, study: str) -> ReceivedCase | None:
    """The received case with these folder names, or None.

    The names are matched against the listing, never joined to a path as given, so a request
    cannot reach outside the node's store.
    """
    return next((c for c in received_cases(root) if (c.patient, c.study) == (patient, study)), None)
