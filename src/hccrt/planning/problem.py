"""The planning problem: dose operator, structures as operator rows, goals and constraints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.planning.dij import DoseInfluence, DoseOperator
from hccrt.planning.objectives import DoseConstraint, TargetGoal

IntArray = npt.NDArray[np.int64]

MAX_NORMAL_TISSUE_ROWS = 20000
"""Normal-tissue voxels sampled (fixed seed) to steer the dose fall-off outside the target."""
MAX_MEAN_ONLY_ROWS = 12000
"""Voxels sampled (fixed seed) of a structure constrained only by its mean dose: the sample
mean is within about 1 % of the true mean; plans are always evaluated on every voxel."""


@dataclass(frozen=True, eq=False)
class PlanningProblem:
    """Everything the optimisers need, restricted to the rows that matter.

    ``rows[name]`` are positions in ``operator`` (the restricted operator) of each structure's
    voxels; ``operator`` stacks the target, constrained structures and a normal-tissue sample.
    ``extra_targets`` are further targets with their own (lower) prescriptions;
    ``rows[own_rows_key(name)]`` are an extra target's rows outside every target of a higher
    prescription (where its own overdose limit applies). ``target_voxels`` are the voxels of
    every target (the 3DCRT apertures cover them all).
    """

    dij: DoseInfluence = field(repr=False)
    target: TargetGoal
    constraints: tuple[DoseConstraint, ...]
    operator: DoseOperator = field(repr=False)
    rows: dict[str, IntArray] = field(repr=False)
    target_voxels: IntArray = field(repr=False)
    extra_targets: tuple[TargetGoal, ...] = ()

    @property
    def targets(self) -> tuple[TargetGoal, ...]:
        """The primary target, then the extra targets."""
        return (self.target, *self.extra_targets)

    @classmethod
    def build(
        cls,
        dij: DoseInfluence,
        masks: Mapping[str, npt.NDArray[np.bool_]],
        target: TargetGoal,
        constraints: tuple[DoseConstraint, ...],
        seed: int = 0,
        extra_targets: tuple[TargetGoal, ...] = (),
    ) -> PlanningProblem:
        """Collect the rows of the targets, constrained structures and normal tissue."""
        extras = tuple(sorted(extra_targets, key=lambda g: -g.prescription_gy))
        for goal in extras:
            if goal.prescription_gy > target.prescription_gy:
                raise InputError(
                    "extra_targets",
                    f"prescription above the primary target's {target.prescription_gy:g} Gy",
                    f"{goal.structure}={goal.prescription_gy:g}",
                    "make the highest-dose target the primary one",
                )
        names = [target.structure, *(g.structure for g in extras)]
        needed = [*names, *(c.structure for c in constraints)]
        for name in needed:
            if name not in masks:
                raise InputError(
                    "structure",
                    "named in a goal or constraint but not available",
                    name,
                    f"use one of {sorted(masks)}",
                )
        full_rows = {name: dij.rows_of(masks[name]) for name in dict.fromkeys(needed)}
        rng = np.random.default_rng(seed)
        for name in full_rows:
            kinds = {c.kind for c in constraints if c.structure == name}
            found = full_rows[name]
            if name not in names and kinds == {"mean"} and found.size > MAX_MEAN_ONLY_ROWS:
                full_rows[name] = np.sort(rng.choice(found, MAX_MEAN_ONLY_ROWS, replace=False))
        if full_rows[target.structure].size == 0:
            raise InputError(
                "target", "has no voxels in the dose grid", target.structure, "check the PTV"
            )
        higher = full_rows[target.structure]
        for goal in extras:
            full_rows[own_rows_key(goal.structure)] = np.setdiff1d(
                full_rows[goal.structure], higher
            )
            higher = np.union1d(higher, full_rows[goal.structure])
        outside = np.ones(dij.voxels.size, dtype=bool)
        outside[higher] = False
        normal = np.flatnonzero(outside)
        if normal.size > MAX_NORMAL_TISSUE_ROWS:
            normal = np.sort(rng.choice(normal, MAX_NORMAL_TISSUE_ROWS, replace=False))
        full_rows["_normal"] = normal
        union = np.unique(np.concatenate(list(full_rows.values())))
        position = np.full(dij.voxels.size, -1, dtype=np.int64)
        position[union] = np.arange(union.size)
        rows = {name: position[r] for name, r in full_rows.items()}
        target_voxels = dij.voxels[higher]
        return cls(dij, target, constraints, dij.operator.rows(union), rows, target_voxels, extras)

    def structure_dose(
        self, dose_rows: npt.NDArray[np.floating], name: str
    ) -> npt.NDArray[np.floating]:
        """Dose at one structure's rows from a dose vector over the restricted rows."""
        return dose_rows[self.rows[name]]


def own_rows_key(name: str) -> str:
    """Key of an extra target's rows outside every higher-dose target in ``rows``."""
    return f"_own:{name}"
