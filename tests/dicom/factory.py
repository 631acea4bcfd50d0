"""Build small, real DICOM files with pydicom for reader tests (CT slices, RTSTRUCT, RTDOSE)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_CLASS = "1.2.840.10008.5.1.4.1.1.2"
RTSTRUCT_CLASS = "1.2.840.10008.5.1.4.1.1.481.3"
RTDOSE_CLASS = "1.2.840.10008.5.1.4.1.1.481.2"


STUDY = "1.2.826.0.1.3680043.8.498.1"


def base_dataset(
    sop_class: str,
    modality: str,
    *,
    study: str = STUDY,
    patient: tuple[str, str] = ("TEST01", "Test^Patient"),
) -> Dataset:
    """A dataset with File Meta, SOP, modality, patient (ID, name) and study UID set."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.PatientID, ds.PatientName = patient
    ds.StudyInstanceUID = study
    return ds


def write_ct_series(
    folder: Path,
    positions_mm: Sequence[Sequence[float]],
    frame: str = "1.2.826.0.1.3680043.8.498.2",
    orientation: Sequence[float] = (1, 0, 0, 0, 1, 0),
    shape: tuple[int, int] = (4, 5),
    pixel_spacing: tuple[float, float] = (2.0, 1.5),
    slope: float = 1.0,
    intercept: float = -1024.0,
    series: str = "1.2.826.0.1.3680043.8.498.3",
    thickness: float | None = None,
) -> list[Path]:
    """Write one CT slice per position; slice n stores the value ``100 * n + 1100``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, position in enumerate(positions_mm):
        ds = base_dataset(CT_CLASS, "CT")
        ds.SeriesInstanceUID = series
        ds.FrameOfReferenceUID = frame
        ds.ImagePositionPatient = [float(v) for v in position]
        ds.ImageOrientationPatient = [float(v) for v in orientation]
        ds.PixelSpacing = list(pixel_spacing)
        if thickness is not None:
            ds.SliceThickness = thickness
        ds.Rows, ds.Columns = shape
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 0
        ds.RescaleSlope = slope
        ds.RescaleIntercept = intercept
        ds.InstanceNumber = len(positions_mm) - n
        pixels = np.full(shape, 100 * n + 1100, dtype=np.uint16)
        pixels[0, 0] = n
        ds.PixelData = pixels.tobytes()
        path = folder / f"s{series[-4:]}_{(7 * n) % len(positions_mm):03d}_{n}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def write_rtstruct(
    path: Path,
    rois: dict[str, list[tuple[str, npt.NDArray[np.float64]]]],
    frame: str = "1.2.826.0.1.3680043.8.498.2",
    series: str | None = "1.2.826.0.1.3680043.8.498.3",
    *,
    study: str = STUDY,
    patient: tuple[str, str] = ("TEST01", "Test^Patient"),
    interpreted_types: Mapping[str, str] | None = None,
) -> Path:
    """Write an RTSTRUCT; ``rois`` maps a name to ``(geometric type, (N, 3) points)`` items.

    ``interpreted_types`` maps ROI names to RTROIInterpretedType (``"ORGAN"`` otherwise).
    """
    ds = base_dataset(RTSTRUCT_CLASS, "RTSTRUCT", study=study, patient=patient)
    ds.SeriesInstanceUID = generate_uid()
    ds.StructureSetLabel = "TEST"
    ref_frame = Dataset()
    ref_frame.FrameOfReferenceUID = frame
    if series is not None:
        ref_series = Dataset()
        ref_series.SeriesInstanceUID = series
        ref_series.ContourImageSequence = DicomSequence([])
        study = Dataset()
        study.ReferencedSOPInstanceUID = ds.StudyInstanceUID
        study.RTReferencedSeriesSequence = DicomSequence([ref_series])
        ref_frame.RTReferencedStudySequence = DicomSequence([study])
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([ref_frame])
    ds.StructureSetROISequence = DicomSequence([])
    ds.ROIContourSequence = DicomSequence([])
    ds.RTROIObservationsSequence = DicomSequence([])
    for number, (name, contours) in enumerate(rois.items(), start=1):
        roi = Dataset()
        roi.ROINumber = number
        roi.ROIName = name
        roi.ReferencedFrameOfReferenceUID = frame
        ds.StructureSetROISequence.append(roi)
        item = Dataset()
        item.ReferencedROINumber = number
        item.ROIDisplayColor = [0, 255, 0]
        item.ContourSequence = DicomSequence([])
        for kind, points in contours:
            contour = Dataset()
            contour.ContourGeometricType = kind
            contour.NumberOfContourPoints = len(points)
            contour.ContourData = [f"{v:.6g}" for v in np.asarray(points).ravel()]
            item.ContourSequence.append(contour)
        ds.ROIContourSequence.append(item)
        observation = Dataset()
        observation.ObservationNumber = number
        observation.ReferencedROINumber = number
        observation.RTROIInterpretedType = (interpreted_types or {}).get(name, "ORGAN")
        ds.RTROIObservationsSequence.append(observation)
    ds.save_as(path, enforce_file_format=True)
    return path


def write_rtdose(
    path: Path,
    dose_gy: npt.NDArray[np.float64],
    offsets_mm: Sequence[float],
    origin_mm: Sequence[float] = (0.0, 0.0, 0.0),
    frame: str = "1.2.826.0.1.3680043.8.498.2",
    units: str = "GY",
    scaling: float = 1e-3,
) -> Path:
    """Write a multi-frame RTDOSE with uint32 pixels and the given frame offsets."""
    ds = base_dataset(RTDOSE_CLASS, "RTDOSE")
    ds.SeriesInstanceUID = generate_uid()
    ds.FrameOfReferenceUID = frame
    ds.ImagePositionPatient = [float(v) for v in origin_mm]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [2.0, 2.0]
    frames, rows, cols = dose_gy.shape
    ds.NumberOfFrames = frames
    ds.FrameIncrementPointer = pydicom.tag.Tag("GridFrameOffsetVector")
    ds.GridFrameOffsetVector = [float(v) for v in offsets_mm]
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 0
    ds.DoseUnits = units
    ds.DoseType = "PHYSICAL"
    ds.DoseSummationType = "PLAN"
    ds.DoseGridScaling = scaling
    ds.PixelData = np.round(dose_gy / scaling).astype(np.uint32).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def circle(
    radius_mm: float, z_mm: float, centre: tuple[float, float] = (0.0, 0.0), n: int = 360
) -> npt.NDArray[np.float64]:
    """Closed polygon approximating a circle in the axial plane ``z``."""
    angles = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return np.column_stack(
        [
            centre[0] + radius_mm * np.cos(angles),
            centre[1] + radius_mm * np.sin(angles),
            np.full(n, z_mm),
        ]
    )


RTPLAN_CLASS = "1.2.840.10008.5.1.4.1.1.481.5"


def write_rtplan(
    path: Path,
    beams: Sequence[Mapping[str, Any]],
    *,
    frame: str | None = "1.2.826.0.1.3680043.8.498.2",
    fractions: int = 5,
    position: str | None = "HFS",
) -> Path:
    """Write a photon RTPLAN. Each beam is a mapping with the keys (defaults in brackets):

    ``name``, ``mu`` [100], ``energy`` [6.0], ``machine`` ["LINAC1"], ``beam_type`` ["STATIC"],
    ``radiation`` ["PHOTON"], ``delivery`` ["TREATMENT"], ``devices``: ``(type, pairs,
    boundaries or None)`` items [ASYMX, ASYMY], ``extra``: beam attributes set as given, and
    ``points``: control points, mappings with ``weight`` and any of ``gantry``,
    ``rotation``, ``collimator``, ``couch``, ``iso`` and ``positions`` (device type to
    LeafJawPositions); keys left out are not written (DICOM's "unchanged"), except that the
    first point gets gantry/collimator/couch 0, rotation NONE, the isocentre (0, 0, 0),
    the energy and SSD 900 mm.
    """
    ds = base_dataset(RTPLAN_CLASS, "RTPLAN")
    ds.SeriesInstanceUID = generate_uid()
    if frame is not None:
        ds.FrameOfReferenceUID = frame
    ds.RTPlanLabel = "TEST"
    ds.RTPlanGeometry = "PATIENT"
    setup = Dataset()
    setup.PatientSetupNumber = 1
    if position is not None:
        setup.PatientPosition = position
    ds.PatientSetupSequence = DicomSequence([setup])
    ds.BeamSequence = DicomSequence([])
    refs = []
    for number, spec in enumerate(beams, start=1):
        beam = Dataset()
        beam.BeamNumber = number
        beam.BeamName = spec.get("name", f"B{number}")
        beam.BeamType = spec.get("beam_type", "STATIC")
        beam.RadiationType = spec.get("radiation", "PHOTON")
        beam.TreatmentDeliveryType = spec.get("delivery", "TREATMENT")
        beam.TreatmentMachineName = spec.get("machine", "LINAC1")
        beam.PrimaryDosimeterUnit = "MU"
        beam.SourceAxisDistance = 1000.0
        beam.ReferencedPatientSetupNumber = 1
        beam.NumberOfWedges = beam.NumberOfCompensators = beam.NumberOfBoli = 0
        beam.NumberOfBlocks = 0
        devices = spec.get("devices", (("ASYMX", 1, None), ("ASYMY", 1, None)))
        beam.BeamLimitingDeviceSequence = DicomSequence([])
        for kind, pairs, boundaries in devices:
            device = Dataset()
            device.RTBeamLimitingDeviceType = kind
            device.NumberOfLeafJawPairs = pairs
            if boundaries is not None:
                device.LeafPositionBoundaries = [float(b) for b in boundaries]
            beam.BeamLimitingDeviceSequence.append(device)
        beam.ControlPointSequence = DicomSequence([])
        for index, point in enumerate(spec["points"]):
            cp = Dataset()
            cp.ControlPointIndex = index
            defaults = (
                {"gantry": 0.0, "collimator": 0.0, "couch": 0.0, "rotation": "NONE"}
                if index == 0
                else {}
            )
            values = {**defaults, **point}
            if index == 0:
                cp.NominalBeamEnergy = spec.get("energy", 6.0)
                cp.IsocenterPosition = list(values.get("iso", (0.0, 0.0, 0.0)))
                cp.SourceToSurfaceDistance = 900.0
            if "gantry" in values:
                cp.GantryAngle = values["gantry"]
            if "rotation" in values:
                cp.GantryRotationDirection = values["rotation"]
            if "collimator" in values:
                cp.BeamLimitingDeviceAngle = values["collimator"]
            if "couch" in values:
                cp.PatientSupportAngle = values["couch"]
            if "positions" in values:
                cp.BeamLimitingDevicePositionSequence = DicomSequence([])
                for kind, positions in values["positions"].items():
                    item = Dataset()
                    item.RTBeamLimitingDeviceType = kind
                    item.LeafJawPositions = [float(v) for v in positions]
                    cp.BeamLimitingDevicePositionSequence.append(item)
            cp.CumulativeMetersetWeight = values["weight"]
            beam.ControlPointSequence.append(cp)
        beam.NumberOfControlPoints = len(beam.ControlPointSequence)
        beam.FinalCumulativeMetersetWeight = 1.0
        for keyword, value in spec.get("extra", {}).items():
            setattr(beam, keyword, value)
        ds.BeamSequence.append(beam)
        ref = Dataset()
        ref.ReferencedBeamNumber = number
        ref.BeamMeterset = spec.get("mu", 100.0)
        refs.append(ref)
    group = Dataset()
    group.FractionGroupNumber = 1
    group.NumberOfFractionsPlanned = fractions
    group.NumberOfBeams = len(refs)
    group.ReferencedBeamSequence = DicomSequence(refs)
    ds.FractionGroupSequence = DicomSequence([group])
    ds.save_as(path, enforce_file_format=True)
    return path
