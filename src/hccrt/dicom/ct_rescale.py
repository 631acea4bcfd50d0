"""Check that every CT slice stores its HU rescale (RescaleSlope and RescaleIntercept).

:func:`hccrt.dicom.ct.read_ct_series` reads a slice without them as slope 1, intercept 0, which
is right for images stored in HU but not for raw scanner values (often offset by 1024). A dose
calculation turns HU into electron density, so it refuses a CT whose HU it cannot be sure of.
"""

from __future__ import annotations

from pathlib import Path

from hccrt.dicom._common import read_dataset
from hccrt.dicom.ct import IMAGE_MODALITIES, _candidate_files
from hccrt.errors import DicomInputError

__all__ = ["require_hu_rescale"]


def require_hu_rescale(directory_or_file: str | Path) -> None:
    """Refuse a CT series with a slice that lacks RescaleSlope or RescaleIntercept.

    Parameters
    ----------
    directory_or_file
        The CT folder (or one file), as given to :func:`hccrt.dicom.ct.read_ct_series`.

    Raises
    ------
    DicomInputError
        Naming the first slice without the rescale and how many lack it.
    """
    missing: list[str] = []
    for path in _candidate_files(directory_or_file):
        try:
            dataset, _ = read_dataset(path, IMAGE_MODALITIES, stop_before_pixels=True)
        except DicomInputError:
            continue  # not an image slice: read_ct_series reports it
        if str(dataset.get("Modality", "")).upper() != "CT":
            continue
        if any(dataset.get(k) in (None, "") for k in ("RescaleSlope", "RescaleIntercept")):
            missing.append(path.name)
    if missing:
        raise DicomInputError(
            f"{missing[0]}:RescaleSlope/RescaleIntercept",
            "a CT for dose calculation must store its HU rescale",
            f"missing in {len(missing)} slice(s)",
            "re-export the CT from the scanner or planning system with the rescale",
        )
