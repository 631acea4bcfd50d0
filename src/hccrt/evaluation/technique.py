"""Plan facts the evaluation needs: prescription, fractions and the delivery technique.

Technique from an RTPLAN (when not given by the user):

* ``imrt`` when a beam is an arc (gantry start != stop, VMAT) or a DYNAMIC beam has more than two
  control points (sliding-window IMRT) or a STATIC beam has more than two control points
  (step-and-shoot segments);
* ``3dcrt`` otherwise (static conformal fields);
* ``sbrt`` is never inferred (it is a fractionation choice): pass ``technique="sbrt"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hccrt.core import BeamSummary
from hccrt.errors import InputError
from hccrt.numbers import check_number
from hccrt.radiobiology.dose_bands import TOTAL_DOSE, check_dose_gy

TECHNIQUES = ("3dcrt", "imrt", "sbrt")

TECHNIQUE_RULE = (
    "Seed 000 (radiotherapy technique): 'the 3DCRT technique is generally used first; if the "
    "dosimetric requirements are not met, then IMRT is used, which is more suitable for patients "
    "with large hepatocellular carcinoma ... or patients with severe cirrhosis'."
)


@dataclass(frozen=True)
class PlanFacts:
    """What the evaluation needs to know about the plan.

    Parameters
    ----------
    fractions
        Number of fractions (>= 1).
    prescription_gy
        Prescribed total dose (Gy); ``None`` when unknown (percentage metrics are then not
        evaluable).
    technique
        ``3dcrt``, ``imrt``, ``sbrt`` or ``unknown``.
    technique_source
        Where the technique came from.
    label
        Plan label.
    beams
        Beam names.
    fractions_source, prescription_source
        Where the numbers came from (RTPLAN or the user).
    dose_files
        RTDOSE files summed into the evaluated dose.
    dose_max_gy
        Maximum of the evaluated dose grid (Gy).
    target_prescriptions_gy
        Targets with their own whole-course prescriptions, ``((ROI, Gy), ...)``: a target
        constraint on one of these ROIs (e.g. V95%) is read against its own prescription
        instead of ``prescription_gy``.
    """

    fractions: int
    prescription_gy: float | None
    technique: str = "unknown"
    technique_source: str = ""
    label: str = ""
    beams: tuple[str, ...] = ()
    fractions_source: str = ""
    prescription_source: str = ""
    dose_files: tuple[str, ...] = ()
    dose_max_gy: float | None = None
    target_prescriptions_gy: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if check_number("fractions", self.fractions) < 1 or self.fractions != int(self.fractions):
            raise InputError("fractions", "must be a whole number >= 1", self.fractions, "")
        if self.prescription_gy is not None:  # finite, > 0 and plausible in Gy (not cGy)
            check_dose_gy("prescription_gy", self.prescription_gy, TOTAL_DOSE)
        for roi, gy in self.target_prescriptions_gy:
            check_dose_gy(f"target_prescriptions_gy[{roi}]", gy, TOTAL_DOSE)
        if self.technique not in (*TECHNIQUES, "unknown"):
            raise InputError(
                "technique", f"must be one of {', '.join(TECHNIQUES)}", self.technique, ""
            )

    def prescription_of(self, roi: str) -> float | None:
        """The prescription a target ROI is judged against (Gy): its own, else the plan's."""
        return dict(self.target_prescriptions_gy).get(roi, self.prescription_gy)

    @property
    def dose_per_fraction_gy(self) -> float | None:
        """Prescription per fraction (Gy)."""
        return None if self.prescription_gy is None else self.prescription_gy / self.fractions


def technique_from_beams(beams: Sequence[BeamSummary]) -> tuple[str, str]:
    """Infer ``3dcrt``/``imrt`` from RTPLAN beam summaries, with the reason."""
    for beam in beams:
        if abs(float(beam.gantry_stop_deg) - float(beam.gantry_angle_deg)) > 1.0:
            return "imrt", f"beam '{beam.name}' is an arc (VMAT)"
        if int(beam.control_points) > 2:
            return "imrt", f"beam '{beam.name}' has {beam.control_points} control points"
    return "3dcrt", "static beams with at most two control points each"
