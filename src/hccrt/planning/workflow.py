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
from hccrt.errors import InputError
from hccrt.evaluation import PlanFacts, evaluate_plan
from hccrt.planning.auto import Technique, auto_plan
from hccrt.planning.case import beams_for, prepare_case
from hccrt.planning.objectives import TargetGoal
from hccrt.planning.payloads import evaluation_payload, plan_payload
from hccrt.planning.plan_files import structures_with_target, write_plan_files
from hccrt.planning.protocol import (
    NORMAL_LIVER,
    constraints_from_protocol,
    default_constraints,
    merge_constraints,
)
from hccrt.report import write_report

__all__ = ["DEFAULT_GANTRY_DEG", "plan_case_dir"]

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
    plan_structures = structures_with_target(structures.structures, case)
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
        body=case.body,
        goal=goal,
        constraints=constraints,
        beams=beams,
        technique=technique,
        progress=say,
        assess=assess,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    rtstruct_written, files = write_plan_files(
        result,
        out_dir,
        ct,
        inventory.rtstruct,
        structures.sop_instance_uid,
        plan_structures[len(structures.structures) :],
        case.dose_grid,
        prescription_gy,
        fractions,
    )
    say("writing the evaluation report of the chosen plan")
    chosen_evaluation = evaluations[result.chosen.technique]
    report: dict[str, Path] = {}
    report_error = ""
    try:
        report = write_report(chosen_evaluation, out_dir / "report", ct=ct)
    except (IndexError, ValueError, OSError) as error:  # the plan stands without its report
        report_error = f"report not written: {type(error).__name__}: {error}"
        say(report_error)
    evaluation = evaluation_payload(result, case, masks, evaluations)
    payload = plan_payload(result, case, prescription_gy, fractions, files)
    payload["report"] = {k: str(Path(v).relative_to(out_dir)) for k, v in report.items()}
    payload["report_error"] = report_error
    payload["protocol"] = baseline.protocol.id
    payload["rtstruct"] = rtstruct_written
    payload["seconds_total"] = round(time.perf_counter() - start, 2)
    (out_dir / "plan.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    (out_dir / "evaluation.json").write_text(json.dumps(evaluation, indent=2), encoding="utf-8")
    payload["evaluation"] = evaluation
    return payload
