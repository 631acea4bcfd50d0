"""An image series on a regular grid (CT, MR or PET): :class:`Image`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid

__all__ = ["Image"]


@dataclass(frozen=True)
class Image:
    """One image series on a regular grid (read by :func:`hccrt.dicom.read_ct_series`).

    Parameters
    ----------
    grid
        Geometry (affine in LPS mm, Frame of Reference).
    values
        ``float32 [k, j, i]`` stored values after RescaleSlope/RescaleIntercept (HU for CT).
    series_instance_uid, study_instance_uid
        UIDs of the series and its study.
    sop_instance_uids
        SOPInstanceUID of each slice, in array order (slice ``k``).
    patient_id, patient_name
        As stored (may be empty).
    warnings
        Everything unusual met while reading (never silently dropped).
    modality
        ``CT``, ``MR`` or ``PT``.
    """

    grid: Grid
    values: npt.NDArray[np.float32] = field(repr=False)
    series_instance_uid: str
    study_instance_uid: str
    sop_instance_uids: tuple[str, ...]
    patient_id: str = ""
    patient_name: str = ""
    warnings: tuple[str, ...] = ()
    modality: str = "CT"

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float32)
        if values.shape != self.grid.shape:
            raise InputError(
                "values", f"shape must equal the grid shape {self.grid.shape}", values.shape,
                "check input",
            )  # fmt: skip
        if len(self.sop_instance_uids) != self.grid.shape[0]:
            raise InputError(
                "sop_instance_uids", "one UID per slice", len(self.sop_instance_uids), "check input"
            )
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "sop_instance_uids", tuple(self.sop_instance_uids))

    @property
    def hu(self) -> npt.NDArray[np.float32]:
        """The stored values; Hounsfield units for a CT (``modality == "CT"``)."""
        return self.values
