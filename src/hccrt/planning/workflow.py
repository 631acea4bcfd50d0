"""Plan a case folder end to end: read CT + RTSTRUCT, auto-plan, write RTPLAN, RTDOSE and JSON.

Outputs in ``out_dir``:

* ``RTSTRUCT.dcm`` - a copy of the structure set with the CTV/PTV built here (only when targets
  were built; the plans reference it);
* ``RTPLAN.dcm`` and ``RTDOSE.dcm`` - the chosen plan; ``alternative/RTPLAN_<T>.dcm`` and
  ``alternative/RTDOSE_<T>.dcm`` - the plan not chosen (one file per SOP instance);
* ``plan.json`` - chosen technique and reason, beams, segments, MU, timings;
* ``evaluation.json`` - both plans side by side: hard constraints, target metrics, the
  plan-evaluation protocol's verdict, RILD NTCP and full evaluation, cumulative DVHs;
* ``report/`` - the protocol report of the chosen plan (:func:`hccrt.report.write_report`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.dicom import read_ct_series, read_rtstruct
from hccrt.dicom.case import inventory_case
from hccrt.dicom.rtdose_writer import write_rtdose
from hccrt.dicom.rtplan_writer import PatientReference, write_rtplan
from hccrt.dicom.rtstruct_writer import add_rois
from hccrt.errors import InputError
from hccrt.evaluation import PlanFacts, evaluate_plan
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.mask_contours import occupancy_to_contours
from hccrt.planning.auto import AutoPlanResult, Technique, auto_plan
from hccrt.planning.case import PlanningCase, beams_for, prepare_case
from hccrt.planning.mlc import millennium_like_mlc
from hccrt.planning.objectives import TargetGoal
from hccrt.planning.protocol import (
    NORMAL_LIVER,
    constraints_from_protocol,
    default_constraints,
    merge_constraints,
)
from hccrt.report import write_report

DEFAULT_GANTRY_DEG = (0.0, 40.0, 80.0, 120.0, 200.0, 260.0, 320.0)
"""Seven coplanar beams (evenly spread, avoiding a direct posterior entry; overridable)."""


def plan_case_dir(
    case_dir: Path,
    out_dir: Path,
    prescription_gy: float,
    fractions: int,
    technique: Technique = "auto",
    child_pugh_class: str = "A",
    target: str | None = None,
    gantry_deg: Sequence[float] = DEFAULT_GANTRY_DEG,
    dose_spacing_mm: float = 3.0,
    normal_liver_mean_gy: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Plan one case folder (see module docstring); returns the ``plan.json`` payload."""
    say = progress or (lambda _m: None)
    if fractions < 1 or fractions > 60:
        raise InputError("fractions", "must be 1-60", fractions, "e.g. 10 or 25")
    start = time.perf_counter()
    inventory = inventory_case(case_dir)
    if not inventory.ct_files:
        raise InputError("case_dir", "holds no CT series", str(case_dir), "add the planning CT")
    if inventory.rtstruct is None:
        raise InputError("case_dir", "holds no RTSTRUCT", str(case_dir), "add the structure set")
    say("reading CT and RTSTRUCT")
    ct = read_ct_series(list(inventory.ct_files))
    structures = read_rtstruct(inventory.rtstruct)
    case = prepare_case(ct.grid, ct.hu, structures.structures, target, dose_spacing_mm)
    available = set(case.masks)
    if NORMAL_LIVER not in available:
        raise InputError(
            "Liver",
            "no Liver ROI: the seed 000 normal-liver limit cannot be evaluated",
            sorted(available),
            "contour the liver (ROI name 'Liver')",
        )
    seed_constraints = default_constraints(child_pugh_class, available, normal_liver_mean_gy)
    plan_structures = _structures_with_target(structures.structures, case)
    evaluations: dict[str, Any] = {}

    def evaluate(dose: npt.NDArray[np.floating], technique_name: str) -> Any:
        facts = PlanFacts(
            fractions,
            prescription_gy,
            technique_name.lower(),
            technique_source="hccrt plan",
            prescription_source="hccrt plan --prescription-gy",
            fractions_source="hccrt plan --fractions",
            label=technique_name,
        )
        return evaluate_plan(
            plan_structures,
            dose,
            case.dose_grid,
            facts,
            child_pugh_class=child_pugh_class,
            child_pugh_source="hccrt plan --child-pugh",
        )

    baseline = evaluate(np.zeros(case.dose_grid.shape, dtype=np.float32), "3DCRT")
    from_protocol, extra_masks = constraints_from_protocol(
        baseline.constraints, case.masks, case.dose_grid.voxel_volume_cc, baseline.protocol.id
    )
    constraints = merge_constraints(seed_constraints, from_protocol)
    masks = {**case.masks, **extra_masks}

    def assess(dose: npt.NDArray[np.float32], technique_name: str) -> tuple[bool, tuple[str, ...]]:
        evaluation = evaluate(dose, technique_name)
        evaluations[technique_name] = evaluation
        return evaluation.verdict == "pass", tuple(evaluation.verdict_reasons)

    goal = TargetGoal(
        case.target,
        prescription_gy,
        coverage_pct=95.0,
        source="ICRU 50/62-style coverage: 95 % of the PTV receives the prescription",
    )
    beams = beams_for(case, gantry_deg)
    result = auto_plan(
        ct.hu,
        ct.grid,
        case.dose_grid,
        masks,
        case.body,
        goal,
        constraints,
        beams,
        technique,
        progress=say,
        assess=assess,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    structure_set_uid = structures.sop_instance_uid
    derived = plan_structures[len(structures.structures) :]
    rtstruct_written = ""
    if derived:
        # Targets built here go into a copy of the structure set that the plan references.
        structure_set_uid = add_rois(inventory.rtstruct, derived, out_dir / "RTSTRUCT.dcm")
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
        write_rtdose(dose_path, plan.dose_gy, case.dose_grid, reference, plan_uid, tag)
        files[tag] = {
            "rtplan": str(plan_path.relative_to(out_dir)),
            "rtdose": str(dose_path.relative_to(out_dir)),
            "plan_uid": plan_uid,
        }
    say("writing the evaluation report of the chosen plan")
    chosen_evaluation = evaluations[result.chosen.technique]
    report: dict[str, Path] = {}
    report_error = ""
    try:
        report = write_report(chosen_evaluation, out_dir / "report", ct=ct)
    except (IndexError, ValueError, OSError) as error:  # the plan stands without its report
        report_error = f"report not written: {type(error).__name__}: {error}"
        say(report_error)
    evaluation = _evaluation(result, case, masks, evaluations)
    payload = _plan_payload(result, case, prescription_gy, fractions, files)
    payload["report"] = {k: str(Path(v).relative_to(out_dir)) for k, v in report.items()}
    payload["report_error"] = report_error
    payload["protocol"] = baseline.protocol.id
    payload["rtstruct"] = rtstruct_written
    payload["seconds_total"] = round(time.perf_counter() - start, 2)
    (out_dir / "plan.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    (out_dir / "evaluation.json").write_text(json.dumps(evaluation, indent=2), encoding="utf-8")
    payload["evaluation"] = evaluation
    return payload


def _plan_payload(
    result: AutoPlanResult,
    case: PlanningCase,
    prescription_gy: float,
    fractions: int,
    files: dict[str, dict[str, str]],
) -> dict[str, Any]:
    return {
        "chosen_technique": result.chosen.technique,
        "reason": result.reason,
        "infeasibility": result.infeasibility,
        "prescription_gy": prescription_gy,
        "fractions": fractions,
        "target": case.target,
        "isocenter_mm": list(case.isocenter_mm),
        "notes": list(case.notes),
        "timings_s": {k: round(v, 2) for k, v in result.timings_s.items()},
        "dose_grid": {
            "shape": list(case.dose_grid.shape),
            "spacing_mm": list(case.dose_grid.spacing_mm),
            "origin_mm": list(case.dose_grid.origin_mm),
        },
        "plans": [
            {
                "technique": p.technique,
                "passes": p.passes,
                "total_mu": round(p.total_mu, 1),
                "mu_per_fraction": round(p.total_mu / fractions, 1),
                "files": files.get(p.technique, {}),
                "beams": [
                    {
                        "name": d.beam.name,
                        "gantry_deg": d.beam.gantry_deg,
                        "couch_deg": d.beam.couch_deg,
                        "segments": len(d.segments),
                        "mu_per_fraction": round(d.mu / fractions, 2),
                    }
                    for d in p.deliveries
                ],
            }
            for p in result.plans
        ],
    }


def _dvh(dose: npt.NDArray[np.floating], step_gy: float = 0.5) -> dict[str, list[float]]:
    if dose.size == 0:
        return {"dose_gy": [], "volume_pct": []}
    levels = np.arange(0.0, float(dose.max()) + step_gy, step_gy)
    ordered = np.sort(dose)
    above = dose.size - np.searchsorted(ordered, levels, side="left")
    return {
        "dose_gy": [round(float(v), 3) for v in levels],
        "volume_pct": [round(float(v), 3) for v in above / dose.size * 100],
    }


def _evaluation(
    result: AutoPlanResult,
    case: PlanningCase,
    masks: dict[str, npt.NDArray[np.bool_]],
    evaluations: dict[str, Any],
) -> dict[str, Any]:
    plans = []
    for p in result.plans:
        protocol = evaluations[p.technique].to_json()
        dvhs = {
            name: _dvh(p.dose_gy[mask])
            for name, mask in masks.items()
            if np.any(mask) and name != case.body
        }
        plans.append(
            {
                "technique": p.technique,
                "passes": p.passes,
                "protocol_verdict": protocol["verdict"],
                "protocol_reasons": protocol["verdict_reasons"],
                "coverage_pct": round(p.coverage_pct, 2),
                "coverage_goal_pct": p.coverage_goal_pct,
                "target_metrics": {k: round(v, 3) for k, v in p.target_metrics.items()},
                "constraints": [
                    {
                        "label": c.label,
                        "structure": c.structure,
                        "value": round(c.value, 3),
                        "limit": c.limit,
                        "unit": c.unit,
                        "met": c.met,
                        "source": c.source,
                    }
                    for c in p.constraints
                ],
                "ntcp": protocol["ntcp"],
                "protocol_evaluation": protocol,
                "dvh": dvhs,
            }
        )
    return {
        "chosen_technique": result.chosen.technique,
        "reason": result.reason,
        "target": case.target,
        "prescription_gy": result.goal.prescription_gy,
        "plans": plans,
    }


def _structures_with_target(
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
