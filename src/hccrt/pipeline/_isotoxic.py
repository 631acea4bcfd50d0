"""Isotoxic prescription: the highest dose level the normal liver tolerates (issue 13 item 5).

:func:`plan_isotoxic` plans the case once at the lowest dose level, scales that plan's dose
linearly to every level to predict the normal-liver mean (and, when asked, the LKB NTCP), plans
fully at the highest level predicted to pass, and steps down one level at a time when the full
plan fails (at most :data:`MAX_REPLANS` re-plans; the lowest level's plan is already made). A
level passes when the plan's normal-liver mean meets the planner's limit (the seed 000
Child-Pugh-specific limit, or the user's override), its NTCP is at most the chosen maximum, and
its target coverage goal is reached (a plan that holds the liver limit by giving up coverage is
not a plan at that level). No feasible level: :class:`InputError` with the lowest level's
liver mean against the limit.

Dose levels come from the seeds' dose series for the number of fractions
(:data:`hccrt.clinical.rules.fractionation.SEED_DOSE_SERIES`: 30-39 Gy/3 Korea, 39-52 Gy/3-8
Tianjin, 50-62 Gy/25-31 conventional) or are given explicitly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.core import Image, StructureSet
from hccrt.errors import InputError
from hccrt.pipeline._planning import EvaluationContext, PlannedCase, PlanRequest, plan_in_memory
from hccrt.planning.objectives import DoseConstraint, InfeasiblePlanError
from hccrt.planning.protocol import NORMAL_LIVER

__all__ = [
    "DEFAULT_NTCP_PARAMETERS",
    "ISOTOXIC_SOURCE",
    "MAX_REPLANS",
    "IsotoxicLevel",
    "IsotoxicPlan",
    "IsotoxicRequest",
    "isotoxic_dose_levels",
    "plan_isotoxic",
]

ISOTOXIC_SOURCE = (
    "individualised (isotoxic) prescription: the highest dose level whose normal-liver toxicity "
    "stays within the limit, as in the Michigan individualised-dose scheme (Dawson LA et al. "
    "IJROBP 2002;53:810-821; Ben-Josef E et al. J Clin Oncol 2005;23:8739-8747) and the RTOG "
    "1112 SBRT dose levels (UNCONFIRMED: not from the seeds; the search is hccrt's: plan at the "
    "lowest level, predict the others by linear dose scaling, re-plan at the highest predicted "
    "to pass, step down if it fails)"
)
"""Where the isotoxic scheme comes from (not from the seeds: labelled UNCONFIRMED)."""

DEFAULT_NTCP_PARAMETERS = "dawson2002_primary"
"""LKB parameters of the NTCP criterion: Dawson 2002 (Michigan), primary hepatobiliary cancer."""

NTCP_MAX_SOURCE = (
    "the maximum RILD NTCP is the user's choice (e.g. 5 % or 10 %: risk levels of the Michigan "
    "individualised-dose scheme, UNCONFIRMED)"
)

MAX_REPLANS = 3
"""Full re-plans above the lowest level before the search settles on the lowest level."""

_SPACING = (
    "levels spaced by hccrt (UNCONFIRMED, not from the seeds): steps of 10 % of the series' "
    "lowest dose rounded to whole Gy, the series' highest dose always included"
)


@dataclass(frozen=True)
class IsotoxicRequest:
    """What the isotoxic search looks for.

    Parameters
    ----------
    dose_levels_gy
        Whole-course dose levels (Gy); ``None``: the seeds' dose series for the number of
        fractions (:func:`isotoxic_dose_levels`).
    ntcp_max_pct
        Maximum LKB NTCP of RILD (%), in addition to the normal-liver mean limit; ``None``: the
        mean limit alone.
    ntcp_parameters
        LKB parameter set of the NTCP criterion
        (:func:`hccrt.radiobiology.list_ntcp_parameter_sets`).
    """

    dose_levels_gy: tuple[float, ...] | None = None
    ntcp_max_pct: float | None = None
    ntcp_parameters: str = DEFAULT_NTCP_PARAMETERS

    def __post_init__(self) -> None:
        from hccrt.radiobiology import get_ntcp_parameter_set
        from hccrt.radiobiology.dose_bands import TOTAL_DOSE, check_dose_gy

        if self.dose_levels_gy is not None:
            levels = [check_dose_gy("--dose-levels", d, TOTAL_DOSE) for d in self.dose_levels_gy]
            if not levels:
                raise InputError(
                    "--dose-levels", "needs at least one dose level", "", "e.g. 30,33,36,39"
                )
            if len(set(levels)) != len(levels):
                raise InputError(
                    "--dose-levels", "lists a dose level twice", self.dose_levels_gy,
                    "give each level once",
                )  # fmt: skip
            object.__setattr__(self, "dose_levels_gy", tuple(sorted(levels)))
        if self.ntcp_max_pct is not None and not (
            np.isfinite(self.ntcp_max_pct) and 0 < self.ntcp_max_pct < 100
        ):
            raise InputError(
                "--ntcp-max", "must be a percentage in (0, 100)", self.ntcp_max_pct, "e.g. 5 or 10"
            )
        get_ntcp_parameter_set(self.ntcp_parameters)  # unknown set: InputError naming the known


@dataclass(frozen=True)
class IsotoxicLevel:
    """One dose level: predicted (linear scaling of the lowest level's plan) and, when planned,
    achieved normal-liver mean (Gy) and NTCP (%)."""

    dose_gy: float
    dose_per_fraction_gy: float
    predicted_liver_mean_gy: float
    predicted_ntcp_pct: float | None
    predicted_pass: bool
    planned: bool = False
    liver_mean_gy: float | None = None
    ntcp_pct: float | None = None
    coverage_pct: float | None = None
    passes: bool | None = None
    plan_passes: bool | None = None
    note: str = ""


@dataclass(frozen=True, eq=False)
class IsotoxicPlan:
    """The plan at the chosen dose level, the table of levels and why that level."""

    planned: PlannedCase
    chosen_gy: float
    reason: str
    criterion: str
    levels: tuple[IsotoxicLevel, ...]
    levels_source: str

    def payload(self) -> dict[str, Any]:
        """The ``isotoxic`` entry of ``plan.json``."""
        return {
            "chosen_dose_gy": self.chosen_gy,
            "fractions": self.planned.request.fractions,
            "reason": self.reason,
            "criterion": self.criterion,
            "levels_source": self.levels_source,
            "source": ISOTOXIC_SOURCE,
            "levels": [dataclasses.asdict(level) for level in self.levels],
        }

    def notes(self) -> tuple[str, ...]:
        """One-line notes for the text output and the evaluation report."""
        table = "; ".join(
            f"{lv.dose_gy:g} Gy: liver mean {lv.predicted_liver_mean_gy:.1f} Gy"
            + ("" if lv.predicted_ntcp_pct is None else f", NTCP {lv.predicted_ntcp_pct:.1f} %")
            + (" pass" if lv.predicted_pass else " fail")
            for lv in self.levels
        )
        return (
            f"isotoxic prescription: {self.chosen_gy:g} Gy in {self.planned.request.fractions} "
            f"fractions; {self.reason}",
            f"isotoxic criterion: {self.criterion}",
            f"isotoxic levels (predicted by linear scaling): {table}",
            f"isotoxic source: {ISOTOXIC_SOURCE}; dose levels: {self.levels_source}",
        )


def isotoxic_dose_levels(
    fractions: int, explicit: Sequence[float] | None = None
) -> tuple[tuple[float, ...], str]:
    """Dose levels (Gy, ascending) for ``fractions`` fractions and where they come from.

    Parameters
    ----------
    fractions
        Number of fractions.
    explicit
        Levels given by the user (returned sorted, labelled as such).

    Raises
    ------
    InputError
        No seed dose series has that number of fractions and no levels were given.
    """
    from hccrt.clinical.rules.fractionation import SEED_DOSE_SERIES

    if explicit is not None:
        return tuple(sorted(float(d) for d in explicit)), "given with --dose-levels"
    levels: set[float] = set()
    used = []
    for series in SEED_DOSE_SERIES:
        if not series.covers(fractions):
            continue
        step = max(1.0, round(0.1 * series.low_gy))
        levels.update(float(d) for d in np.arange(series.low_gy, series.high_gy, step))
        levels.add(series.high_gy)
        counts = f"{series.min_fractions}-{series.max_fractions}"
        if series.min_fractions == series.max_fractions:
            counts = f"{series.min_fractions}"
        used.append(
            f"{series.rule_id} {series.low_gy:g}-{series.high_gy:g} Gy in {counts} fractions"
        )
    if not levels:
        known = ", ".join(
            f"{s.low_gy:g}-{s.high_gy:g} Gy/{s.min_fractions}-{s.max_fractions}"
            for s in SEED_DOSE_SERIES
        )
        raise InputError(
            "--fractions",
            f"no seed dose series has this number of fractions for --isotoxic (seeds: {known})",
            fractions,
            "give the dose levels with --dose-levels, e.g. --dose-levels 40,45,50",
        )
    return tuple(sorted(levels)), f"seed series {'; '.join(used)}; {_SPACING}"


def plan_isotoxic(
    ct: Image,
    structure_set: StructureSet,
    request: PlanRequest,
    isotoxic: IsotoxicRequest,
    context_for: Callable[[PlanRequest], EvaluationContext],
    progress: Callable[[str], None] | None = None,
) -> IsotoxicPlan:
    """Plan at the highest dose level the normal liver tolerates (see module docstring).

    Parameters
    ----------
    ct, structure_set
        Planning CT (:class:`hccrt.core.Image`) and structure set
        (:class:`hccrt.core.StructureSet`).
    request
        Fractions, technique, Child-Pugh class, beams and engine; its ``prescription_gy`` is
        replaced by each dose level.
    isotoxic
        Dose levels and the NTCP criterion.
    context_for
        The evaluation context of a request (its facts quote the level's prescription).
    progress
        Called with a message at each step.

    Raises
    ------
    InputError
        No level is feasible (the message gives the lowest level's liver mean against the limit)
        or a level's dose per fraction is implausible.
    """
    from hccrt.radiobiology import get_ntcp_parameter_set
    from hccrt.radiobiology.dose_bands import DOSE_PER_FRACTION, check_dose_gy

    say = progress or (lambda _m: None)
    if request.prescriptions:
        raise InputError(
            "--prescription", "cannot be combined with --isotoxic (one target is searched)",
            [roi for roi, _ in request.prescriptions], "plan the extra targets without --isotoxic",
        )  # fmt: skip
    levels, levels_source = isotoxic_dose_levels(request.fractions, isotoxic.dose_levels_gy)
    for level in levels:
        check_dose_gy("--dose-levels / --fractions", level / request.fractions, DOSE_PER_FRACTION)
    params = get_ntcp_parameter_set(isotoxic.ntcp_parameters)

    def plan_at(level: float) -> PlannedCase:
        say(f"isotoxic: planning at {level:g} Gy in {request.fractions} fractions")
        at = dataclasses.replace(request, prescription_gy=level)
        return plan_in_memory(ct, structure_set, at, context_for(at), say)

    base = plan_at(levels[0])
    made = {levels[0]: base}
    limit = _liver_limit(base)
    mean_limit = DoseConstraint(NORMAL_LIVER, "mean", limit.limit)
    criterion = f"normal-liver ({NORMAL_LIVER}) mean <= {limit.limit:g} Gy [{limit.source}]"
    if isotoxic.ntcp_max_pct is not None:
        criterion += (
            f" and LKB NTCP(RILD) <= {isotoxic.ntcp_max_pct:g} % with {params.label} "
            f"({params.status.value}; {params.source}); {NTCP_MAX_SOURCE}"
        )
    voxel_cc = base.case.dose_grid.voxel_volume_cc
    fractions = request.fractions

    def ntcp_pct(liver: npt.NDArray[np.floating]) -> float | None:
        if isotoxic.ntcp_max_pct is None or liver.size == 0:
            return None
        from hccrt.radiobiology import ntcp_lkb

        volume = np.full(liver.size, voxel_cc)
        return 100.0 * ntcp_lkb(liver, volume, params, fractions).ntcp

    def liver_ok(liver: npt.NDArray[np.floating], ntcp: float | None) -> bool:
        within = ntcp is None or ntcp <= float(isotoxic.ntcp_max_pct or 0.0) + 1e-9
        return mean_limit.met(liver) and within

    def achieved(planned: PlannedCase) -> tuple[float, float | None, float, bool]:
        chosen = planned.result.chosen
        liver = chosen.dose_gy[planned.masks[NORMAL_LIVER]].astype(np.float64)
        ntcp = ntcp_pct(liver)
        covered = chosen.coverage_pct >= chosen.coverage_goal_pct - 0.1
        return float(liver.mean()), ntcp, chosen.coverage_pct, liver_ok(liver, ntcp) and covered

    base_liver = base.result.chosen.dose_gy[base.masks[NORMAL_LIVER]].astype(np.float64)
    rows: list[IsotoxicLevel] = []
    for level in levels:
        scaled = base_liver * (level / levels[0])
        ntcp = ntcp_pct(scaled)
        rows.append(
            IsotoxicLevel(
                level, round(level / fractions, 4), float(scaled.mean()), ntcp,
                liver_ok(scaled, ntcp),
            )
        )  # fmt: skip
    mean0, ntcp0, cover0, pass0 = achieved(base)
    rows[0] = dataclasses.replace(
        rows[0], planned=True, liver_mean_gy=mean0, ntcp_pct=ntcp0, coverage_pct=cover0,
        passes=pass0,
    )  # fmt: skip
    if not pass0:
        ntcp_text = "" if ntcp0 is None else f", NTCP {ntcp0:.1f} %"
        raise InputError(
            "--isotoxic",
            f"no feasible dose level: even the lowest, {levels[0]:g} Gy in {fractions} fractions, "
            f"gives a normal-liver mean of {mean0:.1f} Gy (limit {limit.limit:g} Gy){ntcp_text} "
            f"and target coverage {cover0:.1f} % (goal {base.result.chosen.coverage_goal_pct:g} %)",
            list(levels),
            "lower the dose levels (--dose-levels), use more fractions, or review the limit",
        )
    candidates = [i for i in range(len(levels) - 1, 0, -1) if rows[i].predicted_pass]
    chosen_index, chosen_plan, failures = 0, base, []
    for i in candidates[:MAX_REPLANS]:
        try:
            planned = plan_at(levels[i])
        except InfeasiblePlanError as error:
            rows[i] = dataclasses.replace(rows[i], planned=True, passes=False, note=str(error))
            failures.append(f"{levels[i]:g} Gy: no plan ({error.rule})")
            continue
        made[levels[i]] = planned
        mean, ntcp, cover, ok = achieved(planned)
        rows[i] = dataclasses.replace(
            rows[i], planned=True, liver_mean_gy=mean, ntcp_pct=ntcp, coverage_pct=cover,
            passes=ok,
        )  # fmt: skip
        if ok:
            chosen_index, chosen_plan = i, planned
            break
        failures.append(
            f"{levels[i]:g} Gy planned: liver mean {mean:.1f} Gy, coverage {cover:.1f} %"
        )
    chosen_gy = levels[chosen_index]
    higher = [lv.dose_gy for lv in rows[chosen_index + 1 :]]
    best = rows[chosen_index]
    reason = (
        f"highest dose level meeting the criterion on its full plan (liver mean "
        f"{best.liver_mean_gy or 0.0:.1f} Gy"
    )
    if best.ntcp_pct is not None:
        reason += f", NTCP {best.ntcp_pct:.1f} %"
    reason += ")"
    if higher:
        predicted_fail = [
            f"{lv.dose_gy:g}" for lv in rows[chosen_index + 1 :] if not lv.predicted_pass
        ]
        if predicted_fail:
            reason += f"; predicted to fail: {', '.join(predicted_fail)} Gy"
        if failures:
            reason += f"; stepped down: {'; '.join(failures)}"
        untried = [f"{levels[i]:g}" for i in candidates[MAX_REPLANS:] if i > chosen_index]
        if untried:
            reason += f"; not re-planned (at most {MAX_REPLANS} re-plans): {', '.join(untried)} Gy"
    else:
        reason += "; it is the highest level offered"
    rows = [
        dataclasses.replace(row, plan_passes=made[row.dose_gy].result.chosen.passes)
        if row.dose_gy in made
        else row
        for row in rows
    ]
    if not chosen_plan.result.chosen.passes:
        outcome = chosen_plan.result.chosen
        missed = [*outcome.protocol_reasons]
        missed += [
            f"plan quality: {f}" for f in (outcome.quality.failures if outcome.quality else ())
        ]
        others = "; ".join(missed[:3]) or "see the evaluation"
        reason += (
            f"; the {chosen_plan.chosen} plan at this level meets the liver criterion but not "
            f"every other requirement ({others}): review it or choose a lower level"
        )
    result = IsotoxicPlan(chosen_plan, chosen_gy, reason, criterion, tuple(rows), levels_source)
    return _with_notes(result)


@dataclass(frozen=True)
class _LiverLimit:
    limit: float
    source: str


def _liver_limit(planned: PlannedCase) -> _LiverLimit:
    """The planner's normal-liver mean limit (seed 000 by Child-Pugh class, or the override)."""
    for c in planned.result.chosen.constraints:
        if c.structure == NORMAL_LIVER and c.label.startswith("mean("):
            return _LiverLimit(c.limit, c.source)
    raise InputError(  # plan_in_memory always adds it; kept for a clear message
        NORMAL_LIVER, "the plan has no normal-liver mean limit", None, "contour the liver"
    )


def _with_notes(result: IsotoxicPlan) -> IsotoxicPlan:
    """The chosen plan's evaluations carry the isotoxic notes (shown in the report)."""
    planned = result.planned
    notes = result.notes()
    evaluations = {
        technique: dataclasses.replace(e, warnings=(*e.warnings, *notes))
        for technique, e in planned.evaluations.items()
    }
    return dataclasses.replace(
        result, planned=dataclasses.replace(planned, evaluations=evaluations)
    )
