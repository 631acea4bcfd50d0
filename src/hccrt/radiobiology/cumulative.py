"""Cumulative normal-liver EQD2 over several RT courses (re-irradiation), voxel-wise or from means.

Each course is converted to EQD2 with its own number of fractions (LQ, α/β of the normal liver)
and the EQD2 values are added:

* **voxel-wise** when the earlier dose is on the same grid as the new one (same Frame of
  Reference, or resampled through a registration first): EQD2 per voxel, summed, then the mean
  over the normal liver;
* **from mean doses** otherwise: the EQD2 of the course's mean physical dose, as if that dose
  were uniform. Because EQD2 grows faster than linearly with the dose, the EQD2 of the mean is
  never above the mean of the voxel EQD2 (Jensen's inequality): the mean-dose figure is a lower
  bound, labelled as an approximation wherever it is shown.

Liver recovery between courses is not modelled: the sum assumes none (the conservative
reading). Y-90 radioembolisation doses are not converted (no dose-rate model here); they are
reported beside the external-beam sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.radiobiology._checks import fraction_count, positive
from hccrt.radiobiology.lq import eqd2_lq
from hccrt.radiobiology.voxel import dose_array_to_eqd2

__all__ = [
    "MEAN_DOSE_APPROXIMATION",
    "NO_RECOVERY",
    "Y90_BESIDE",
    "CourseLiverDose",
    "cumulative_eqd2_array",
    "mean_dose_eqd2_gy",
    "sum_course_eqd2_gy",
]

MEAN_DOSE_APPROXIMATION = (
    "mean-dose approximation: EQD2 of the course's mean physical dose as if it were uniform; "
    "the true mean EQD2 of a non-uniform dose is higher (Jensen's inequality), so this is a "
    "lower bound"
)
NO_RECOVERY = (
    "liver recovery between courses is not modelled: the EQD2 of the courses are added in full"
)
Y90_BESIDE = (
    "Y-90 doses are shown beside the external-beam sum, not inside it: converting a Y-90 "
    "(continuous, decaying dose rate) dose to EQD2 needs a dose-rate model that hccrt does not "
    "apply"
)


@dataclass(frozen=True)
class CourseLiverDose:
    """The normal-liver dose of one RT course in physical dose and EQD2.

    Attributes
    ----------
    label
        Which course (e.g. ``"RT 2024-05-06 50 Gy/25"``).
    fractions
        Number of fractions of the course.
    mean_physical_gy
        Mean physical normal-liver dose (Gy).
    mean_eqd2_gy
        Mean normal-liver EQD2 (Gy, at ``alpha_beta_gy``).
    method
        ``"voxel"`` (mean of the voxel EQD2) or ``"mean_dose"`` (EQD2 of the mean, a lower bound).
    alpha_beta_gy
        α/β used (Gy).
    """

    label: str
    fractions: int
    mean_physical_gy: float
    mean_eqd2_gy: float
    method: str
    alpha_beta_gy: float

    def __post_init__(self) -> None:
        if self.method not in ("voxel", "mean_dose"):
            raise InputError("method", "must be voxel or mean_dose", self.method, "")


def mean_dose_eqd2_gy(mean_dose_gy: float, fractions: int, alpha_beta_gy: float) -> float:
    """EQD2 (Gy) of a mean physical dose delivered in ``fractions`` (mean-dose approximation).

    Examples
    --------
    >>> round(mean_dose_eqd2_gy(14.0, 25, 8.0), 3)  # 0.56 Gy per fraction, α/β 8 Gy
    11.984
    """
    n = fraction_count("fractions", fractions)
    if not mean_dose_gy >= 0.0:
        raise InputError("mean_dose_gy", "must be >= 0 Gy", mean_dose_gy, "give the mean in Gy")
    return eqd2_lq(mean_dose_gy / n, n, positive("alpha_beta_gy", alpha_beta_gy))


def cumulative_eqd2_array(
    doses: Sequence[tuple[npt.ArrayLike, int]], alpha_beta_gy: float
) -> npt.NDArray[Any]:
    """Voxel-wise sum of the EQD2 of several courses on one grid.

    Parameters
    ----------
    doses
        ``(physical dose array in Gy, fractions)`` per course; all arrays of the same shape (the
        earlier doses resampled onto the new grid first).
    alpha_beta_gy
        α/β of the normal liver (Gy).

    Examples
    --------
    >>> import numpy as np
    >>> cumulative_eqd2_array([(np.array([50.0]), 25), (np.array([30.0]), 5)], 3.0).tolist()
    [104.0]
    """
    if not doses:
        raise InputError("doses", "no course given", 0, "give at least one dose array")
    arrays = [np.asarray(dose) for dose, _ in doses]
    shape = arrays[0].shape
    for index, array in enumerate(arrays):
        if array.shape != shape:
            raise InputError(
                f"doses[{index}]",
                f"grid shape {array.shape} differs from {shape}",
                None,
                "resample every dose onto the new plan's grid first",
            )
    total = np.zeros(shape, dtype=np.float64)
    for array, (_, fractions) in zip(arrays, doses, strict=True):
        total += dose_array_to_eqd2(array, fractions, alpha_beta_gy)
    return total


def sum_course_eqd2_gy(courses: Sequence[CourseLiverDose]) -> float:
    """Sum of the mean normal-liver EQD2 of ``courses`` (Gy); their α/β must agree."""
    values = {round(c.alpha_beta_gy, 9) for c in courses}
    if len(values) > 1:
        raise InputError(
            "alpha_beta_gy", "courses converted with different α/β", sorted(values), "use one α/β"
        )
    return float(sum(c.mean_eqd2_gy for c in courses))
