"""Read a plan (case folder or explicit files) and evaluate it: :func:`evaluate_files`.

Checks on every join: the RTSTRUCT, every RTDOSE, the RTPLAN and the CT share one Frame of
Reference; several RTDOSE files are summed (resampled onto the first grid when the grids differ);
RELATIVE dose needs the reference dose and its unit from the caller.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from hccrt.core import Dose, Image, PlanSummary, StoredDVH
from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.plan import StoredComparison
from hccrt.dvh.sampling import DvhSettings
from hccrt.errors import InputError
from hccrt.evaluation.evaluate import Evaluation, evaluate_plan
from hccrt.evaluation.technique import TECHNIQUES, PlanFacts, technique_from_beams
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid, require_same_frame

if TYPE_CHECKING:
    from hccrt.clinical.assess import Assessment
    from hccrt.clinical.patient import PatientRecord
    from hccrt.evaluation.prior_courses import PriorCourseDose


@dataclass(frozen=True)
class PlanFiles:
    """The DICOM files of one plan."""

    rtstruct: Path
    rtdoses: tuple[Path, ...]
    rtplan: Path | None = None
    ct: tuple[Path, ...] | Path | None = None
    patient: Path | None = None


def files_from_case(case_dir: Path) -> PlanFiles:
    """Find the plan files of a case folder (see :func:`hccrt.dicom.case.inventory_case`)."""
    from hccrt.dicom.case import inventory_case

    inventory = inventory_case(Path(case_dir))
    if inventory.rtstruct is None or not inventory.rtdoses:
        raise InputError(
            "case_dir",
            "needs an RTSTRUCT and at least one RTDOSE",
            str(case_dir),
            "export the structure set and the plan dose into the case folder",
        )
    return PlanFiles(
        inventory.rtstruct,
        tuple(inventory.rtdoses),
        inventory.rtplan,
        tuple(inventory.ct_files) or None,
        inventory.patient_record,
    )


def evaluate_files(
    files: PlanFiles,
    *,
    protocol: str | None = None,
    technique: str | None = None,
    prescription_gy: float | None = None,
    fractions: int | None = None,
    child_pugh_class: str | None = None,
    relative_unit: Literal["fraction", "percent"] | None = None,
    settings: DvhSettings | None = None,
    course: Path | None = None,
    liver_alpha_beta_gy: float = 8.0,
) -> tuple[Evaluation, Image | None]:
    """Read the files, evaluate the plan, and return it with the CT series (or ``None``).

    ``settings`` are the DVH engine's (e.g. ``DvhSettings(between_planes="smooth")``).
    ``course`` is a patient-course JSON whose completed RT courses are summed with the plan
    (cumulative normal-liver EQD2 at ``liver_alpha_beta_gy``; see
    :mod:`hccrt.evaluation.prior_courses`).

    Raises
    ------
    InputError
        Missing fractions/prescription, relative dose without reference, mismatched Frames of
        Reference, unreadable files.
    """
    from hccrt.dicom import read_ct_series, read_doses_gy, read_rtplan, read_rtstruct
    from hccrt.dvh.plan import sum_doses

    structure_set = read_rtstruct(files.rtstruct)
    warnings = list(structure_set.warnings)
    plan_summary = read_rtplan(files.rtplan) if files.rtplan else None
    if plan_summary is not None:
        warnings.extend(plan_summary.warnings)
        if plan_summary.frame_of_reference_uid:  # optional in RTPLAN; the reader warned if absent
            require_same_frame(
                plan_summary.frame_of_reference_uid, structure_set.frame_of_reference_uid,
                "RTPLAN with RTSTRUCT",
            )  # fmt: skip
    n_fx, n_source = _pick(fractions, plan_summary.fractions if plan_summary else None, "fractions")
    rx, rx_source = _pick(
        prescription_gy, plan_summary.prescription_dose_gy if plan_summary else None, ""
    )
    if n_fx is None:
        raise InputError(
            "fractions", "unknown (no RTPLAN with a fraction group)", None, "pass --fractions N"
        )
    doses = read_doses_gy(
        files.rtdoses, structure_set, Path(files.rtstruct).name, rx, relative_unit, warnings
    )
    grid, total, sum_warnings = sum_doses(doses)
    warnings.extend(sum_warnings)
    prior: tuple[PriorCourseDose, ...] = ()
    if course is not None:
        from hccrt.clinical.course import load_course
        from hccrt.evaluation.prior_courses import prior_course_doses

        prior = prior_course_doses(load_course(course), grid, warnings)
    ct = None
    if files.ct is not None:
        ct = read_ct_series(files.ct)
        require_same_frame(
            ct.grid.frame_of_reference_uid, structure_set.frame_of_reference_uid,
            "CT with RTSTRUCT",
        )  # fmt: skip
    facts = plan_facts(
        plan_summary,
        int(n_fx),
        float(rx) if rx is not None else None,
        (n_source, rx_source),
        tuple(Path(p).name for p in files.rtdoses),
        float(total.max()),
        technique,
    )
    patient_json, assessment_text, cp_from_patient = _patient(files.patient)
    cp = child_pugh_class or cp_from_patient
    cp_source = (
        "given on the command line"
        if child_pugh_class
        else ("clinical assessment of the patient record" if cp_from_patient else "")
    )
    evaluation = evaluate_plan(
        structure_set.structures,
        total,
        grid,
        facts,
        protocol=protocol,
        child_pugh_class=cp,
        child_pugh_source=cp_source,
        patient=patient_json,
        assessment_text=assessment_text,
        warnings=warnings,
        settings=settings,
        prior_courses=prior,
        liver_alpha_beta_gy=liver_alpha_beta_gy,
    )
    if len(doses) == 1 and doses[0].stored_dvhs:
        comparison = stored_dvh_comparison(structure_set.structures, doses[0], total, grid)
        evaluation = dataclasses.replace(evaluation, stored_dvh_comparison=comparison)
    return evaluation, ct


def stored_dvh_comparison(
    structures: Sequence[StructureContours], dose: Dose, total: npt.NDArray[np.floating], grid: Grid
) -> tuple[StoredComparison, ...]:
    """hccrt's DVHs against those the planning system stored in the RTDOSE (Gy and cc only)."""
    from hccrt.dvh.engine import compute_dvh

    compared = (
        stored_dvh_of(structure, dose, compute_dvh(structure, total, grid))
        for structure in structures
        if not structure.is_empty and _stored_record(structure, dose) is not None
    )
    return tuple(c for c in compared if c is not None)


