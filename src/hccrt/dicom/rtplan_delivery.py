"""Read a photon RTPLAN in full into :class:`hccrt.core.plan.Plan` (every control point resolved).

What the summary reader (:mod:`hccrt.dicom.rtplan`) leaves out is read here: the beam-limiting
devices (X/ASYMX, Y/ASYMY jaws; MLCX/MLCY with their LeafPositionBoundaries, so any leaf
geometry, e.g. Millennium 120, HD120 or Agility, is taken from the file), every control point
with the values DICOM omits when unchanged carried forward, the BeamMeterset of the fraction
group, the isocentre and the SSD.

Nothing is skipped silently. Beams hccrt cannot compute are refused by name (electrons,
protons, wedges, blocks, compensators, applicators, a moving couch or collimator, a patient
position other than HFS); setup beams and treatment beams of 0 MU deliver no dose and are left
out with a note. A plan of 0 MU, control points out of order and cumulative meterset weights
that fall are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydicom.dataset import Dataset

from hccrt.core.plan import Beam, MlcGeometry, Plan
from hccrt.dicom._common import FloatArray, floats, read_dataset, require, text
from hccrt.dicom._rtplan_points import JAWS, MLCS, control_points
from hccrt.errors import DicomInputError

__all__ = ["RtplanDelivery", "read_rtplan_delivery"]

_COMPUTED_DELIVERY = ("", "TREATMENT", "TRMT_PORTFILM")
_REFUSED_ITEMS = (
    ("NumberOfWedges", "WedgeSequence", "wedge"),
    ("NumberOfBlocks", "BlockSequence", "block"),
    ("NumberOfCompensators", "CompensatorSequence", "compensator"),
    (None, "ApplicatorSequence", "applicator"),
)


@dataclass(frozen=True)
class RtplanDelivery:
    """A plan as the delivery layer reads it, with the identity the RTDOSE needs.

    Attributes
    ----------
    plan
        The treatment beams with resolved control points and MU per fraction.
    patient_id, patient_name, study_instance_uid
        Copied from the RTPLAN (an RTDOSE of this plan belongs to the same study).
    notes
        Everything left out or assumed, in sentences (setup beams, 0-MU beams, reading notes).
    """

    plan: Plan
    patient_id: str
    patient_name: str
    study_instance_uid: str
    notes: tuple[str, ...]


def read_rtplan_delivery(path: str | Path) -> RtplanDelivery:
    """Read a photon RTPLAN into a :class:`~hccrt.core.plan.Plan`.

    Parameters
    ----------
    path
        RTPLAN file.

    Returns
    -------
    RtplanDelivery
        The plan (MU per fraction from FractionGroupSequence BeamMeterset) and notes.

    Raises
    ------
    DicomInputError
        Not an RTPLAN, a beam hccrt cannot compute (named with the beam and the item), missing
        MU, a plan of 0 MU, control points out of order or falling meterset weights.
    """
    dataset, read_notes = read_dataset(path, "RTPLAN")
    notes = list(read_notes)
    groups = list(dataset.get("FractionGroupSequence", []))
    if len(groups) != 1:
        raise DicomInputError(
            "FractionGroupSequence",
            "exactly one fraction group is computed",
            len(groups),
            "export each fraction group as its own plan",
        )
    group = groups[0]
    fractions = int(require(group, "NumberOfFractionsPlanned", "FractionGroupSequence[1]"))
    meterset = {
        int(ref.ReferencedBeamNumber): ref
        for ref in group.get("ReferencedBeamSequence", [])
        if "ReferencedBeamNumber" in ref
    }
    positions = {
        int(item.PatientSetupNumber): text(item, "PatientPosition").upper()
        for item in dataset.get("PatientSetupSequence", [])
        if "PatientSetupNumber" in item
    }
    beams: list[Beam] = []
    for item in dataset.get("BeamSequence", []):
        beam = _treatment_beam(item, meterset, positions, notes)
        if beam is not None:
            beams.append(beam)
    if not beams or sum(b.monitor_units for b in beams) <= 0:
        raise DicomInputError(
            "BeamMeterset",
            "the plan delivers 0 MU (no treatment beam with monitor units)",
            0.0,
            "export the plan with its monitor units calculated",
        )
    references = [
        float(item.TargetPrescriptionDose)
        for item in dataset.get("DoseReferenceSequence", [])
        if text(item, "DoseReferenceType").upper() == "TARGET"
        and item.get("TargetPrescriptionDose") not in (None, "")
    ]
    structure_sets = [
        text(r, "ReferencedSOPInstanceUID")
        for r in dataset.get("ReferencedStructureSetSequence", [])
    ]
    plan = Plan(
        beams=tuple(beams),
        fractions=fractions,
        frame_of_reference_uid=text(dataset, "FrameOfReferenceUID"),
        prescription_gy=max(references) if references else None,
        sop_instance_uid=str(require(dataset, "SOPInstanceUID", Path(path).name)),
        label=text(dataset, "RTPlanLabel"),
        name=text(dataset, "RTPlanName"),
        referenced_structure_set_uid=structure_sets[0] if structure_sets else None,
    )
    return RtplanDelivery(
        plan=plan,
        patient_id=text(dataset, "PatientID"),
        patient_name=text(dataset, "PatientName"),
        study_instance_uid=text(dataset, "StudyInstanceUID"),
        notes=tuple(notes),
    )


def _treatment_beam(
    item: Dataset, meterset: dict[int, Dataset], positions: dict[int, str], notes: list[str]
) -> Beam | None:
    number = int(require(item, "BeamNumber", "BeamSequence"))
    name = text(item, "BeamName") or f"Beam {number}"
    label = f"beam {number} {name!r}"
    delivery = text(item, "TreatmentDeliveryType").upper()
    if delivery == "SETUP":
        notes.append(f"{label}: setup beam, ignored (it delivers no treatment dose)")
        return None
    if delivery not in _COMPUTED_DELIVERY:
        raise DicomInputError(
            f"{label} TreatmentDeliveryType",
            "only TREATMENT (and TRMT_PORTFILM) beams are computed",
            delivery,
            "remove the beam or compute it in the planning system",
        )
    radiation = text(item, "RadiationType").upper()
    if radiation != "PHOTON":
        raise DicomInputError(
            f"{label} RadiationType",
            "only photon beams are computed",
            radiation or "(missing)",
            "compute electron, proton and ion beams in the planning system",
        )
    _refuse_accessories(item, label)
    unit = text(item, "PrimaryDosimeterUnit").upper()
    if unit not in ("", "MU"):
        raise DicomInputError(
            f"{label} PrimaryDosimeterUnit", "must be MU", unit, "export a linac plan in MU"
        )
    setup_number = item.get("ReferencedPatientSetupNumber")
    position = positions.get(int(setup_number), "") if setup_number not in (None, "") else ""
    if position and position != "HFS":
        raise DicomInputError(
            f"{label} PatientPosition",
            "only head-first supine (HFS) beam geometry is modelled",
            position,
            "compute this plan in the planning system",
        )
    if not position:
        notes.append(f"{label}: no PatientPosition stored; head-first supine (HFS) assumed")
    reference = meterset.get(number)
    mu = None if reference is None else reference.get("BeamMeterset")
    if mu in (None, ""):
        raise DicomInputError(
            f"{label} BeamMeterset",
            "missing in the fraction group",
            None,
            "export the plan with its monitor units calculated",
        )
    monitor_units = float(mu)
    if monitor_units <= 0:
        notes.append(f"{label}: 0 MU in the fraction group, left out (it delivers no dose)")
        return None
    mlc = _devices(item, label)
    points, iso, ssd, energy = control_points(item, label, mlc)
    beam_type = text(item, "BeamType").upper()
    if beam_type not in ("STATIC", "DYNAMIC"):
        raise DicomInputError(f"{label} BeamType", "must be STATIC or DYNAMIC", beam_type, "")
    moving_gantry = any(p.gantry_rotation != "NONE" for p in points[:-1])
    if beam_type == "STATIC" and moving_gantry:
        raise DicomInputError(
            f"{label} GantryRotationDirection",
            "a STATIC beam must not rotate the gantry",
            "CW/CC",
            "check the plan export (arcs are DYNAMIC)",
        )
    dose = None if reference is None else reference.get("BeamDose")
    sad = item.get("SourceAxisDistance")
    if sad in (None, ""):
        notes.append(f"{label}: no SourceAxisDistance stored; 1000 mm assumed")
    return Beam(
        number=number,
        name=name,
        machine=text(item, "TreatmentMachineName"),
        energy=energy + _fluence_mode(item),
        beam_type="DYNAMIC" if beam_type == "DYNAMIC" else "STATIC",
        isocenter_mm=iso,
        control_points=points,
        monitor_units=monitor_units,
        sad_mm=1000.0 if sad in (None, "") else float(sad),
        mlc=mlc,
        ssd_mm=ssd,
        beam_dose_gy=None if dose in (None, "") else float(dose),
    )


def _refuse_accessories(item: Dataset, label: str) -> None:
    for count_keyword, sequence_keyword, what in _REFUSED_ITEMS:
        count = int(item.get(count_keyword, 0) or 0) if count_keyword else 0
        sequence = list(item.get(sequence_keyword, []))
        if count or sequence:
            first = sequence[0] if sequence else Dataset()
            detail = (
                text(first, "WedgeID")
                or text(first, "BlockName")
                or text(first, "CompensatorID")
                or text(first, "ApplicatorID")
                or f"{max(count, len(sequence))} item(s)"
            )
            raise DicomInputError(
                f"{label} {sequence_keyword}",
                f"beams with a {what} are not modelled",
                detail,
                f"compute this beam in the planning system, or re-plan it without the {what}",
            )
    boli = int(item.get("NumberOfBoli", 0) or 0)
    if boli:
        raise DicomInputError(
            f"{label} NumberOfBoli",
            "a bolus is referenced; hccrt computes on the CT as it is",
            boli,
            "add the bolus to the CT (HU override) and export the plan without the reference",
        )


def _fluence_mode(item: Dataset) -> str:
    for mode in item.get("PrimaryFluenceModeSequence", []):
        if text(mode, "FluenceMode").upper() == "NON_STANDARD":
            return text(mode, "FluenceModeID").upper() or "NON_STANDARD"
    return "MV"


def _devices(item: Dataset, label: str) -> MlcGeometry | None:
    mlc: MlcGeometry | None = None
    jaws: set[str] = set()
    for device in item.get("BeamLimitingDeviceSequence", []):
        kind = text(device, "RTBeamLimitingDeviceType").upper()
        if kind in JAWS:
            jaws.add(kind)
        elif kind in MLCS:
            if mlc is not None:
                raise DicomInputError(
                    f"{label} BeamLimitingDeviceSequence",
                    "only one MLC per beam is modelled",
                    f"{mlc.device_type} and {kind}",
                    "compute this beam in the planning system",
                )
            pairs = int(require(device, "NumberOfLeafJawPairs", label))
            edges = floats(
                require(device, "LeafPositionBoundaries", label),
                pairs + 1,
                f"{label} LeafPositionBoundaries",
            )
            device_type: Literal["MLCX", "MLCY"] = "MLCX" if kind == "MLCX" else "MLCY"
            mlc = MlcGeometry(device_type, edges, _mlc_name(edges))
        else:
            raise DicomInputError(
                f"{label} RTBeamLimitingDeviceType",
                "must be X, Y, ASYMX, ASYMY, MLCX or MLCY",
                kind,
                "compute this beam in the planning system",
            )
    if mlc is None and not jaws:
        raise DicomInputError(
            f"{label} BeamLimitingDeviceSequence",
            "the beam has no jaws and no MLC, so no field size",
            None,
            "export the beam-limiting devices with the plan",
        )
    return mlc


def _mlc_name(edges: FloatArray) -> str:
    widths = np.round(np.diff(edges), 2)
    pairs = widths.size
    if pairs == 60 and np.sum(widths == 5.0) == 40:
        return "Varian Millennium 120"
    if pairs == 60 and np.sum(widths == 2.5) == 32:
        return "Varian HD120"
    if pairs == 80 and np.all(widths == 5.0):
        return "Elekta Agility"
    return f"{pairs} leaf pairs"
