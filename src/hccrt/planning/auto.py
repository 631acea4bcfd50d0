"""Automatic planning with seed 000's rule: "3DCRT first; IMRT if the dosimetric requirements
are not met".

:func:`auto_plan` takes a CT (HU on a grid), structure masks on a dose grid and the
prescription, computes the beamlet dose once, makes the 3DCRT plan, checks it against the hard
constraints, the target coverage and the plan-quality criteria (:mod:`hccrt.planning.quality`),
and only if it fails optimises and sequences an IMRT plan on the same beams. Both plans are
returned with the reason for the choice.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.planning import Technique
from hccrt.planning.beams import Beam
from hccrt.planning.conformal import PENUMBRA_MARGIN_MM, plan_conformal
from hccrt.planning.dij import DoseInfluence, compute_dose_influence, select_bixels
from hccrt.planning.hu_density import HuDensityTable
from hccrt.planning.imrt import normalise_coverage, optimise_imrt
from hccrt.planning.mlc import MlcModel, millennium_like_mlc
from hccrt.planning.objectives import DoseConstraint, InfeasiblePlanError, TargetGoal
from hccrt.planning.outcomes import (
    Assessor,
    AutoPlanResult,
    BeamDelivery,
    FinalDose,
    HardConstraintResult,
    PlanOutcome,
    TargetDvh,
    plan_outcome,
)
from hccrt.planning.problem import PlanningProblem
from hccrt.planning.quality import PlanQuality, assess_quality
from hccrt.planning.sequencing import Segment, delivered_weights, sequence_beam
from hccrt.planning.vmat import (
    FLUENCE_SMOOTHNESS_WEIGHT,
    Arc,
    ArcMachine,
    ArcPlan,
    arc_beam_on_seconds,
    arc_samples,
    arc_summary,
    default_arcs,
    sequence_arcs,
)
from hccrt.progress import NO_PROGRESS, ProgressLike, as_progress

__all__ = [
    "BIXEL_MM",
    "SEQUENCING_LEVELS",
    "Assessor",
    "AutoPlanResult",
    "BeamDelivery",
    "FinalDose",
    "HardConstraintResult",
    "PlanOutcome",
    "Technique",
    "auto_plan",
]

BIXEL_MM = 5.0
SEQUENCING_LEVELS = 20
"""Intensity levels of the step-and-shoot sequencing (trade-off: fidelity vs segments)."""


def auto_plan(
    hu: npt.NDArray[np.floating],
    ct_grid: Grid,
    dose_grid: Grid,
    masks: Mapping[str, npt.NDArray[np.bool_]],
    *,
    body: str,
    goal: TargetGoal,
    constraints: tuple[DoseConstraint, ...],
    beams: tuple[Beam, ...],
    technique: Technique = "auto",
    hu_table: HuDensityTable | None = None,
    mlc: MlcModel | None = None,
    progress: ProgressLike = NO_PROGRESS,
    assess: Assessor | None = None,
    target_dvh: TargetDvh | None = None,
    fractions: int | None = None,
    final_dose: FinalDose | None = None,
    extra_goals: tuple[TargetGoal, ...] = (),
    extra_dvhs: Mapping[str, TargetDvh] | None = None,
    arcs: tuple[Arc, ...] = (),
    arc_machine: ArcMachine | None = None,
    arc_sample_spacing_deg: float = 20.0,
) -> AutoPlanResult:
    """Plan one case (see module docstring).

    ``progress`` gets a note per step, ``step("beams", ...)`` while the dose-influence matrix is
    computed and ``step("IMRT iterations", ...)`` while IMRT is optimised.

    Parameters
    ----------
    hu, ct_grid
        Planning CT in HU and its grid.
    dose_grid, masks
        Dose grid and boolean structure masks on it (must include ``body``, the target and every
        constrained structure).
    goal, constraints
        Target prescription and hard constraints.
    beams
        Beam arrangement (shared by 3DCRT and IMRT).
    technique
        ``auto`` (3DCRT, IMRT only if 3DCRT fails), ``3dcrt``, ``imrt`` or ``vmat`` (arcs,
        :mod:`hccrt.planning.vmat`; ``auto`` does not try VMAT yet).
    assess
        The plan-evaluation protocol check; a plan passes only if it passes too.
    target_dvh
        The target's contour-based DVH (that of ``hccrt evaluate``): when given, each finished
        plan is normalised on it (``coverage_pct`` % of the target volume at the coverage dose)
        instead of on the voxel-centre mask, and its coverage is reported on it.
    fractions
        Number of fractions: when given, each plan's quality (conformity, gradient, hot spots:
        :mod:`hccrt.planning.quality`) is part of whether it passes; 3DCRT is kept only when it
        meets the limits and the quality criteria.
    final_dose
        The final dose engine (e.g. collapsed cone, :func:`hccrt.dose.check.plan_dose`): when
        given, each finished plan's dose is recomputed with it, the plan renormalised on that
        dose (on ``target_dvh``) and judged on it; the beamlet dose stays the optimiser's.
    extra_goals
        Further targets with their own (not higher) prescriptions: IMRT optimises each one's
        coverage, the 3DCRT apertures cover them, both plans are normalised on ``goal`` and
        each target's coverage is checked (a plan passes only when every target is covered).
    extra_dvhs
        The extra targets' contour-based DVHs, by structure name: each extra target's
        coverage is read on its own (as the evaluation reads it), else on its voxel centres.
    arcs, arc_machine, arc_sample_spacing_deg
        VMAT only: the arcs (:func:`hccrt.planning.vmat.default_arcs` when empty; their
        isocentre is that of ``beams[0]``), the machine's delivery limits
        (:class:`hccrt.planning.vmat.ArcMachine`, UNCONFIRMED defaults) and the gantry spacing
        of the static beams that sample the arcs (degrees).
    """
    progress = as_progress(progress)
    say = progress.note
    timings: dict[str, float] = {}
    if technique not in ("auto", "3dcrt", "imrt", "vmat"):
        raise InputError("technique", "must be auto, 3dcrt, imrt or vmat", technique, "")
    samples = None
    arc_list = arcs or default_arcs()
    if technique == "vmat":
        if not beams:
            raise InputError("beams", "VMAT needs the isocentre of a beam", 0, "give one beam")
        samples = arc_samples(arc_list, beams[0].isocenter_mm, arc_sample_spacing_deg)
        beams = samples.beams
    target = masks.get(goal.structure)
    if target is None or not np.any(target):
        raise InputError(
            "target",
            "the prescription has no target: structure missing or empty on the dose grid",
            goal.structure,
            "contour the GTV/PTV or name the target with --target",
        )
    if body not in masks or not np.any(masks[body]):
        raise InputError("body", "outline missing or empty", body, "provide a BODY/External ROI")
    table = hu_table or HuDensityTable()
    collimator = mlc or millennium_like_mlc()
    start = time.perf_counter()
    density = table(hu)
    for extra in extra_goals:
        if extra.structure not in masks or not np.any(masks[extra.structure]):
            raise InputError(
                "target",
                "an extra target is missing or empty on the dose grid",
                extra.structure,
                "contour it or leave its prescription out",
            )
        target = target | masks[extra.structure]  # the beamlets cover every target
    k, j, i = np.nonzero(target)
    target_points = dose_grid.index_to_world(np.stack([k, j, i], axis=1).astype(np.float64))
    bixels = select_bixels(beams, target_points, BIXEL_MM, PENUMBRA_MARGIN_MM + BIXEL_MM)
    voxels = np.flatnonzero(masks[body].ravel())
    say(f"dose influence: {len(beams)} beams, {bixels.count} beamlets, {voxels.size} voxels")
    dij = compute_dose_influence(
        density,
        ct_grid,
        dose_grid,
        voxels,
        beams,
        bixels,
        on_beam=lambda done, total: progress.step("beams", done, total),
    )
    timings["dose_influence"] = time.perf_counter() - start
    problem = PlanningProblem.build(dij, masks, goal, constraints, extra_targets=extra_goals)

    judge = None
    if fractions is not None:
        course = fractions

        def judge(dose: npt.NDArray[np.float32]) -> PlanQuality:
            return assess_quality(
                dose, masks, goal.structure, body, goal.prescription_gy, dose_grid, course,
                other_targets=tuple(g.structure for g in extra_goals),
            )  # fmt: skip

    def finish(
        name: str,
        deliveries: tuple[BeamDelivery, ...],
        weights: npt.NDArray[np.float64],
        t0: float,
        shares: tuple[npt.NDArray[np.float64], ...] | None = None,
    ) -> PlanOutcome:
        deliveries, weights = _normalise_on_dvh(
            dij, deliveries, weights, masks, problem, target_dvh
        )
        deliveries = _with_isocenter_dose(dij, deliveries, weights, shares)
        dose = None
        if final_dose is not None:
            say(f"{name}: final dose of the plan and renormalisation on it")
            tick = time.perf_counter()
            dose = np.asarray(final_dose(deliveries), dtype=np.float32)
            factor = _dvh_factor(dose, masks, problem, target_dvh)
            deliveries, dose = _scaled(deliveries, factor), dose * np.float32(factor)
            deliveries = _beam_doses_of_final(deliveries, dose, dose_grid)
            timings[f"{name.lower()}_final_dose"] = time.perf_counter() - tick
        return plan_outcome(
            name,
            dij,
            deliveries,
            weights,
            masks,
            problem,
            time.perf_counter() - t0,
            assess,
            target_dvh,
            judge,
            dose_gy=dose,
            extra_dvhs=extra_dvhs,
        )

    plans = []
    infeasibility = ""
    if technique in ("auto", "3dcrt"):
        t0 = time.perf_counter()
        say("3DCRT: apertures and beam weights")
        conformal = plan_conformal(problem, collimator)
        deliveries = tuple(
            BeamDelivery(beam, (Segment(ap, float(mu)),) if mu > 0 else ())
            for beam, ap, mu in zip(beams, conformal.apertures, conformal.beam_mu, strict=True)
        )
        plans.append(finish("3DCRT", deliveries, conformal.weights_mu, t0))
        timings["3dcrt"] = time.perf_counter() - t0
    if technique == "imrt" or (technique == "auto" and not plans[0].passes):
        t0 = time.perf_counter()
        say("IMRT: fluence optimisation with hard constraints")
        try:
            result = optimise_imrt(
                problem,
                on_iteration=lambda done, total: progress.step("IMRT iterations", done, total),
            )
        except InfeasiblePlanError as error:
            infeasibility = str(error)
            result = None
        if result is not None:
            say("IMRT: leaf sequencing and final dose of the sequenced plan")
            deliveries, weights = _sequence(dij, collimator, result.weights_mu, problem)
            imrt = finish("IMRT", deliveries, weights, t0)
            boosted = _boosted_extra_targets(imrt, problem)
            if boosted:
                say("IMRT: an extra target is short on its contour DVH; re-optimised for it")
                retry = PlanningProblem.build(dij, masks, goal, constraints, extra_targets=boosted)
                try:
                    again = optimise_imrt(retry)
                except InfeasiblePlanError:
                    again = None
                if again is not None:
                    deliveries, weights = _sequence(dij, collimator, again.weights_mu, problem)
                    second = finish("IMRT", deliveries, weights, t0)
                    if _covered_extra_targets(second) > _covered_extra_targets(imrt):
                        imrt = second
            plans.append(imrt)
        timings["imrt"] = time.perf_counter() - t0
    if samples is not None:
        t0 = time.perf_counter()
        say("VMAT: fluence optimisation of the arc samples with hard constraints")
        arc_plan = None
        try:
            fluence = optimise_imrt(
                problem,
                on_iteration=lambda done, total: progress.step("IMRT iterations", done, total),
                smoothness_weight=FLUENCE_SMOOTHNESS_WEIGHT,
            )
            say("VMAT: arc sequencing and MU re-optimisation per control point")
            arc_plan = sequence_arcs(
                problem, arc_list, samples, collimator, fluence.weights_mu,
                machine=arc_machine, fractions=fractions or 1,
            )  # fmt: skip
        except InfeasiblePlanError as error:
            infeasibility = str(error)
        if arc_plan is not None:
            deliveries, weights, shares = _arc_deliveries(arc_plan, problem, beams[0].isocenter_mm)
            vmat = finish("VMAT", deliveries, weights, t0, shares)
            plans.append(replace(vmat, note=arc_summary(arc_plan, vmat.deliveries)))
            timings["vmat_beam_on_s_per_fraction"] = arc_beam_on_seconds(arc_plan, vmat.deliveries)
        timings["vmat"] = time.perf_counter() - t0
    if not plans:
        raise InfeasiblePlanError(
            "constraints", infeasibility or "no plan could be made", None, "see the message"
        )
    chosen, reason = _choose(plans, technique, infeasibility)
    return AutoPlanResult(chosen, tuple(plans), reason, dose_grid, goal, timings, infeasibility)


def _boosted_extra_targets(
    outcome: PlanOutcome, problem: PlanningProblem, most: float = 1.08
) -> tuple[TargetGoal, ...]:
    """The extra targets with their optimiser coverage dose raised by the shortfall of their
    D95 on the contour DVH (by at most ``most``), or ``()`` when every one is covered.

    The optimiser sees voxel centres; the evaluation reads a target's contour DVH, whose
    partly covered boundary voxels can put a small target several percent below its
    prescription. Only the primary target is renormalised (all MU scale with it), so an extra
    target is corrected by re-optimising it to a higher dose.
    """
    short = {
        t.structure: t
        for t in outcome.targets[1:]
        if not t.met and t.on == "contour DVH" and t.goal_pct == 95.0 and t.d95_gy > 0
    }
    if not short:
        return ()
    return tuple(
        replace(
            goal,
            coverage_dose_fraction=goal.coverage_dose_fraction
            * min(most, goal.prescription_gy / short[goal.structure].d95_gy),
        )
        if goal.structure in short
        else goal
        for goal in problem.extra_targets
    )


def _covered_extra_targets(outcome: PlanOutcome) -> tuple[int, float]:
    """How well the extra targets are covered: how many meet their goal, then the worst."""
    extra = outcome.targets[1:]
    return sum(t.met for t in extra), min((t.coverage_pct for t in extra), default=100.0)


def _sequence(
    dij: DoseInfluence,
    mlc: MlcModel,
    weights: npt.NDArray[np.float64],
    problem: PlanningProblem,
    levels: int = SEQUENCING_LEVELS,
) -> tuple[tuple[BeamDelivery, ...], npt.NDArray[np.float64]]:
    """Sequence every beam, then re-normalise the deliverable plan's coverage (all MU scaled
    by one factor, only as far as the hard constraints allow)."""
    bixels = dij.bixels
    delivered = np.zeros(bixels.count)
    deliveries = []
    for b, beam in enumerate(dij.beams):
        cols = bixels.of_beam(b)
        u, v = bixels.u_mm[cols], bixels.v_mm[cols]
        segments = sequence_beam(mlc, u, v, weights[cols], bixels.bixel_mm, levels)
        delivered[cols] = delivered_weights(mlc, segments, u, v, bixels.bixel_mm)
        deliveries.append(BeamDelivery(beam, segments))
    total = float(delivered.sum())
    normalised = normalise_coverage(problem, delivered)
    factor = float(normalised.sum()) / total if total > 0 else 1.0
    return _scaled(tuple(deliveries), factor), delivered * factor


def _normalise_on_dvh(
    dij: DoseInfluence,
    deliveries: tuple[BeamDelivery, ...],
    weights: npt.NDArray[np.float64],
    masks: Mapping[str, npt.NDArray[np.bool_]],
    problem: PlanningProblem,
    target_dvh: TargetDvh | None,
) -> tuple[tuple[BeamDelivery, ...], npt.NDArray[np.float64]]:
    """Scale all MU so that ``coverage_pct`` % of the target volume on ``target_dvh`` gets the
    coverage dose; scaling up is refused when it would break a hard constraint that holds
    (a constraint the plan already fails does not stop the normalisation: the plan is reported
    as failing it at the prescribed coverage)."""
    if target_dvh is None:
        return deliveries, weights
    factor = _dvh_factor(dij.dose_gy(weights), masks, problem, target_dvh)
    return _scaled(deliveries, factor), weights * factor


def _dvh_factor(
    dose: npt.NDArray[np.float32],
    masks: Mapping[str, npt.NDArray[np.bool_]],
    problem: PlanningProblem,
    target_dvh: TargetDvh | None,
) -> float:
    """The MU factor that puts the coverage dose on ``coverage_pct`` % of the target's
    contour DVH; 1 when there is no DVH, no dose, or scaling up would break a hard constraint
    that holds."""
    if target_dvh is None:
        return 1.0
    goal = problem.target
    level = target_dvh(dose).dose_at_percent(goal.coverage_pct)
    if not np.isfinite(level) or level <= 0:
        return 1.0
    factor = float(goal.coverage_dose_fraction * goal.prescription_gy / level)
    if factor > 1.0 and any(
        c.met(dose[masks[c.structure]]) and not c.met(dose[masks[c.structure]] * factor)
        for c in problem.constraints
        if c.hard
    ):
        return 1.0
    return factor


def _with_isocenter_dose(
    dij: DoseInfluence,
    deliveries: tuple[BeamDelivery, ...],
    weights: npt.NDArray[np.float64],
    shares: tuple[npt.NDArray[np.float64], ...] | None = None,
) -> tuple[BeamDelivery, ...]:
    """Each beam's whole-course dose at the voxel nearest its isocentre (the RTPLAN's
    BeamDose, per fraction, at the dose specification point); unset when that voxel is not in
    the dose-influence matrix. ``shares`` (arcs, whose beamlets are those of sample beams
    shared by several arcs): each delivery's own beamlet weights; the dose at the isocentre
    of ``weights`` is split between the deliveries in proportion to theirs."""
    if shares is not None:
        return _arc_isocenter_doses(dij, deliveries, weights, shares)
    result = []
    for b, delivery in enumerate(deliveries):
        index = np.rint(dij.grid.world_to_index(np.asarray([delivery.beam.isocenter_mm])))[0]
        dose = None
        if np.all((index >= 0) & (index < np.array(dij.grid.shape))):
            one = np.zeros(dij.grid.shape, dtype=bool)
            one[tuple(index.astype(np.int64))] = True
            rows = dij.rows_of(one)
            if rows.size:
                beam_weights = np.zeros_like(weights)
                cols = dij.bixels.of_beam(b)
                beam_weights[cols] = weights[cols]
                dose = float(dij.operator.rows(rows).matvec(beam_weights)[0])
        result.append(replace(delivery, isocenter_dose_gy=dose))
    return tuple(result)


def _arc_isocenter_doses(
    dij: DoseInfluence,
    deliveries: tuple[BeamDelivery, ...],
    weights: npt.NDArray[np.float64],
    shares: tuple[npt.NDArray[np.float64], ...],
) -> tuple[BeamDelivery, ...]:
    index = np.rint(dij.grid.world_to_index(np.asarray([deliveries[0].beam.isocenter_mm])))[0]
    if not np.all((index >= 0) & (index < np.array(dij.grid.shape))):
        return deliveries
    one = np.zeros(dij.grid.shape, dtype=bool)
    one[tuple(index.astype(np.int64))] = True
    rows = dij.rows_of(one)
    if not rows.size:
        return deliveries
    operator = dij.operator.rows(rows)
    own = np.array([float(operator.matvec(w)[0]) for w in shares])
    total = float(operator.matvec(weights)[0])
    if own.sum() <= 0:
        return deliveries
    return tuple(
        replace(d, isocenter_dose_gy=total * float(part) / float(own.sum()))
        for d, part in zip(deliveries, own, strict=True)
    )


def _arc_deliveries(
    arc_plan: ArcPlan, problem: PlanningProblem, isocenter_mm: tuple[float, float, float]
) -> tuple[tuple[BeamDelivery, ...], npt.NDArray[np.float64], tuple[npt.NDArray[np.float64], ...]]:
    """One delivery per arc (control points with their gantry angles), its beamlet weights,
    and the coverage renormalisation of :func:`_sequence` (all MU by one factor)."""
    deliveries = tuple(
        BeamDelivery(
            Beam(
                float(a.gantry_deg[0]),
                isocenter_mm,
                couch_deg=a.arc.couch_deg,
                collimator_deg=a.arc.collimator_deg,
                name=a.arc.name,
            ),
            a.segments(),
            gantry_deg=tuple(float(g) for g in a.gantry_deg),
            rotation=a.arc.rotation,
        )
        for a in arc_plan.arcs
    )
    delivered = arc_plan.weights_mu
    total = float(delivered.sum())
    factor = float(normalise_coverage(problem, delivered).sum()) / total if total > 0 else 1.0
    return _scaled(deliveries, factor), delivered * factor, arc_plan.arc_weights_mu


def _beam_doses_of_final(
    deliveries: tuple[BeamDelivery, ...], dose: npt.NDArray[np.float32], grid: Grid
) -> tuple[BeamDelivery, ...]:
    """Each beam's isocentre dose rescaled so that the beams add up to the final dose there.

    The final engine computes the plan as a whole; the split between the beams stays the
    beamlet dose's (the RTPLAN's BeamDose then sums to the reported dose at the dose reference
    point). Beams without an isocentre dose, or with a different isocentre, are left alone.
    """
    known = [d for d in deliveries if d.isocenter_dose_gy is not None]
    centres = {d.beam.isocenter_mm for d in deliveries}
    if not known or len(centres) != 1:
        return deliveries
    index = np.rint(grid.world_to_index(np.asarray([deliveries[0].beam.isocenter_mm])))[0]
    if not np.all((index >= 0) & (index < np.array(grid.shape))):
        return deliveries
    final = float(dose[tuple(index.astype(np.int64))])
    total = sum(float(d.isocenter_dose_gy or 0.0) for d in known)
    if total <= 0.0 or final <= 0.0:
        return deliveries
    ratio = final / total
    return tuple(
        d
        if d.isocenter_dose_gy is None
        else replace(d, isocenter_dose_gy=d.isocenter_dose_gy * ratio)
        for d in deliveries
    )


def _scaled(deliveries: tuple[BeamDelivery, ...], factor: float) -> tuple[BeamDelivery, ...]:
    """Every segment's MU (and the beam's isocentre dose, when known) times ``factor``."""
    return tuple(
        replace(
            d,
            segments=tuple(Segment(s.aperture, s.mu * factor) for s in d.segments),
            isocenter_dose_gy=None if d.isocenter_dose_gy is None else d.isocenter_dose_gy * factor,
        )
        for d in deliveries
    )


def _choose(
    plans: list[PlanOutcome], technique: str, infeasibility: str
) -> tuple[PlanOutcome, str]:
    if technique == "3dcrt":
        return plans[0], "3DCRT requested"
    if technique == "imrt":
        if len(plans) == 1 and plans[0].technique == "IMRT":
            return plans[0], "IMRT requested"
        raise InfeasiblePlanError("constraints", infeasibility, None, "")
    if technique == "vmat":
        if len(plans) == 1 and plans[0].technique == "VMAT":
            return plans[0], "VMAT requested"
        raise InfeasiblePlanError("constraints", infeasibility, None, "")
    conformal = plans[0]
    if conformal.passes:
        return (
            conformal,
            "3DCRT meets every hard constraint, the coverage goal and the plan-quality criteria "
            "(seed 000: 3DCRT first)",
        )
    failed = [c.label for c in conformal.constraints if c.hard and not c.met]
    failed += [f"protocol: {r}" for r in conformal.protocol_reasons]
    if conformal.quality is not None:
        failed += [f"plan quality: {f}" for f in conformal.quality.failures]
    if conformal.coverage_pct < conformal.coverage_goal_pct - 0.1:
        failed.append(
            f"coverage {conformal.coverage_pct:.1f} % < {conformal.coverage_goal_pct:g} %"
        )
    failed += [
        f"coverage of {t.structure} ({t.prescription_gy:g} Gy) {t.coverage_pct:.1f} % < "
        f"{t.goal_pct:g} %"
        for t in conformal.targets[1:]
        if not t.met
    ]
    why = "3DCRT fails " + ", ".join(failed)
    if len(plans) > 1:
        imrt = plans[1]
        verdict = "meets all requirements" if imrt.passes else "is the better of the two"
        return imrt, f"{why}; escalated to IMRT (seed 000), which {verdict}"
    return conformal, f"{why}; IMRT cannot meet them either: {infeasibility}"
