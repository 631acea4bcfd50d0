"""Earlier RT courses in the plan evaluation: cumulative normal-liver EQD2 against the limit.

:func:`prior_course_doses` reads the completed RT courses of a patient course
(:class:`~hccrt.clinical.course.PatientCourse`): an RTDOSE in the new plan's Frame of Reference
is resampled onto the new dose grid; one on an older CT is resampled through its rigid spatial
registration (``registration_path``); a course with only a mean dose is kept as that mean.
:func:`cumulative_liver_check` (called by :func:`hccrt.evaluation.evaluate_plan` when prior
courses are given) converts the new plan and each earlier course to EQD2 with its own number of
fractions, sums them voxel-wise where it can (mean-dose EQD2 added otherwise, labelled as the
lower-bound approximation) and applies the protocol's normal-liver mean limit to the sum, read
as an EQD2 (rule ``COURSE-CUM-LIMIT``, UNCONFIRMED). Liver recovery between courses is not
modelled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.radiobiology.cumulative import (
    MEAN_DOSE_APPROXIMATION,
    NO_RECOVERY,
    cumulative_eqd2_array,
    mean_dose_eqd2_gy,
)
from hccrt.radiobiology.voxel import dose_array_to_eqd2

if TYPE_CHECKING:
    from hccrt.clinical.course import PatientCourse

__all__ = [
    "CumulativeLiverCheck",
    "PriorCourseDose",
    "cumulative_liver_check",
    "prior_course_doses",
]


@dataclass(frozen=True)
class PriorCourseDose:
    """One earlier RT course as the evaluation uses it.

    Attributes
    ----------
    label
        e.g. ``"RT 2024-05-06 50 Gy/25"``.
    fractions
        Number of fractions of that course.
    dose_gy
        Its physical dose resampled onto the new plan's grid, or ``None`` (mean dose only).
    mean_normal_liver_dose_gy
        Its recorded mean normal-liver dose (Gy), used when ``dose_gy`` is ``None``.
    how
        How the dose reached the new grid (same Frame of Reference, registration, mean only).
    """

    label: str
    fractions: int
    dose_gy: npt.NDArray[np.float32] | None = field(default=None, repr=False)
    mean_normal_liver_dose_gy: float | None = None
    how: str = ""


@dataclass(frozen=True)
class CumulativeLiverCheck:
    """The normal-liver limit applied to the cumulative EQD2 (shown beside the plan alone)."""

    alpha_beta_gy: float
    plan_mean_gy: float | None
    plan_mean_eqd2_gy: float | None
    prior: tuple[dict[str, Any], ...]
    cumulative_mean_eqd2_gy: float | None
    method: str  # voxel | mean_dose | mixed
    limit_gy: float | None
    limit_id: str | None
    status: str  # pass | fail | not_evaluated
    notes: tuple[str, ...]
    rule_ids: tuple[str, ...] = ("COURSE-CUM-EQD2", "COURSE-CUM-LIMIT", "COURSE-NO-RECOVERY")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types for ``evaluation.json``."""
        return {
            "alpha_beta_gy": self.alpha_beta_gy,
            "plan_mean_gy": self.plan_mean_gy,
            "plan_mean_eqd2_gy": self.plan_mean_eqd2_gy,
            "prior_courses": list(self.prior),
            "cumulative_mean_eqd2_gy": self.cumulative_mean_eqd2_gy,
            "method": self.method,
            "limit_gy": self.limit_gy,
            "limit_id": self.limit_id,
            "status": self.status,
            "notes": list(self.notes),
            "rule_ids": list(self.rule_ids),
        }


def _rigid_to_target(
    registration_path: str, dose_frame: str, target_frame: str
) -> npt.NDArray[np.float64]:
    """4x4 matrix mapping the earlier dose's frame to the new plan's frame, from a REG file."""
    from hccrt.registration.io import load_registration

    _, result = load_registration(registration_path)
    if result.kind != "rigid":
        raise InputError(
            "registration_path", "is deformable: only a rigid registration is applied to a "
            "prior dose", registration_path, "give the rigid registration of the two CTs",
        )  # fmt: skip
    matrix = np.asarray(result.moving_to_fixed, dtype=np.float64)
    if (result.moving_frame_uid, result.fixed_frame_uid) == (dose_frame, target_frame):
        return matrix
    if (result.fixed_frame_uid, result.moving_frame_uid) == (dose_frame, target_frame):
        inverse: npt.NDArray[np.float64] = np.linalg.inv(matrix).astype(np.float64)
        return inverse
    raise InputError(
        "registration_path",
        f"joins frames {result.moving_frame_uid} and {result.fixed_frame_uid}, not the prior "
        f"dose's {dose_frame} and the plan's {target_frame}",
        registration_path,
        "give the registration of the earlier CT to the new planning CT",
    )


