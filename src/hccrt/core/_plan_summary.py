"""The clinically relevant summary of a plan: prescription, fractions and beams.

:class:`PlanSummary` is what :func:`hccrt.dicom.read_rtplan` returns and what the evaluation reads
(technique, prescription, fractions); :func:`summarize_plan` gives the same summary for a
:class:`hccrt.core.plan.Plan` held in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hccrt.core.plan import Plan

__all__ = ["BeamSummary", "DoseReference", "PlanSummary", "summarize_plan"]


@dataclass(frozen=True)
class DoseReference:
    """One DoseReferenceSequence item."""

    number: int
    description: str
    reference_type: str
    structure_type: str
    target_prescription_dose_gy: float | None
    referenced_roi_number: int | None


@dataclass(frozen=True)
class BeamSummary:
    """One beam (first control point geometry; MU from the fraction group).

    Attributes
    ----------
    gantry_angle_deg, couch_angle_deg, collimator_angle_deg
        Angles at the first control point (IEC 61217, degrees).
    gantry_stop_deg
        Gantry angle at the last control point (differs for arcs).
    monitor_units
        BeamMeterset per fraction (MU), ``None`` if the plan has none.
    beam_dose_gy
        BeamDose per fraction at the beam dose point (Gy), if stored.
    isocentre_mm
        IsocenterPosition (LPS mm), if stored.
    """

    number: int
    name: str
    radiation_type: str
    beam_type: str
    treatment_delivery_type: str
    energy: float | None
    gantry_angle_deg: float
    gantry_stop_deg: float
    couch_angle_deg: float
    collimator_angle_deg: float
    monitor_units: float | None
    beam_dose_gy: float | None
    isocentre_mm: tuple[float, float, float] | None
    control_points: int


@dataclass(frozen=True)
class PlanSummary:
    """Prescription, fractionation and beams of an RTPLAN.

    ``frame_of_reference_uid`` is ``""`` when the plan does not store one (a warning says so).
    """

    sop_instance_uid: str
    label: str
    name: str
    frame_of_reference_uid: str
    referenced_structure_set_uid: str | None
    prescription_dose_gy: float | None
    prescriptions: tuple[DoseReference, ...]
    fractions: int | None
    fraction_groups: tuple[int, ...]
    beams: tuple[BeamSummary, ...]
    beam_dose_total_gy: float | None
    patient_id: str = ""
    approval_status: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def dose_per_fraction_gy(self) -> float | None:
        """Prescription / fractions (Gy), when both are known."""
        if self.prescription_dose_gy is None or not self.fractions:
            return None
        return self.prescription_dose_gy / self.fractions


def _energy(label: str) -> float | None:
    match = re.match(r"^\s*([\d.]+)", label)
    return float(match[1]) if match else None


def summarize_plan(plan: Plan) -> PlanSummary:
    """The summary of a plan in memory, as :func:`hccrt.dicom.read_rtplan` would give it.

    Parameters
    ----------
    plan
        The plan (e.g. made by the planner, not yet written).

    Returns
    -------
    PlanSummary
        Prescription, fractions and one :class:`BeamSummary` per beam (angles of the first
        control point, gantry stop of the last, MU per fraction).
    """
    beams = tuple(
        BeamSummary(
            number=b.number,
            name=b.name,
            radiation_type="PHOTON",
            beam_type=b.beam_type,
            treatment_delivery_type="TREATMENT",
            energy=_energy(b.energy),
            gantry_angle_deg=b.control_points[0].gantry_deg,
            gantry_stop_deg=b.control_points[-1].gantry_deg,
            couch_angle_deg=b.control_points[0].couch_deg,
            collimator_angle_deg=b.control_points[0].collimator_deg,
            monitor_units=b.monitor_units,
            beam_dose_gy=b.beam_dose_gy,
            isocentre_mm=b.isocenter_mm,
            control_points=len(b.control_points),
        )
        for b in plan.beams
    )
    prescription = (
        DoseReference(1, "target", "TARGET", "SITE", plan.prescription_gy, None)
        if plan.prescription_gy is not None
        else None
    )
    doses = [b.beam_dose_gy for b in beams if b.beam_dose_gy is not None]
    return PlanSummary(
        sop_instance_uid=plan.sop_instance_uid,
        label=plan.label,
        name=plan.name,
        frame_of_reference_uid=plan.frame_of_reference_uid,
        referenced_structure_set_uid=plan.referenced_structure_set_uid,
        prescription_dose_gy=plan.prescription_gy,
        prescriptions=(prescription,) if prescription else (),
        fractions=plan.fractions,
        fraction_groups=(plan.fractions,),
        beams=beams,
        beam_dose_total_gy=sum(doses) * plan.fractions if doses else None,
    )