def stored_dvh_of(
    structure: StructureContours, dose: Dose, result: DoseVolumeHistogram
) -> StoredComparison | None:
    """hccrt's DVH ``result`` of one structure against the one stored in ``dose``, or ``None``.

    Only a stored DVH in absolute dose (Gy) and volume (cc) is compared: ``hccrt dvh`` and
    ``hccrt evaluate`` share this rule.
    """
    from hccrt.dvh.plan import compare_with_stored, stored_to_histogram

    record = _stored_record(structure, dose)
    if record is None:
        return None
    theirs = stored_to_histogram(structure.name, record.bin_edges, record.cumulative_volume)
    return compare_with_stored(result, theirs)


def _stored_record(structure: StructureContours, dose: Dose) -> StoredDVH | None:
    for record in dose.stored_dvhs:
        comparable = record.volume_units == "CM3" and record.dose_units == "GY"
        if comparable and structure.number in record.referenced_roi_numbers:
            return record
    return None


def plan_facts(
    plan_summary: PlanSummary | None,
    fractions: int,
    prescription_gy: float | None,
    sources: tuple[str, str],
    dose_files: tuple[str, ...],
    dose_max_gy: float,
    technique: str | None = None,
) -> PlanFacts:
    """The plan facts of an evaluation: technique from the beams unless given.

    Parameters
    ----------
    plan_summary
        The plan (read from an RTPLAN, or :func:`hccrt.core.summarize_plan`), if any.
    fractions, prescription_gy
        Number of fractions and whole-course prescription (Gy, ``None`` if unknown).
    sources
        Where the fractions and the prescription came from.
    dose_files
        Names of the RTDOSE files the evaluated dose is (or is written as).
    dose_max_gy
        Maximum of the evaluated dose (Gy).
    technique
        Technique given by the user (else inferred from the plan's beams).

    Returns
    -------
    PlanFacts
    """
    tech, tech_source = _technique(technique, plan_summary)
    return PlanFacts(
        fractions=fractions,
        prescription_gy=prescription_gy,
        technique=tech,
        technique_source=tech_source,
        label=plan_summary.label if plan_summary else "",
        beams=tuple(b.name for b in plan_summary.beams) if plan_summary else (),
        fractions_source=sources[0],
        prescription_source=sources[1],
        dose_files=dose_files,
        dose_max_gy=dose_max_gy,
    )


def _pick(given: float | None, from_plan: float | None, name: str) -> tuple[float | None, str]:
    if given is not None:
        return given, "command line"
    if from_plan:
        return from_plan, "RTPLAN"
    return None, "unknown"


def _technique(technique: str | None, plan_summary: PlanSummary | None) -> tuple[str, str]:
    if technique is not None:
        key = technique.strip().lower()
        if key not in TECHNIQUES:
            raise InputError("technique", f"must be one of {', '.join(TECHNIQUES)}", technique, "")
        return key, "command line"
    if plan_summary is not None and plan_summary.beams:
        found, reason = technique_from_beams(plan_summary.beams)
        return found, f"RTPLAN: {reason}"
    return "unknown", "no RTPLAN and no --technique"


def _patient(path: Path | None) -> tuple[dict[str, Any] | None, str, str | None]:
    if path is None:
        return None, "", None
    from hccrt.clinical import load_patient
    from hccrt.clinical.assess import assess

    record = load_patient(path)
    return patient_summary(record, assess(record))


def patient_summary(
    record: PatientRecord, assessment: Assessment
) -> tuple[dict[str, Any], str, str | None]:
    """What an evaluation carries of the patient: summary, assessment text, Child-Pugh class.

    Parameters
    ----------
    record, assessment
        The patient record and its clinical assessment.

    Returns
    -------
    summary, text, child_pugh_class
        Patient id and Child-Pugh score/class, the assessment as text, and the class
        (``None`` unless A, B or C).
    """
    from hccrt.clinical.render import render_assessment_text

    child_pugh = assessment.liver_function.child_pugh
    cp = child_pugh.class_ if child_pugh.class_ in ("A", "B", "C") else None
    summary = {
        "patient_id": getattr(record, "patient_id", None),
        "child_pugh": {"score": child_pugh.score, "class": child_pugh.class_},
    }
    return summary, render_assessment_text(assessment), cp


def ct_paths(paths: Sequence[Path]) -> tuple[Path, ...]:
    """Every file of the given CT folders or files."""
    result: list[Path] = []
    for path in paths:
        result.extend(sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path])
    return tuple(result)
