"""Outcome of automatic planning: beam deliveries, plan dose, constraint results and the choice.

:func:`plan_outcome` evaluates a finished plan's dose against the hard constraints, the target
coverage goal and (optionally) the plan-evaluation protocol; :class:`AutoPlanResult` is what
:func:`hccrt.planning.auto.auto_plan` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from hccrt.dvh import DoseVolumeHistogram
from hccrt.geometry.grid import Grid
from hccrt.planning.beams import Beam
from hccrt.planning.dij import DoseInfluence
from hccrt.planning.objectives import TargetGoal
from hccrt.planning.problem import PlanningProblem
from hccrt.planning.quality import PlanQuality
from hccrt.planning.sequencing import Segment


@dataclass(frozen=True, eq=False)
class BeamDelivery:
    """One beam of a plan and its MLC segments (MU for the whole course)."""

    beam: Beam
    segments: tuple[Segment, ...]
    isocenter_dose_gy: float | None = None
    """Whole-course dose of this beam at the isocentre voxel (Gy), when computed."""
    gantry_deg: tuple[float, ...] = ()
    """An arc (VMAT): the gantry angle of each control point, one per segment (the segment's
    aperture stands at that control point and its MU are delivered from it to the next one;
    the last segment has 0 MU). Empty for a static beam (``beam.gantry_deg``)."""
    rotation: Literal["NONE", "CW", "CC"] = "NONE"
    """Gantry rotation of an arc (``CW``: rising angle); ``NONE`` for a static beam."""

    @property
    def is_arc(self) -> bool:
        """True for an arc (control points at several gantry angles)."""
        return bool(self.gantry_deg)

    @property
    def mu(self) -> float:
        """Total MU of the beam (whole course)."""
        return float(sum(s.mu for s in self.segments))


Assessor = Callable[
    [npt.NDArray[np.float32], str, tuple[BeamDelivery, ...]], tuple[bool, tuple[str, ...]]
]
"""Protocol check of a plan: ``(dose_gy, technique, deliveries) -> (passes, reasons)``."""

TargetDvh = Callable[[npt.NDArray[np.float32]], DoseVolumeHistogram]
"""The target's contour-based DVH of a dose on the dose grid (the DVH ``hccrt evaluate`` uses)."""

FinalDose = Callable[[tuple[BeamDelivery, ...]], npt.NDArray[np.float32]]
"""The final dose engine: ``deliveries -> whole-course dose (Gy) on the dose grid``."""


def dvh_coverage_pct(dvh: DoseVolumeHistogram, dose_gy: float) -> float:
    """% of the target's volume in the dose grid receiving at least ``dose_gy``."""
    return 100.0 * dvh.volume_at_least_cc(dose_gy) / dvh.covered_volume_cc


@dataclass(frozen=True)
class HardConstraintResult:
    """A hard constraint of the planner checked on a plan dose (not a protocol constraint:
    see :class:`hccrt.evaluation.ConstraintResult`)."""

    label: str
    structure: str
    value: float
    limit: float
    unit: str
    met: bool
    source: str
    hard: bool = True
    """False for a soft (prioritised) objective: a miss is reported, the plan still passes."""


@dataclass(frozen=True)
class TargetCoverage:
    """Coverage of one target at its own prescription: ``coverage_pct`` % of it receives
    ``prescription_gy``; ``on`` says which DVH it was read on."""

    structure: str
    prescription_gy: float
    coverage_pct: float
    goal_pct: float
    d95_gy: float
    on: str

    @property
    def met(self) -> bool:
        """Coverage goal reached (0.1 % tolerance)."""
        return self.coverage_pct >= self.goal_pct - 0.1


@dataclass(frozen=True, eq=False)
class PlanOutcome:
    """A finished plan: deliveries, dose (whole course, Gy) and its evaluation."""

    technique: str
    deliveries: tuple[BeamDelivery, ...]
    dose_gy: npt.NDArray[np.float32] = field(repr=False)
    constraints: tuple[HardConstraintResult, ...]
    coverage_pct: float
    coverage_goal_pct: float
    target_metrics: dict[str, float]
    seconds: float
    note: str = ""
    protocol_passes: bool | None = None
    protocol_reasons: tuple[str, ...] = ()
    quality: PlanQuality | None = None
    targets: tuple[TargetCoverage, ...] = ()
    """Every target's coverage at its own prescription (primary first)."""

    @property
    def passes(self) -> bool:
        """Hard constraints met, every target's coverage goal reached, the protocol (if any)
        passed and the plan-quality criteria (if assessed) met."""
        return (
            all(c.met for c in self.constraints if c.hard)
            and self.coverage_pct >= self.coverage_goal_pct - 0.1
            and all(t.met for t in self.targets)
            and self.protocol_passes is not False
            and (self.quality is None or self.quality.acceptable)
        )

    @property
    def total_mu(self) -> float:
        """Sum of the MU of all beams (whole course)."""
        return float(sum(d.mu for d in self.deliveries))


