"""``hccrt plan``: read a case folder, plan it in memory, write the plans and their evaluation.

Outputs in ``out_dir``:

* ``RTSTRUCT.dcm`` - a copy of the structure set with the CTV/PTV built here (only when targets
  were built; the plans reference it);
* ``RTPLAN.dcm`` and ``RTDOSE.dcm`` - the chosen plan; ``alternative/RTPLAN_<T>.dcm`` and
  ``alternative/RTDOSE_<T>.dcm`` - the plan not chosen (one file per SOP instance);
* ``plan.json`` - chosen technique and reason, beams, segments, MU, timings;
* ``evaluation.json`` - both plans side by side: hard constraints, target metrics, the
  plan-evaluation protocol's verdict, RILD NTCP and full evaluation, cumulative DVHs;
* ``report/`` - the protocol report of the chosen plan (:func:`hccrt.report.write_report`).

Each plan is evaluated once (during planning); the side-by-side payload and the report are made
from those evaluations.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.core import Plan
from hccrt.errors import InputError
from hccrt.evaluation import PlanFacts
from hccrt.pipeline._isotoxic import (
    IsotoxicPlan,
    IsotoxicRequest,
    isotoxic_dose_levels,
    plan_isotoxic,
)
from hccrt.pipeline._payloads import evaluation_payload
from hccrt.pipeline._planning import (
    DEFAULT_GANTRY_DEG,
    EvaluationContext,
    FinalDoseEngine,
    PlanRequest,
    evaluation_technique,
    plan_in_memory,
    write_planned,
)
from hccrt.planning import Technique
from hccrt.planning.vmat import default_arcs
from hccrt.progress import NO_PROGRESS, ProgressLike, as_progress

__all__ = ["hccrt_plan_context", "plan_case_dir"]


def hccrt_plan_context(request: PlanRequest, isotoxic: bool = False) -> EvaluationContext:
    """The evaluation context of ``hccrt plan`` (facts from its options; ``isotoxic``: the
    prescription is the dose level chosen by ``--isotoxic``)."""
    prescribed_by = "hccrt plan --isotoxic" if isotoxic else "hccrt plan --prescription-gy"

    def facts(technique: str, plan: Plan, dose_gy: npt.NDArray[np.float32]) -> PlanFacts:
        return PlanFacts(
            request.fractions,
            request.prescription_gy,
            evaluation_technique(technique),
            technique_source="hccrt plan"
            + (" (VMAT: judged as IMRT)" if technique == "VMAT" else ""),
            prescription_source=prescribed_by,
            fractions_source="hccrt plan --fractions",
            label=technique,
        )

    return EvaluationContext(facts, child_pugh_source="hccrt plan --child-pugh")


def plan_case_dir(
    case_dir: Path,
    out_dir: Path,
    prescription_gy: float | None,
    fractions: int,
    technique: Technique = "auto",
    child_pugh_class: str = "A",
    target: str | None = None,
    gantry_deg: Sequence[float] = DEFAULT_GANTRY_DEG,
    dose_spacing_mm: float = 3.0,
    normal_liver_mean_gy: float | None = None,
    progress: ProgressLike = NO_PROGRESS,
    final_dose: FinalDoseEngine = "collapsed_cone",
    isotoxic: IsotoxicRequest | None = None,
    prescriptions: Sequence[tuple[str, float]] = (),
    liver_ntcp_objective_pct: float | None = None,
    liver_geud_objective_gy: float | None = None,
    objective_priority: float | None = 1.0,
    couch_deg: Sequence[float] = (),
    collimator_deg: Sequence[float] = (),
    arcs: int = 2,
) -> dict[str, Any]:
    """Plan one case folder (``hccrt plan``, see module docstring); return ``plan.json``'s payload.

    Parameters
    ----------
    case_dir, out_dir
        Case folder (CT + RTSTRUCT) and output folder.
    prescription_gy, fractions, technique, child_pugh_class, target, gantry_deg
        See :class:`PlanRequest`.
    dose_spacing_mm, normal_liver_mean_gy, final_dose
        See :class:`PlanRequest`.
    progress
        Three stages (reading, planning with its beams and IMRT iterations, report) and a note
        at each step (:mod:`hccrt.progress`; a message callback is accepted too).
    isotoxic
        Plan at the highest dose level the normal liver tolerates
        (:func:`hccrt.pipeline._isotoxic.plan_isotoxic`); ``prescription_gy`` is then ignored
        (``None`` allowed) and ``plan.json`` gets an ``isotoxic`` entry.
    prescriptions
        Further targets with their own prescriptions, ``(ROI, Gy)`` (see :class:`PlanRequest`).
    liver_ntcp_objective_pct, liver_geud_objective_gy, objective_priority
        Normal-liver NTCP/gEUD objectives of the IMRT optimiser (see :class:`PlanRequest`).
    couch_deg, collimator_deg
        Couch and collimator angles: empty (0), one for all beams or one per gantry angle
        (see :class:`PlanRequest`; the beams are checked for gantry-head collisions).
    arcs
        ``technique="vmat"``: 1 or 2 default coplanar full arcs
        (:func:`hccrt.planning.vmat.default_arcs`).

    Returns
    -------
    dict
        The ``plan.json`` payload, with the ``evaluation.json`` payload under ``evaluation``.
    """
    from hccrt.dicom import read_ct_series, read_rtstruct
    from hccrt.dicom.case import inventory_case
    from hccrt.dicom.identity import case_identity
    from hccrt.report import write_report

    progress = as_progress(progress)
    say = progress.note
    if isotoxic is not None:
        prescription_gy = isotoxic_dose_levels(fractions, isotoxic.dose_levels_gy)[0][0]
    if prescription_gy is None:
        raise InputError(
            "--prescription-gy", "is required unless --isotoxic is given", None,
            "give --prescription-gy GY or --isotoxic",
        )  # fmt: skip
    request = PlanRequest(
        prescription_gy, fractions, technique, child_pugh_class, target, tuple(gantry_deg),
        dose_spacing_mm, normal_liver_mean_gy, final_dose, tuple(prescriptions),
        liver_ntcp_objective_pct, liver_geud_objective_gy, objective_priority,
        couch_deg=tuple(couch_deg), collimator_deg=tuple(collimator_deg),
        arcs=default_arcs(arcs) if technique == "vmat" else (),
    )  # fmt: skip
    start = time.perf_counter()
    inventory = inventory_case(case_dir)
    if not inventory.ct_files:
        raise InputError("case_dir", "holds no CT series", str(case_dir), "add the planning CT")
    if inventory.rtstruct is None:
        raise InputError("case_dir", "holds no RTSTRUCT", str(case_dir), "add the structure set")
    progress.stage("reading CT and RTSTRUCT", 1, 3)
    ct = read_ct_series(list(inventory.ct_files))
    structure_set = read_rtstruct(inventory.rtstruct)
    progress.stage("planning", 2, 3)
    searched: IsotoxicPlan | None = None
    if isotoxic is None:
        planned = plan_in_memory(ct, structure_set, request, hccrt_plan_context(request), progress)
    else:
        searched = plan_isotoxic(
            ct, structure_set, request, isotoxic, lambda r: hccrt_plan_context(r, True), say
        )
        planned = searched.planned
    payload = write_planned(planned, out_dir, ct, inventory.rtstruct, time.perf_counter() - start)
    if searched is not None:
        payload["notes"] = [*payload["notes"], *searched.notes()]
        payload["isotoxic"] = searched.payload()
    progress.stage("writing the plan files and the report", 3, 3)
    report: dict[str, Path] = {}
    report_error = ""
    try:
        report = write_report(
            planned.evaluation, out_dir / "report", ct=ct,
            identity=case_identity(inventory.ct_files, inventory.rtstruct, None),
        )  # fmt: skip
    except (IndexError, ValueError, OSError) as error:  # the plan stands without its report
        report_error = f"report not written: {type(error).__name__}: {error}"
        say(report_error)
    evaluation = evaluation_payload(
        planned.result, planned.case, planned.masks, planned.evaluations
    )
    tail = ("protocol", "rtstruct", "seconds_total")
    payload = {
        **{k: v for k, v in payload.items() if k not in tail},
        "report": {k: str(Path(v).relative_to(out_dir)) for k, v in report.items()},
        "report_error": report_error,
        "protocol": planned.protocol_id,
        "rtstruct": payload["rtstruct"],
        "seconds_total": round(time.perf_counter() - start, 2),
    }
    (out_dir / "plan.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    (out_dir / "evaluation.json").write_text(json.dumps(evaluation, indent=2), encoding="utf-8")
    payload["evaluation"] = evaluation
    return payload
