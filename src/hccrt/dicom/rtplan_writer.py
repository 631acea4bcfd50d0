"""Write an RT Plan (photon, static step-and-shoot MLC beams) with pydicom.

The plan is a :class:`hccrt.core.Plan` record (the planner's result converted by
:func:`hccrt.planning.plan_record`). One BeamSequence item per beam with its beam-limiting
devices (ASYMX, ASYMY jaws and the MLCX leaf-pair boundaries), one control point per record
control point (the planner gives two per segment, cumulative meterset weights),
a FractionGroupSequence with BeamMeterset per fraction, a target DoseReference with the
prescription, and a ReferencedStructureSetSequence to the RTSTRUCT. Positions follow IEC 61217
beam-limiting-device coordinates at the isocentre plane (mm).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import generate_uid

from hccrt import __version__
from hccrt.core import Beam, Plan
from hccrt.dicom._common import file_meta
from hccrt.errors import InputError
from hccrt.geometry.grid import require_same_frame

RTPLAN_CLASS = "1.2.840.10008.5.1.4.1.1.481.5"
RTSTRUCT_CLASS = "1.2.840.10008.5.1.4.1.1.481.3"


@dataclass(frozen=True)
class PatientReference:
    """Identity and references copied from the planning CT and RTSTRUCT."""

    patient_id: str
    patient_name: str
    study_instance_uid: str
    frame_of_reference_uid: str
    structure_set_uid: str


def new_dataset(sop_class: str, modality: str, ref: PatientReference) -> Dataset:
    """A dataset with file meta, SOP identity, patient/study modules and a new series."""
    meta = file_meta(sop_class, generate_uid())
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    now = _dt.datetime.now(_dt.UTC)
    ds.InstanceCreationDate = now.strftime("%Y%m%d")
    ds.InstanceCreationTime = now.strftime("%H%M%S")
    ds.PatientID = ref.patient_id
    ds.PatientName = ref.patient_name
    ds.PatientBirthDate = ""
    ds.PatientSex = ""
    ds.StudyInstanceUID = ref.study_instance_uid
    ds.StudyDate = ""
    ds.StudyTime = ""
    ds.StudyID = ""
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 1
    ds.FrameOfReferenceUID = ref.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.Manufacturer = "hccrt"
    ds.SoftwareVersions = __version__
    ds.OperatorsName = ""
    return ds


def _device(kind: str, pairs: int, boundaries: npt.ArrayLike | None = None) -> Dataset:
    item = Dataset()
    item.RTBeamLimitingDeviceType = kind
    item.NumberOfLeafJawPairs = pairs
    if boundaries is not None:
        item.LeafPositionBoundaries = [float(b) for b in np.asarray(boundaries).ravel()]
    return item


def _position(kind: str, values: npt.ArrayLike) -> Dataset:
    item = Dataset()
    item.RTBeamLimitingDeviceType = kind
    item.LeafJawPositions = [round(float(v), 2) for v in np.asarray(values).ravel()]
    return item


def _energy_mev(label: str) -> float:
    match = re.match(r"^\s*([\d.]+)", label)
    if match is None:
        raise InputError("energy", "must start with the nominal energy", label, "e.g. 6MV")
    return float(match[1])


def _beam_item(beam: Beam) -> Dataset:
    mlc = beam.mlc
    item = Dataset()
    item.BeamNumber = beam.number
    item.BeamName = beam.name[:16]
    item.BeamDescription = beam.name
    item.BeamType = beam.beam_type
    item.RadiationType = "PHOTON"
    item.TreatmentMachineName = beam.machine
    item.PrimaryDosimeterUnit = "MU"
    item.SourceAxisDistance = float(beam.sad_mm)
    item.TreatmentDeliveryType = "TREATMENT"
    item.NumberOfWedges = 0
    item.NumberOfCompensators = 0
    item.NumberOfBoli = 0
    item.NumberOfBlocks = 0
    devices = [_device("ASYMX", 1), _device("ASYMY", 1)]
    if mlc is not None:
        devices.append(_device(mlc.device_type, mlc.pairs, mlc.boundaries_mm))
    item.BeamLimitingDeviceSequence = DicomSequence(devices)
    points: list[Dataset] = []
    for point in beam.control_points:
        cp = Dataset()
        cp.ControlPointIndex = len(points)
        cp.CumulativeMetersetWeight = round(point.cumulative_meterset_weight, 6)
        positions = []
        if point.jaw_x_mm is not None:
            positions.append(_position("ASYMX", point.jaw_x_mm))
        if point.jaw_y_mm is not None:
            positions.append(_position("ASYMY", point.jaw_y_mm))
        if mlc is not None and point.leaves is not None:
            leaves = point.leaves.positions_mm
            positions.append(
                _position(mlc.device_type, np.concatenate([leaves[:, 0], leaves[:, 1]]))
            )
        cp.BeamLimitingDevicePositionSequence = DicomSequence(positions)
        if not points:
            cp.NominalBeamEnergy = _energy_mev(beam.energy)
            cp.DoseRateSet = 600.0
            cp.GantryAngle = float(point.gantry_deg % 360)
            cp.GantryRotationDirection = point.gantry_rotation
            cp.BeamLimitingDeviceAngle = float(point.collimator_deg % 360)
            cp.BeamLimitingDeviceRotationDirection = "NONE"
            cp.PatientSupportAngle = float(point.couch_deg % 360)
            cp.PatientSupportRotationDirection = "NONE"
            cp.TableTopEccentricAngle = 0.0
            cp.TableTopEccentricRotationDirection = "NONE"
            cp.IsocenterPosition = [round(v, 2) for v in beam.isocenter_mm]
            if beam.ssd_mm is not None:
                cp.SourceToSurfaceDistance = float(beam.ssd_mm)
        elif beam.is_arc:  # an arc: every control point has its gantry angle (C.8.8.14.5)
            cp.GantryAngle = float(point.gantry_deg % 360)
            cp.GantryRotationDirection = point.gantry_rotation
        points.append(cp)
    item.NumberOfControlPoints = len(points)
    item.ControlPointSequence = DicomSequence(points)
    item.FinalCumulativeMetersetWeight = 1.0
    item.ReferencedPatientSetupNumber = 1
    item.ReferencedToleranceTableNumber = 1
    return item


TOLERANCES = {
    "GantryAngleTolerance": 1.0,
    "BeamLimitingDeviceAngleTolerance": 1.0,
    "PatientSupportAngleTolerance": 1.0,
    "TableTopVerticalPositionTolerance": 10.0,
    "TableTopLongitudinalPositionTolerance": 10.0,
    "TableTopLateralPositionTolerance": 10.0,
}
"""Record-and-verify tolerances (degrees; mm) of the one tolerance table, with 2 mm for jaws and
leaves: generic departmental values (UNCONFIRMED; a clinic replaces them with its own)."""


def _tolerance_table() -> Dataset:
    table = Dataset()
    table.ToleranceTableNumber = 1
    table.ToleranceTableLabel = "HCCRT_GENERIC"
    for keyword, value in TOLERANCES.items():
        setattr(table, keyword, value)
    devices = []
    for kind in ("ASYMX", "ASYMY", "MLCX"):
        device = Dataset()
        device.RTBeamLimitingDeviceType = kind
        device.BeamLimitingDevicePositionTolerance = 2.0
        devices.append(device)
    table.BeamLimitingDeviceToleranceSequence = DicomSequence(devices)
    return table


def write_rtplan(
    path: str | Path,
    plan: Plan,
    reference: PatientReference,
    technique: str = "",
    target_roi_number: int | None = None,
) -> str:
    """Write the plan; return its SOPInstanceUID.

    Parameters
    ----------
    path
        File to write.
    plan
        Beams, control points, MU per fraction, fractions and prescription
        (e.g. :func:`hccrt.planning.plan_record`).
    reference
        Patient, study, Frame of Reference and RTSTRUCT identity.
    technique
        Technique named in RTPlanName and RTPlanDescription (e.g. ``"3DCRT"``).
    target_roi_number
        ROI number of the prescription's target in the referenced structure set: the dose
        reference is then a VOLUME referring to it (else a SITE).

    Returns
    -------
    str
        The SOPInstanceUID of the written plan.

    Raises
    ------
    GeometryMismatchError
        The plan's Frame of Reference is not the reference's.
    """
    if plan.frame_of_reference_uid:
        require_same_frame(plan.frame_of_reference_uid, reference.frame_of_reference_uid, "RTPLAN")
    label = plan.label or "HCC"
    ds = new_dataset(RTPLAN_CLASS, "RTPLAN", reference)
    ds.RTPlanLabel = label[:16]
    ds.RTPlanName = (plan.name or f"{label} {technique}").strip()[:64]
    ds.RTPlanDescription = f"{technique} plan made by hccrt {__version__}; not for clinical use"
    ds.RTPlanDate = ds.InstanceCreationDate
    ds.RTPlanTime = ds.InstanceCreationTime
    ds.RTPlanGeometry = "PATIENT"
    ds.ApprovalStatus = "UNAPPROVED"
    structure = Dataset()
    structure.ReferencedSOPClassUID = RTSTRUCT_CLASS
    structure.ReferencedSOPInstanceUID = reference.structure_set_uid
    ds.ReferencedStructureSetSequence = DicomSequence([structure])
    if plan.prescription_gy is not None:
        dose_ref = Dataset()
        dose_ref.DoseReferenceNumber = 1
        dose_ref.DoseReferenceUID = generate_uid()
        if target_roi_number is None:
            dose_ref.DoseReferenceStructureType = "SITE"
        else:
            dose_ref.DoseReferenceStructureType = "VOLUME"
            dose_ref.ReferencedROINumber = int(target_roi_number)
        dose_ref.DoseReferenceDescription = (plan.target_roi or "target")[:64]
        dose_ref.DoseReferenceType = "TARGET"
        dose_ref.TargetPrescriptionDose = round(float(plan.prescription_gy), 4)
        ds.DoseReferenceSequence = DicomSequence([dose_ref])
    setup = Dataset()
    setup.PatientSetupNumber = 1
    setup.PatientPosition = "HFS"
    ds.PatientSetupSequence = DicomSequence([setup])
    ds.ToleranceTableSequence = DicomSequence([_tolerance_table()])
    ds.BeamSequence = DicomSequence([_beam_item(beam) for beam in plan.beams])
    group = Dataset()
    group.FractionGroupNumber = 1
    group.NumberOfFractionsPlanned = plan.fractions
    group.NumberOfBeams = len(plan.beams)
    group.NumberOfBrachyApplicationSetups = 0
    refs = []
    for beam in plan.beams:
        rb = Dataset()
        rb.ReferencedBeamNumber = beam.number
        rb.BeamMeterset = round(beam.monitor_units, 3)
        if beam.beam_dose_gy is not None:
            rb.BeamDoseSpecificationPoint = [round(v, 2) for v in beam.isocenter_mm]
            rb.BeamDose = round(beam.beam_dose_gy, 5)
        refs.append(rb)
    group.ReferencedBeamSequence = DicomSequence(refs)
    ds.FractionGroupSequence = DicomSequence([group])
    ds.save_as(Path(path), enforce_file_format=True)
    return str(ds.SOPInstanceUID)
