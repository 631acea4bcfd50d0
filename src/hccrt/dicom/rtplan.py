"""Read the clinically relevant summary of an RTPLAN: prescription, fractions and beams.

Prescription: the TargetPrescriptionDose of each TARGET DoseReference (Gy, whole course). When
the plan stores none, ``prescription_dose_gy`` is ``None`` and a warning says so (beam doses x
fractions are reported separately as ``beam_dose_total_gy``, never silently used as the
prescription).
"""

from __future__ import annotations

from pathlib import Path

from pydicom.dataset import Dataset

from hccrt.core import BeamSummary, DoseReference, PlanSummary
from hccrt.dicom._common import read_dataset, require, text


def _number(value: object) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(str(value))
    except ValueError:
        return None


def read_rtplan(path: str | Path) -> PlanSummary:
    """Read an RTPLAN file into a :class:`PlanSummary`.

    Raises
    ------
    DicomInputError
        Not an RTPLAN or no SOPInstanceUID.
    """
    dataset, read_notes = read_dataset(path, "RTPLAN")
    notes = list(read_notes)
    references = tuple(_dose_reference(item) for item in dataset.get("DoseReferenceSequence", []))
    targets = [
        r.target_prescription_dose_gy
        for r in references
        if r.reference_type == "TARGET" and r.target_prescription_dose_gy is not None
    ]
    prescription = max(targets) if targets else None
    if prescription is None:
        notes.append("no TargetPrescriptionDose in the plan; supply the prescription explicitly")
    elif len(set(targets)) > 1:
        notes.append(
            f"several target prescription doses {sorted(set(targets))} Gy; the highest is used"
        )
    groups = list(dataset.get("FractionGroupSequence", []))
    fractions = tuple(
        int(g.NumberOfFractionsPlanned) for g in groups if "NumberOfFractionsPlanned" in g
    )
    if len(groups) > 1:
        notes.append(f"{len(groups)} fraction groups; 'fractions' is the first group's count")
    meterset: dict[int, tuple[float | None, float | None]] = {}
    if groups:
        for ref in groups[0].get("ReferencedBeamSequence", []):
            meterset[int(ref.ReferencedBeamNumber)] = (
                _number(ref.get("BeamMeterset")),
                _number(ref.get("BeamDose")),
            )
    beams = tuple(_beam(b, meterset) for b in dataset.get("BeamSequence", []))
    beam_doses = [b.beam_dose_gy for b in beams if b.beam_dose_gy is not None]
    total = sum(beam_doses) * fractions[0] if beam_doses and fractions else None
    if not text(dataset, "FrameOfReferenceUID"):
        notes.append(
            "the plan has no FrameOfReferenceUID (optional in RTPLAN); frame_of_reference_uid is "
            "empty - match the plan by its referenced structure set instead"
        )
    structure_sets = [
        text(r, "ReferencedSOPInstanceUID")
        for r in dataset.get("ReferencedStructureSetSequence", [])
    ]
    return PlanSummary(
        sop_instance_uid=str(require(dataset, "SOPInstanceUID", Path(path).name)),
        label=text(dataset, "RTPlanLabel"),
        name=text(dataset, "RTPlanName"),
        frame_of_reference_uid=text(dataset, "FrameOfReferenceUID"),
        referenced_structure_set_uid=structure_sets[0] if structure_sets else None,
        prescription_dose_gy=prescription,
        prescriptions=references,
        fractions=fractions[0] if fractions else None,
        fraction_groups=fractions,
        beams=beams,
        beam_dose_total_gy=total,
        patient_id=text(dataset, "PatientID"),
        approval_status=text(dataset, "ApprovalStatus"),
        warnings=tuple(notes),
    )


def _dose_reference(item: Dataset) -> DoseReference:
    roi = item.get("ReferencedROINumber")
    return DoseReference(
        number=int(item.get("DoseReferenceNumber", 0) or 0),
        description=text(item, "DoseReferenceDescription"),
        reference_type=text(item, "DoseReferenceType").upper(),
        structure_type=text(item, "DoseReferenceStructureType").upper(),
        target_prescription_dose_gy=_number(item.get("TargetPrescriptionDose")),
        referenced_roi_number=None if roi in (None, "") else int(roi),
    )


def _beam(beam: Dataset, meterset: dict[int, tuple[float | None, float | None]]) -> BeamSummary:
    points = list(beam.get("ControlPointSequence", []))
    first = points[0] if points else Dataset()
    last_gantry = [_number(p.get("GantryAngle")) for p in points if "GantryAngle" in p]
    gantry = _number(first.get("GantryAngle")) or 0.0
    iso = first.get("IsocenterPosition")
    number = int(beam.get("BeamNumber", 0) or 0)
    mu, dose = meterset.get(number, (None, None))
    return BeamSummary(
        number=number,
        name=text(beam, "BeamName") or f"Beam {number}",
        radiation_type=text(beam, "RadiationType").upper(),
        beam_type=text(beam, "BeamType").upper(),
        treatment_delivery_type=text(beam, "TreatmentDeliveryType").upper(),
        energy=_number(first.get("NominalBeamEnergy")),
        gantry_angle_deg=gantry,
        gantry_stop_deg=last_gantry[-1] if last_gantry and last_gantry[-1] is not None else gantry,
        couch_angle_deg=_number(first.get("PatientSupportAngle")) or 0.0,
        collimator_angle_deg=_number(first.get("BeamLimitingDeviceAngle")) or 0.0,
        monitor_units=mu,
        beam_dose_gy=dose,
        isocentre_mm=None if iso is None else (float(iso[0]), float(iso[1]), float(iso[2])),
        control_points=len(points),
    )