@dataclass(frozen=True, eq=False)
class AutoPlanResult:
    """The chosen plan, every plan made, and why."""

    chosen: PlanOutcome
    plans: tuple[PlanOutcome, ...]
    reason: str
    dose_grid: Grid
    goal: TargetGoal
    timings_s: dict[str, float]
    infeasibility: str = ""


def plan_outcome(
    name: str,
    dij: DoseInfluence,
    deliveries: tuple[BeamDelivery, ...],
    weights: npt.NDArray[np.float64],
    masks: Mapping[str, npt.NDArray[np.bool_]],
    problem: PlanningProblem,
    seconds: float,
    assess: Assessor | None = None,
    target_dvh: TargetDvh | None = None,
    quality: Callable[[npt.NDArray[np.float32]], PlanQuality] | None = None,
    dose_gy: npt.NDArray[np.float32] | None = None,
    extra_dvhs: Mapping[str, TargetDvh] | None = None,
) -> PlanOutcome:
    """Dose of the beamlet weights (Gy) evaluated against ``problem`` and ``assess``.

    The coverage is read on ``target_dvh`` when given (the evaluation's contour-based DVH),
    else on the target's voxel-centre mask; an extra target's on its entry of ``extra_dvhs``
    when there is one. ``dose_gy``, when given, is the final engine's dose of ``deliveries``
    and is evaluated instead of the beamlet dose.
    """
    dose = dij.dose_gy(weights) if dose_gy is None else dose_gy
    verdict, reasons = assess(dose, name, deliveries) if assess is not None else (None, ())
    goal = problem.target
    results = []
    for c in problem.constraints:
        organ = dose[masks[c.structure]]
        results.append(
            HardConstraintResult(
                c.label,
                c.structure,
                c.value(organ),
                c.limit(),
                c.unit,
                c.met(organ),
                c.source,
                c.hard,
            )
        )
    target_dose = dose[masks[goal.structure]]
    metrics = {
        "D95_gy": float(np.percentile(target_dose, 5)),
        "D98_gy": float(np.percentile(target_dose, 2)),
        "D2_gy": float(np.percentile(target_dose, 98)),
        "mean_gy": float(target_dose.mean()),
        "max_gy": float(target_dose.max()),
        "V95_pct": float(np.mean(target_dose >= 0.95 * goal.prescription_gy) * 100),
        "V100_pct": float(np.mean(target_dose >= goal.prescription_gy - 1e-6) * 100),
    }
    coverage = (
        goal.coverage(target_dose)
        if target_dvh is None
        else dvh_coverage_pct(target_dvh(dose), goal.coverage_dose_fraction * goal.prescription_gy)
    )
    targets = [
        TargetCoverage(
            goal.structure, goal.prescription_gy, coverage, goal.coverage_pct,
            metrics["D95_gy"], "voxel centres" if target_dvh is None else "contour DVH",
        )
    ]  # fmt: skip
    for extra in problem.extra_targets:
        extra_dose = dose[masks[extra.structure]]
        extra_dvh = (extra_dvhs or {}).get(extra.structure)
        if extra_dvh is None:
            covered, basis = extra.coverage(extra_dose), "voxel centres"
            d95 = float(np.percentile(extra_dose, 5))
        else:
            dvh = extra_dvh(dose)
            covered = dvh_coverage_pct(dvh, extra.coverage_dose_fraction * extra.prescription_gy)
            d95, basis = float(dvh.dose_at_percent(95.0)), "contour DVH"
        targets.append(
            TargetCoverage(
                extra.structure, extra.prescription_gy, covered, extra.coverage_pct, d95, basis
            )
        )
    return PlanOutcome(
        name,
        deliveries,
        dose,
        tuple(results),
        coverage,
        goal.coverage_pct,
        metrics,
        seconds,
        protocol_passes=verdict,
        protocol_reasons=reasons,
        quality=quality(dose) if quality is not None else None,
        targets=tuple(targets),
    )
