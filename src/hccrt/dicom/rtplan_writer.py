"""Write an RT Plan (photon, static step-and-shoot MLC beams) with pydicom.

One BeamSequence item per beam with the machine's beam-limiting devices (ASYMX, ASYMY jaws and
the MLCX leaf-pair boundaries), two control points per segment (cumulative meterset weights),
a FractionGroupSequence with BeamMeterset per fraction, a target DoseReference with the
prescription, and a ReferencedStructureSetSequence to the RTSTRUCT. Positions follow IEC 61217
beam-limiting-device coordinates at the isocentre plane (mm).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from hccrt import __version__
from hccrt.errors import InputError
from hccrt.planning.auto import BeamDelivery
from hccrt.planning.mlc import MlcModel

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
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
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


def _beam_item(number: int, delivery: BeamDelivery, mlc: MlcModel, machine: str) -> Dataset:
    beam = delivery.beam
    segments = delivery.segments
    if not segments:
        raise InputError(
            "beam", "has no MLC segment (zero MU)", beam.name, "remove the beam or re-plan"
        )
    opened = np.concatenate([s.aperture.leaves_mm[s.aperture.open_pairs] for s in segments])
    pairs_open = np.unique(np.concatenate([s.aperture.open_pairs for s in segments]))
    x_jaw = (float(opened[:, 0].min()), float(opened[:, 1].max()))
    y_jaw = (
        float(mlc.boundaries_mm[pairs_open.min()]),
        float(mlc.boundaries_mm[pairs_open.max() + 1]),
    )
    item = Dataset()
    item.BeamNumber = number
    item.BeamName = beam.name[:16]
    item.BeamDescription = beam.name
    item.BeamType = "STATIC"
    item.RadiationType = "PHOTON"
    item.TreatmentMachineName = machine
    item.PrimaryDosimeterUnit = "MU"
    item.SourceAxisDistance = float(beam.sad_mm)
    item.TreatmentDeliveryType = "TREATMENT"
    item.NumberOfWedges = 0
    item.NumberOfCompensators = 0
    item.NumberOfBoli = 0
    item.NumberOfBlocks = 0
    item.BeamLimitingDeviceSequence = DicomSequence(
        [_device("ASYMX", 1), _device("ASYMY", 1), _device("MLCX", mlc.pairs, mlc.boundaries_mm)]
    )
    total_mu = delivery.mu
    points: list[Dataset] = []
    cumulative = 0.0
    for segment in segments:
        leaves = segment.aperture.leaves_mm
        bank = np.concatenate([leaves[:, 0], leaves[:, 1]])
        for edge in (0, 1):
            cp = Dataset()
            cp.ControlPointIndex = len(points)
            if edge == 1:
                cumulative += segment.mu / total_mu
            cp.CumulativeMetersetWeight = round(min(cumulative, 1.0), 6)
            cp.BeamLimitingDevicePositionSequence = DicomSequence(
                [_position("ASYMX", x_jaw), _position("ASYMY", y_jaw), _position("MLCX", bank)]
            )
            if not points:
                cp.NominalBeamEnergy = 6.0
                cp.DoseRateSet = 600.0
                cp.GantryAngle = float(beam.gantry_deg % 360)
                cp.GantryRotationDirection = "NONE"
                cp.BeamLimitingDeviceAngle = 0.0
                cp.BeamLimitingDeviceRotationDirection = "NONE"
                cp.PatientSupportAngle = float(beam.couch_deg % 360)
                cp.PatientSupportRotationDirection = "NONE"
                cp.TableTopEccentricAngle = 0.0
                cp.TableTopEccentricRotationDirection = "NONE"
                cp.IsocenterPosition = [round(v, 2) for v in beam.isocenter_mm]
                cp.SourceToSurfaceDistance = float(beam.sad_mm)
            points.append(cp)
    points[-1].CumulativeMetersetWeight = 1.0
    item.NumberOfControlPoints = len(points)
    item.ControlPointSequence = DicomSequence(points)
    item.FinalCumulativeMetersetWeight = 1.0
    item.ReferencedPatientSetupNumber = 1
    return item


def write_rtplan(
    path: str | Path,
    deliveries: Sequence[BeamDelivery],
    mlc: MlcModel,
    prescription_gy: float,
    fractions: int,
    reference: PatientReference,
    label: str = "HCC",
    technique: str = "",
    machine: str = "GENERIC_6MV",
) -> str:
    """Write the plan; return its SOPInstanceUID.

    Parameters
    ----------
    deliveries
        Beams with their segments; segment MU are for the whole course (divided by
        ``fractions`` for BeamMeterset).
    prescription_gy, fractions
        Whole-course prescription to the target and number of fractions.
    reference
        Patient, study, Frame of Reference and RTSTRUCT identity.
    """
    if fractions < 1:
        raise InputError("fractions", "must be >= 1", fractions, "")
    ds = new_dataset(RTPLAN_CLASS, "RTPLAN", reference)
    ds.RTPlanLabel = label[:16]
    ds.RTPlanName = f"{label} {technique}".strip()[:64]
    ds.RTPlanDescription = f"{technique} plan made by hccrt {__version__}; not for clinical use"
    ds.RTPlanDate = ds.InstanceCreationDate
    ds.RTPlanTime = ds.InstanceCreationTime
    ds.RTPlanGeometry = "PATIENT"
    ds.ApprovalStatus = "UNAPPROVED"
    structure = Dataset()
    structure.ReferencedSOPClassUID = RTSTRUCT_CLASS
    structure.ReferencedSOPInstanceUID = reference.structure_set_uid
    ds.ReferencedStructureSetSequence = DicomSequence([structure])
    dose_ref = Dataset()
    dose_ref.DoseReferenceNumber = 1
    dose_ref.DoseReferenceUID = generate_uid()
    dose_ref.DoseReferenceStructureType = "SITE"
    dose_ref.DoseReferenceDescription = "target"
    dose_ref.DoseReferenceType = "TARGET"
    dose_ref.TargetPrescriptionDose = round(float(prescription_gy), 4)
    ds.DoseReferenceSequence = DicomSequence([dose_ref])
    setup = Dataset()
    setup.PatientSetupNumber = 1
    setup.PatientPosition = "HFS"
    ds.PatientSetupSequence = DicomSequence([setup])
    beams = [_beam_item(n, d, mlc, machine) for n, d in enumerate(deliveries, start=1)]
    ds.BeamSequence = DicomSequence(beams)
    group = Dataset()
    group.FractionGroupNumber = 1
    group.NumberOfFractionsPlanned = int(fractions)
    group.NumberOfBeams = len(beams)
    group.NumberOfBrachyApplicationSetups = 0
    refs = []
    for n, delivery in enumerate(deliveries, start=1):
        rb = Dataset()
        rb.ReferencedBeamNumber = n
        rb.BeamMeterset = round(delivery.mu / fractions, 3)
        refs.append(rb)
    group.ReferencedBeamSequence = DicomSequence(refs)
    ds.FractionGroupSequence = DicomSequence([group])
    ds.save_as(Path(path), enforce_file_format=True)
    return str(ds.SOPInstanceUID)
