"""Default planning goals for conventionally or hypo-fractionated liver RT (seed 000).

The hard limit that decides between 3DCRT and IMRT is the seed's mean normal-liver dose
(normal liver = Liver minus GTV): 23 Gy for Child-Pugh A and 6 Gy for Child-Pugh B
(seed 000: "The tolerated dose (whole liver average dose) for liver is 23 Gy for Child-Pugh
class A patients and probably 6 Gy for Child-Pugh class B patients"). The organ-at-risk maxima
below are common conventional-fractionation planning limits (QUANTEC-era practice); they are
UNCONFIRMED defaults, reported with that status and overridable.
"""

from __future__ import annotations

from collections.abc import Mapping

from hccrt.errors import ClinicalInputError
from hccrt.planning.objectives import DoseConstraint

SEED_000 = "seed 000 (RT for HCC): whole-liver mean tolerance 23 Gy Child-Pugh A, 6 Gy Child-Pugh B"
NORMAL_LIVER = "Liver-GTV"

NORMAL_LIVER_MEAN_GY: Mapping[str, float] = {"A": 23.0, "B": 6.0}

OAR_DEFAULTS: tuple[tuple[str, str, float, str], ...] = (
    ("SpinalCord", "max", 45.0, "conventional planning limit (QUANTEC Dmax < 50 Gy); UNCONFIRMED"),
    ("Stomach", "max", 54.0, "conventional planning limit; UNCONFIRMED"),
    ("Duodenum", "max", 54.0, "conventional planning limit; UNCONFIRMED"),
    ("Bowel_Small", "max", 54.0, "conventional planning limit; UNCONFIRMED"),
    ("Kidney_L", "mean", 18.0, "QUANTEC bilateral mean < 18 Gy applied per kidney; UNCONFIRMED"),
    ("Kidney_R", "mean", 18.0, "QUANTEC bilateral mean < 18 Gy applied per kidney; UNCONFIRMED"),
)


def default_constraints(
    child_pugh_class: str, available: set[str], normal_liver_mean_gy: float | None = None
) -> tuple[DoseConstraint, ...]:
    """Hard constraints for the structures present: normal-liver mean plus OAR defaults.

    Parameters
    ----------
    child_pugh_class
        ``"A"`` or ``"B"`` (seed 000 gives no limit for class C: planning is refused).
    available
        Structure names that exist (the normal liver must be among them).
    normal_liver_mean_gy
        Override of the seed's limit (reported as such).
    """
    cls = child_pugh_class.strip().upper()
    if cls not in NORMAL_LIVER_MEAN_GY:
        raise ClinicalInputError(
            "child_pugh_class",
            "seed 000 gives a normal-liver tolerance only for Child-Pugh A (23 Gy) and B (6 Gy)",
            child_pugh_class,
            "use A or B; class C is outside the seed's indications for liver RT",
        )
    if normal_liver_mean_gy is None:
        limit, source = NORMAL_LIVER_MEAN_GY[cls], f"{SEED_000} (class {cls})"
    else:
        limit, source = float(normal_liver_mean_gy), "user override of the seed 000 limit"
    constraints = [DoseConstraint(NORMAL_LIVER, "mean", limit, source=source)]
    for name, kind, dose, src in OAR_DEFAULTS:
        if name in available:
            constraints.append(DoseConstraint(name, kind, dose, source=src))  # type: ignore[arg-type]
    return tuple(constraints)
