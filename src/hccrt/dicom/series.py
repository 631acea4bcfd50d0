"""One row per DICOM series: what a list of uploaded files holds, from their headers only.

The web upload page shows a case as its series (modality, description, number of files, Frame
of Reference) instead of one row per file; this is where those headers are read, so pydicom
stays in the DICOM layer. Pixel data is never read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pydicom

from hccrt.dicom.case import _frame_of_reference

__all__ = ["SeriesRow", "summarize_series"]

_TAGS = (
    "Modality",
    "SeriesInstanceUID",
    "SeriesDescription",
    "SeriesNumber",
    "FrameOfReferenceUID",
    "ReferencedFrameOfReferenceSequence",
    "StructureSetLabel",
    "RTPlanLabel",
)


@dataclass(frozen=True)
class SeriesRow:
    """One series of a set of files.

    Attributes
    ----------
    modality
        CT, MR, RTSTRUCT, RTDOSE, RTPLAN, REG, ... (``"unreadable"`` for files that are not DICOM).
    description
        Series Description, else the structure set or plan label (``""`` when none).
    series_number
        Series Number (``None`` when absent).
    file_count
        Files of the series.
    frame_of_reference_uid
        The series' Frame of Reference (``""`` when none).
    series_uid
        Series Instance UID (``""`` when absent).
    """

    modality: str
    description: str
    series_number: int | None
    file_count: int
    frame_of_reference_uid: str
    series_uid: str


def _row_key(path: Path) -> tuple[str, str, str, int | None, str]:
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=list(_TAGS))
    except Exception:  # not DICOM or corrupt: counted, not fatal (the upload check refuses them)
        return ("unreadable", "", "", None, "")
    description = str(
        ds.get("SeriesDescription", "")
        or ds.get("StructureSetLabel", "")
        or ds.get("RTPlanLabel", "")
        or ""
    )
    number = ds.get("SeriesNumber", None)
    try:
        series_number = int(number) if number not in (None, "") else None
    except (TypeError, ValueError):
        series_number = None
    return (
        str(ds.get("Modality", "") or "unknown"),
        str(ds.get("SeriesInstanceUID", "") or ""),
        description,
        series_number,
        _frame_of_reference(ds),
    )


def summarize_series(paths: Iterable[str | Path]) -> list[SeriesRow]:
    """Group files by series (headers only); rows ordered CT/MR first, then RT objects.

    Parameters
    ----------
    paths
        DICOM files (any names).

    Returns
    -------
    list of SeriesRow
        One row per Series Instance UID (files without one are grouped by modality).
    """
    counts: dict[tuple[str, str, str, int | None, str], int] = {}
    for path in paths:
        key = _row_key(Path(path))
        counts[key] = counts.get(key, 0) + 1
    order = {"CT": 0, "MR": 1, "PT": 2, "REG": 3, "RTSTRUCT": 4, "RTPLAN": 5, "RTDOSE": 6}
    rows = [
        SeriesRow(modality, description, number, count, frame, series_uid)
        for (modality, series_uid, description, number, frame), count in counts.items()
    ]
    return sorted(
        rows, key=lambda r: (order.get(r.modality, 9), r.series_number or 0, r.series_uid)
    )