def prior_course_doses(
    course: PatientCourse, target_grid: Grid, warnings: list[str] | None = None
) -> tuple[PriorCourseDose, ...]:
    """The completed RT courses of ``course`` (a :class:`PatientCourse`) for the evaluation.

    Raises
    ------
    InputError
        An unreadable RTDOSE or registration, a RELATIVE dose, a registration that does not join
        the two frames, or a course with neither a usable RTDOSE nor a mean dose.
    """
    from hccrt.dicom.rtdose import read_rtdose
    from hccrt.registration.resample import resample_onto

    notes = warnings if warnings is not None else []
    out = []
    for rt in course.rt_courses:
        if rt.status != "completed":
            continue
        label = f"RT {rt.date} {rt.dose_gy:g} Gy/{rt.fractions}"
        if rt.rtdose_path:
            dose = read_rtdose(rt.rtdose_path)
            if dose.dose_units.upper() != "GY":
                raise InputError(
                    "rtdose_path", "prior RTDOSE in RELATIVE units", rt.rtdose_path,
                    "export the earlier course's dose in Gy",
                )  # fmt: skip
            frame = dose.grid.frame_of_reference_uid
            name = Path(rt.rtdose_path).name
            if frame == target_grid.frame_of_reference_uid:
                values = resample_onto(dose.values, dose.grid, target_grid)
                how = f"{name}: same Frame of Reference, resampled onto the plan grid"
            elif rt.registration_path:
                matrix = _rigid_to_target(
                    rt.registration_path, frame, target_grid.frame_of_reference_uid
                )
                values = resample_onto(dose.values, dose.grid, target_grid, matrix)
                reg = Path(rt.registration_path).name
                how = f"{name}: resampled through the rigid registration {reg}"
            elif rt.mean_normal_liver_dose_gy is not None:
                notes.append(
                    f"{label}: RTDOSE in another Frame of Reference without a registration; its "
                    "recorded mean dose is used (mean-dose approximation)"
                )
                out.append(
                    PriorCourseDose(
                        label, rt.fractions, None, rt.mean_normal_liver_dose_gy, "mean dose"
                    )
                )
                continue
            else:
                raise InputError(
                    "registration_path",
                    f"missing: the RTDOSE of {label} is in Frame of Reference {frame}, the plan "
                    f"in {target_grid.frame_of_reference_uid}",
                    None,
                    "give the rigid registration of the earlier CT to the planning CT",
                )
            out.append(PriorCourseDose(label, rt.fractions, values, None, how))
        elif rt.mean_normal_liver_dose_gy is not None:
            out.append(
                PriorCourseDose(
                    label, rt.fractions, None, rt.mean_normal_liver_dose_gy, "mean dose"
                )
            )
        else:
            raise InputError(
                "mean_normal_liver_dose_gy",
                f"missing for {label}, which has no RTDOSE either",
                None,
                "give the earlier course's mean normal-liver dose or its RTDOSE",
            )
    return tuple(out)


def cumulative_liver_check(
    dose_gy: npt.ArrayLike,
    fractions: int,
    prior: Sequence[PriorCourseDose],
    liver_mean: Callable[[npt.ArrayLike], float | None],
    limit: tuple[str, float] | None,
    alpha_beta_gy: float,
) -> CumulativeLiverCheck:
    """Cumulative normal-liver EQD2 of the plan and ``prior`` against the mean-liver ``limit``.

    Parameters
    ----------
    dose_gy
        The new plan's physical dose (Gy) on its grid.
    fractions
        The new plan's fractions.
    prior
        Earlier courses (:func:`prior_course_doses`).
    liver_mean
        ``liver_mean(array) -> mean over the normal liver (Gy) or None``.
    limit
        ``(constraint id, limit in Gy)`` of the protocol's normal-liver mean, or ``None``.
    alpha_beta_gy
        α/β of the normal liver (Gy).
    """
    plan_mean = liver_mean(np.asarray(dose_gy))
    plan_eqd2_array = dose_array_to_eqd2(
        np.asarray(dose_gy, dtype=np.float64), fractions, alpha_beta_gy
    )
    plan_eqd2 = liver_mean(plan_eqd2_array)
    voxel = [(p.dose_gy, p.fractions) for p in prior if p.dose_gy is not None]
    rows: list[dict[str, Any]] = []
    notes = [NO_RECOVERY]
    total: float | None = None
    if voxel:
        summed = cumulative_eqd2_array(
            [(np.asarray(dose_gy, dtype=np.float64), fractions), *voxel], alpha_beta_gy
        )
        total = liver_mean(summed)
    else:
        total = plan_eqd2
    for p in prior:
        if p.dose_gy is not None:
            physical = liver_mean(p.dose_gy)
            eqd2 = liver_mean(dose_array_to_eqd2(p.dose_gy, p.fractions, alpha_beta_gy))
            method = "voxel"
        else:
            physical = p.mean_normal_liver_dose_gy
            assert physical is not None
            eqd2 = mean_dose_eqd2_gy(physical, p.fractions, alpha_beta_gy)
            method = "mean_dose"
            if total is not None:
                total += eqd2
        rows.append(
            {
                "course": p.label,
                "fractions": p.fractions,
                "mean_gy": None if physical is None else round(float(physical), 3),
                "mean_eqd2_gy": None if eqd2 is None else round(float(eqd2), 3),
                "method": method,
                "how": p.how,
            }
        )
    methods = {row["method"] for row in rows}
    if "mean_dose" in methods:
        notes.append(MEAN_DOSE_APPROXIMATION)
    method = "mixed" if len(methods) > 1 else (methods.pop() if methods else "voxel")
    if total is None or limit is None:
        status = "not_evaluated"
    else:
        status = "pass" if total < limit[1] else "fail"
    return CumulativeLiverCheck(
        alpha_beta_gy=alpha_beta_gy,
        plan_mean_gy=None if plan_mean is None else round(float(plan_mean), 3),
        plan_mean_eqd2_gy=None if plan_eqd2 is None else round(float(plan_eqd2), 3),
        prior=tuple(rows),
        cumulative_mean_eqd2_gy=None if total is None else round(float(total), 3),
        method=method,
        limit_gy=None if limit is None else limit[1],
        limit_id=None if limit is None else limit[0],
        status=status,
        notes=tuple(notes),
    )
