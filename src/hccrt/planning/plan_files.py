"""DICOM outputs of a planned case: RTSTRUCT copy with built targets, RTPLAN and RTDOSE.

The chosen plan goes to the top of the output folder, the plan not chosen under
``alternative/`` (one file per SOP instance, never two doses to be summed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hccrt.dicom.ct import CTSeries
from hccrt.dicom.rtdose_writer import write_rtdose
from hccrt.dicom.rtplan_writer import PatientReference, write_rtplan
from hccrt.dicom.rtstruct_writer import add_rois
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid
from hccrt.geometry.mask_contours import occupancy_to_contours
from hccrt.planning.case import PlanningCase
from hccrt.planning.mlc import millennium_like_mlc
from hccrt.planning.outcomes import AutoPlanResult


def write_plan_files(
    result: AutoPlanResult,
    out_dir: Path,
    ct: CTSeries,
    rtstruct_path: Path,
    structure_set_uid: str,
    derived: Sequence[StructureContours],
    dose_grid: Grid,
    prescription_gy: float,
    fractions: int,
) -> tuple[str, dict[str, dict[str, str]]]:
    """Write the DICOM files of every plan of ``result`` into ``out_dir`` (which must exist).

    Parameters
    ----------
    result
        The plans; ``result.chosen`` is written at the top of ``out_dir``.
    ct
        The planning CT (patient, study and Frame of Reference of the plans).
    rtstruct_path, structure_set_uid
        The case's RTSTRUCT and its SOP Instance UID.
    derived
        Targets built by the planner (e.g. PTV from GTV); when given, a copy of the structure
        set with them added is written and referenced by the plans.
    dose_grid, prescription_gy, fractions
        Dose grid, prescription (Gy, whole course) and number of fractions.

    Returns
    -------
    tuple
        The RTSTRUCT file written (``""`` when none) and, per technique, the relative paths of
        its RTPLAN and RTDOSE and the plan's SOP Instance UID.
    """
    rtstruct_written = ""
    if derived:
        # Targets built here go into a copy of the structure set that the plan references.
        structure_set_uid = add_rois(rtstruct_path, derived, out_dir / "RTSTRUCT.dcm")
        rtstruct_written = "RTSTRUCT.dcm"
    reference = PatientReference(
        ct.patient_id,
        ct.patient_name,
        ct.study_instance_uid,
        ct.grid.frame_of_reference_uid,
        structure_set_uid,
    )
    mlc = millennium_like_mlc()
    files: dict[str, dict[str, str]] = {}
    for plan in result.plans:
        tag = plan.technique
        # One file per SOP instance: the chosen plan at the top, the other one under
        # alternative/ (never two copies of the same plan, never two doses to be summed).
        folder = out_dir if plan is result.chosen else out_dir / "alternative"
        folder.mkdir(exist_ok=True)
        name = "" if plan is result.chosen else f"_{tag}"
        plan_path = folder / f"RTPLAN{name}.dcm"
        plan_uid = write_rtplan(
            plan_path,
            tuple(d for d in plan.deliveries if d.segments),
            mlc,
            prescription_gy,
            fractions,
            reference,
            technique=tag,
        )
        dose_path = folder / f"RTDOSE{name}.dcm"
        write_rtdose(dose_path, plan.dose_gy, dose_grid, reference, plan_uid, tag)
        files[tag] = {
            "rtplan": str(plan_path.relative_to(out_dir)),
            "rtdose": str(dose_path.relative_to(out_dir)),
            "plan_uid": plan_uid,
        }
    return rtstruct_written, files


def structures_with_target(
    structures: Sequence[StructureContours], case: PlanningCase
) -> tuple[StructureContours, ...]:
    """The RTSTRUCT's ROIs plus contours of targets built here (e.g. PTV from GTV)."""
    names = {s.name for s in structures}
    added = []
    number = max((s.number for s in structures), default=0)
    for name in ("CTV", "PTV"):
        if name in case.masks and name not in names:
            number += 1
            added.append(
                occupancy_to_contours(
                    case.masks[name], case.dose_grid, name, number, interpreted_type=name
                )
            )
    return (*structures, *added)
