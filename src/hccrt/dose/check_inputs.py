"""Stage 1 of the dose check: read every input and refuse all problems together, before any
calculation (see :mod:`hccrt.dose.check`).

Checked: one Frame of Reference for plan, CT, RTSTRUCT and reference RTDOSE (a plan without one
is taken in the CT's frame, with a note); a CT with its HU rescale, more than one slice, axis
aligned and holding every isocentre; a reference RTDOSE in Gy for this plan; the dose grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hccrt.core.plan import Plan
from hccrt.dicom.ct import CTSeries, read_ct_series
from hccrt.dicom.ct_rescale import require_hu_rescale
from hccrt.dicom.rtdose import DoseDistribution, read_rtdose
from hccrt.dicom.rtplan_delivery import RtplanDelivery, read_rtplan_delivery
from hccrt.dicom.rtstruct import RTStructSet, read_rtstruct
from hccrt.dose._delivery import delivery_kind
from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry.grid import Grid

__all__ = ["DoseCheckInputs", "dose_grid_for", "load_dose_check_inputs"]


@dataclass(frozen=True)
class DoseCheckInputs:
    """Checked inputs of one dose check (see :func:`load_dose_check_inputs`)."""

    rtplan_path: Path
    plan: RtplanDelivery
    ct: CTSeries
    dose_grid: Grid
    structures: RTStructSet | None = None
    reference: DoseDistribution | None = None
    reference_path: Path | None = None
    notes: tuple[str, ...] = ()


def load_dose_check_inputs(
    ct_dir: str | Path,
    rtplan: str | Path,
    *,
    rtstruct: str | Path | None = None,
    compare: str | Path | None = None,
    grid_mm: float = 2.5,
) -> DoseCheckInputs:
    """Read and check everything a dose check needs; refuse all problems in one message.

    Parameters
    ----------
    ct_dir
        Planning CT series (folder).
    rtplan
        The planning system's RTPLAN.
    rtstruct
        Structures for the DVH comparison (optional).
    compare
        The planning system's RTDOSE of this plan (optional).
    grid_mm
        Isotropic dose-grid spacing (mm, 1-10); the grid covers the CT.

    Returns
    -------
    DoseCheckInputs

    Raises
    ------
    InputError
        A plan or CT that cannot be computed (every problem named, in one line).
    """
    plan = read_rtplan_delivery(rtplan)
    require_hu_rescale(ct_dir)
    ct = read_ct_series(ct_dir)
    notes = list(plan.notes) + list(ct.warnings)
    problems: list[InputError] = []
    frame = ct.grid.frame_of_reference_uid
    described = _describe(plan.plan)
    if ct.grid.shape[0] < 2:
        problems.append(
            InputError(
                "CT",
                f"has {ct.grid.shape[0]} slice: a dose calculation needs the patient volume "
                f"(the plan is {described})",
                f"{ct.grid.shape[0]} slice",
                "pass the folder with the whole planning CT series",
            )
        )
    if not ct.grid.is_axis_aligned:
        problems.append(
            InputError("CT", "must be axial (axis aligned)", "oblique", "resample the CT")
        )
    plan_frame = plan.plan.frame_of_reference_uid
    if plan_frame and plan_frame != frame:
        problems.append(
            GeometryMismatchError(
                "RTPLAN FrameOfReferenceUID",
                f"differs from the CT's {frame}",
                plan_frame,
                "pass the CT the plan was made on",
            )
        )
    elif not plan_frame:
        notes.append(
            "the RTPLAN stores no FrameOfReferenceUID: its isocentres are taken in the CT's "
            f"frame {frame}; check that this is the planning CT"
        )
    if ct.grid.shape[0] >= 2:
        low, high = ct.grid.bounds_mm()
        outside = sorted(
            {
                tuple(round(v, 1) for v in b.isocenter_mm)
                for b in plan.plan.beams
                if np.any(np.asarray(b.isocenter_mm) < low - 1.0)
                or np.any(np.asarray(b.isocenter_mm) > high + 1.0)
            }
        )
        if outside:
            problems.append(
                GeometryMismatchError(
                    "IsocenterPosition",
                    "lies outside the CT",
                    str(outside),
                    "pass the CT the plan was made on",
                )
            )
    try:
        dose_grid = dose_grid_for(ct.grid, grid_mm)
    except InputError as error:
        problems.append(error)
        dose_grid = None
    structures = None
    if rtstruct is not None:
        structures = read_rtstruct(rtstruct)
        notes.extend(structures.warnings)
        if structures.frame_of_reference_uid != frame:
            problems.append(
                GeometryMismatchError(
                    "RTSTRUCT FrameOfReferenceUID",
                    f"differs from the CT's {frame}",
                    structures.frame_of_reference_uid,
                    "pass the structure set of this CT",
                )
            )
    reference = None
    if compare is not None:
        reference = read_rtdose(compare)
        notes.extend(reference.warnings)
        problems.extend(_reference_problems(reference, frame, plan.plan.sop_instance_uid))
    if problems or dose_grid is None:
        raise _combined(problems)
    return DoseCheckInputs(
        rtplan_path=Path(rtplan),
        plan=plan,
        ct=ct,
        dose_grid=dose_grid,
        structures=structures,
        reference=reference,
        reference_path=None if compare is None else Path(compare),
        notes=tuple(notes),
    )


def _combined(problems: list[InputError]) -> InputError:
    """One error for all problems (the problem itself when there is one)."""
    if len(problems) == 1:
        return problems[0]
    return InputError(
        "hccrt dose",
        f"{len(problems)} problems: " + " | ".join(str(p) for p in problems),
        None,
        "correct each and retry",
    )


def _describe(plan: Plan) -> str:
    energies = sorted({b.energy for b in plan.beams})
    kinds = sorted({delivery_kind(b) for b in plan.beams})
    return f"{'/'.join(energies)} {'/'.join(kinds)}"


def _reference_problems(reference: DoseDistribution, frame: str, plan_uid: str) -> list[InputError]:
    problems: list[InputError] = []
    if reference.grid.frame_of_reference_uid != frame:
        problems.append(
            GeometryMismatchError(
                "reference RTDOSE FrameOfReferenceUID",
                f"differs from the CT's {frame}",
                reference.grid.frame_of_reference_uid,
                "pass the planning system's dose of this plan",
            )
        )
    if reference.dose_units.upper() != "GY":
        problems.append(
            InputError("reference RTDOSE DoseUnits", "must be GY", reference.dose_units, "")
        )
    if reference.referenced_plan_uid and reference.referenced_plan_uid != plan_uid:
        problems.append(
            InputError(
                "reference RTDOSE ReferencedRTPlanSequence",
                f"belongs to another plan than {plan_uid}",
                reference.referenced_plan_uid,
                "pass the dose of this plan",
            )
        )
    if not reference.grid.is_axis_aligned:
        problems.append(
            InputError("reference RTDOSE", "must be axis aligned", "oblique", "export it axial")
        )
    return problems


def dose_grid_for(ct_grid: Grid, spacing_mm: float) -> Grid:
    """An isotropic, axis-aligned grid of ``spacing_mm`` covering the CT (LPS, CT's frame)."""
    if isinstance(spacing_mm, bool) or not 1.0 <= spacing_mm <= 10.0:
        raise InputError("--grid-mm", "must be 1-10 mm", spacing_mm, "use e.g. 2.5")
    low, high = ct_grid.bounds_mm()
    counts = np.maximum(np.floor((high - low) / spacing_mm).astype(int), 1)
    centre = (low + high) / 2.0
    origin = centre - (counts - 1) * spacing_mm / 2.0
    return Grid.from_spacing(
        (int(counts[2]), int(counts[1]), int(counts[0])),
        (spacing_mm, spacing_mm, spacing_mm),
        origin,
        ct_grid.frame_of_reference_uid,
    )
