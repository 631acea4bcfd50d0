"""DICOM outputs of a planned case: RTSTRUCT copy with built targets, RTPLAN and RTDOSE.

The chosen plan goes to the top of the output folder, the plan not chosen under
``alternative/`` (one file per SOP instance, never two doses to be summed). The files are
outputs: nothing later in the main job reads them back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from hccrt.core import Dose, Image, Plan
from hccrt.dicom.rtdose_writer import write_rtdose
from hccrt.dicom.rtplan_writer import PatientReference, write_rtplan
from hccrt.dicom.rtstruct_writer import add_rois
from hccrt.geometry.contours import StructureContours


def write_plan_files(
    plans: Mapping[str, Plan],
    doses: Mapping[str, Dose],
    chosen: str,
    out_dir: Path,
    ct: Image,
    rtstruct_path: Path,
    structure_set_uid: str,
    derived: Sequence[StructureContours],
    target_roi_number: int | None = None,
) -> tuple[str, dict[str, dict[str, str]]]:
    """Write the DICOM files of every plan into ``out_dir`` (which must exist).

    Parameters
    ----------
    plans, doses
        Plan record and dose (Gy, whole course) per technique.
    chosen
        Technique of the chosen plan, written at the top of ``out_dir``.
    ct
        The planning CT (patient, study and Frame of Reference of the plans).
    rtstruct_path, structure_set_uid
        The case's RTSTRUCT and its SOP Instance UID.
    derived
        Targets built by the planner (e.g. PTV from GTV); when given, a copy of the structure
        set with them added is written and referenced by the plans.
    target_roi_number
        ROI number of the prescription's target (the RTPLAN's dose reference refers to it).

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
    files: dict[str, dict[str, str]] = {}
    for tag, plan in plans.items():
        # One file per SOP instance: the chosen plan at the top, the other one under
        # alternative/ (never two copies of the same plan, never two doses to be summed).
        folder = out_dir if tag == chosen else out_dir / "alternative"
        folder.mkdir(exist_ok=True)
        name = "" if tag == chosen else f"_{tag}"
        plan_path = folder / f"RTPLAN{name}.dcm"
        plan_uid = write_rtplan(plan_path, plan, reference, tag, target_roi_number)
        dose_path = folder / f"RTDOSE{name}.dcm"
        dose = doses[tag]
        write_rtdose(dose_path, dose.dose_gy, dose.grid, reference, plan_uid, tag)
        files[tag] = {
            "rtplan": str(plan_path.relative_to(out_dir)),
            "rtdose": str(dose_path.relative_to(out_dir)),
            "plan_uid": plan_uid,
        }
    return rtstruct_written, files
