"""A 3-D dose on its grid, absolute (Gy) or relative, with stored DVHs: :class:`Dose`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid

__all__ = ["Dose", "DoseUnit", "StoredDVH", "dose_in_gy"]

FloatArray = npt.NDArray[np.float64]
DoseUnit = Literal["GY", "RELATIVE"]


@dataclass(frozen=True)
class StoredDVH:
    """One DVH as the planning system stored it (RTDOSE DVHSequence item).

    Parameters
    ----------
    referenced_roi_numbers
        ROI numbers (RTSTRUCT ROINumber) the DVH was computed for.
    dvh_type
        ``CUMULATIVE``, ``DIFFERENTIAL`` or ``NATURAL``.
    dose_units, dose_type, volume_units
        As stored (``GY``/``RELATIVE``; ``PHYSICAL``/``EFFECTIVE``; ``CM3``/``PERCENT``/``PER_U``).
    bin_edges
        ``n + 1`` dose bin edges from 0 (Gy when dose_units is GY; widths x DVHDoseScaling).
    cumulative_volume
        Volume receiving at least ``bin_edges[i]`` (cc when volume_units is CM3).
    differential_volume
        Volume with dose in ``[bin_edges[i], bin_edges[i+1])``.
    minimum_dose, maximum_dose, mean_dose
        The planning system's own statistics (``None`` if absent).
    """

    referenced_roi_numbers: tuple[int, ...]
    dvh_type: str
    dose_units: str
    dose_type: str
    volume_units: str
    bin_edges: FloatArray = field(repr=False)
    cumulative_volume: FloatArray = field(repr=False)
    differential_volume: FloatArray = field(repr=False)
    minimum_dose: float | None = None
    maximum_dose: float | None = None
    mean_dose: float | None = None


@dataclass(frozen=True)
class Dose:
    """A 3-D dose grid; relative dose is its own state, never read as Gy.

    Parameters
    ----------
    grid
        Geometry of the dose voxels.
    values
        ``float32 [k, j, i]`` in ``dose_units`` (Gy or relative values).
    dose_type, dose_units, summation_type
        DoseType (``PHYSICAL``/``EFFECTIVE``), DoseUnits (``GY``/``RELATIVE``) and
        DoseSummationType (``PLAN``, ``BEAM``...), as in DICOM.
    referenced_plan_uid
        SOPInstanceUID of the plan the dose belongs to (``None`` if unknown).
    stored_dvhs
        DVHs stored with the dose, if any.
    sop_instance_uid, warnings
        Identification and anything unusual met while reading.
    """

    grid: Grid
    values: npt.NDArray[np.float32] = field(repr=False)
    dose_type: str = "PHYSICAL"
    dose_units: DoseUnit = "GY"
    summation_type: str = "PLAN"
    referenced_plan_uid: str | None = None
    stored_dvhs: tuple[StoredDVH, ...] = ()
    sop_instance_uid: str = ""
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.dose_units not in ("GY", "RELATIVE"):
            raise InputError("dose_units", "must be GY or RELATIVE", self.dose_units, "")
        dose = np.asarray(self.values, dtype=np.float32)
        if dose.shape != self.grid.shape:
            raise InputError("dose_gy", f"shape must be {self.grid.shape}", dose.shape, "check")
        dose.setflags(write=False)
        object.__setattr__(self, "values", dose)

    @property
    def is_absolute(self) -> bool:
        """True when the values are in Gy."""
        return self.dose_units == "GY"

    @property
    def dose_gy(self) -> npt.NDArray[np.float32]:
        """The dose in Gy.

        Raises
        ------
        InputError
            For RELATIVE dose: convert it first with :meth:`to_gy`.
        """
        if not self.is_absolute:
            raise InputError(
                "dose_units",
                "are RELATIVE, so the values are not Gy",
                self.dose_units,
                "convert with Dose.to_gy(reference_dose_gy, relative_unit)",
            )
        return self.values

    def to_gy(
        self, reference_dose_gy: float, relative_unit: Literal["fraction", "percent"]
    ) -> Dose:
        """Convert RELATIVE dose to Gy with a reference dose given by the caller.

        Parameters
        ----------
        reference_dose_gy
            Dose (Gy) that a relative value of 1 (``"fraction"``) or 100 (``"percent"``) means,
            typically the prescription; DICOM leaves this reference implicit.
        relative_unit
            How the stored relative values are scaled.

        Returns
        -------
        Dose
            The same dose with ``dose_units == "GY"``.
        """
        if self.is_absolute:
            raise InputError("dose_units", "is already GY", self.dose_units, "use dose_gy as is")
        if not reference_dose_gy > 0:
            raise InputError("reference_dose_gy", "must be > 0 Gy", reference_dose_gy, "")
        factor = reference_dose_gy / (100.0 if relative_unit == "percent" else 1.0)
        return Dose(
            grid=self.grid,
            values=self.values * np.float32(factor),
            dose_type=self.dose_type,
            dose_units="GY",
            summation_type=self.summation_type,
            referenced_plan_uid=self.referenced_plan_uid,
            stored_dvhs=self.stored_dvhs,
            sop_instance_uid=self.sop_instance_uid,
            warnings=(
                *self.warnings,
                f"RELATIVE dose converted with reference {reference_dose_gy} Gy ({relative_unit})",
            ),
        )


def dose_in_gy(
    dose: Dose,
    reference_dose_gy: float | None,
    relative_unit: Literal["fraction", "percent"] | None,
    name: str = "RTDOSE",
) -> Dose:
    """The dose distribution in Gy; RELATIVE dose needs the reference dose and its unit.

    Parameters
    ----------
    dose
        The dose as read.
    reference_dose_gy, relative_unit
        For RELATIVE dose: what 1 (``"fraction"``) or 100 (``"percent"``) means, in Gy.
    name
        The file name, for the error message.

    Returns
    -------
    Dose
        ``dose`` itself when it is already in Gy, otherwise the converted dose.

    Raises
    ------
    InputError
        RELATIVE dose units without ``reference_dose_gy`` or ``relative_unit``.
    """
    if dose.is_absolute:
        return dose
    if reference_dose_gy is None or relative_unit is None:
        raise InputError(
            f"RTDOSE {name}",
            "dose units are RELATIVE, so a reference dose is needed to get Gy",
            dose.dose_units,
            "pass --prescription-gy and --relative-unit percent|fraction",
        )
    return dose.to_gy(float(reference_dose_gy), relative_unit)
