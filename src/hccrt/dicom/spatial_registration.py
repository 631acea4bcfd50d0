"""Write and read DICOM Spatial Registration (rigid) and Deformable Spatial Registration objects.

highdicom does not write REG objects, so they are built here with pydicom.

* **Spatial Registration** (PS3.3 A.39.1, C.20.2): the object's Frame of Reference is the fixed
  (registered) one, the planning CT's. Its RegistrationSequence has one item per frame: the
  fixed frame with the identity, the moving frame (e.g. the MR) with the RIGID matrix that maps a
  point of the moving frame into the fixed one (C.20.2.1.1), i.e. ``moving_to_fixed``.
* **Deformable Spatial Registration** (A.39.2, C.20.3): one DeformableRegistrationSequence item
  whose Source Frame of Reference is the moving one. Registered (fixed) coordinates are mapped to
  the source as ``x_source = post @ (pre @ x_fixed + v)`` (C.20.3.1.1); hccrt writes
  ``pre = inverse(moving_to_fixed)``, ``post = identity`` and ``v`` on a grid of the fixed frame
  (VectorGridData, float32, mm).
* Both reference every image of both series (Referenced Image Sequence of each item and the
  Common Instance Reference module), so a reader can tell which series were registered.

:func:`read_spatial_registration` reads either kind back into a :class:`SpatialRegistration`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID, ExplicitVRLittleEndian

from hccrt import __version__
from hccrt.dicom._common import floats, read_dataset, require, text
from hccrt.dicom.ct import IMAGE_MODALITIES
from hccrt.dicom.ct_reference import PatientStudy
from hccrt.dicom.ct_writer import format_ds, make_uid
from hccrt.errors import DicomInputError, InputError
from hccrt.geometry.grid import Grid

SPATIAL_REGISTRATION_STORAGE = "1.2.840.10008.5.1.4.1.1.66.1"
DEFORMABLE_SPATIAL_REGISTRATION_STORAGE = "1.2.840.10008.5.1.4.1.1.66.3"
_RIGID_TOLERANCE = 1e-4
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SeriesReference:
    """The images of one series, as a registration object references them."""

    study_instance_uid: str
    series_instance_uid: str
    frame_of_reference_uid: str
    modality: str
    images: tuple[tuple[str, str], ...]
    """``(SOPClassUID, SOPInstanceUID)`` of every image."""
    patient: PatientStudy | None = None

    @classmethod
    def from_directory(cls, directory: str | Path) -> SeriesReference:
        """Read the headers of the image files (CT, MR, PT) of one series in a folder."""
        root = Path(directory)
        files = sorted(p for p in root.glob("*") if p.is_file() and not p.name.startswith("."))
        datasets = []
        for path in files:
            try:
                datasets.append(read_dataset(path, IMAGE_MODALITIES, stop_before_pixels=True)[0])
            except DicomInputError:
                continue
        if not datasets:
            raise DicomInputError(
                str(root), "holds no CT/MR/PT image", None, "give a series folder"
            )
        series = {text(ds, "SeriesInstanceUID") for ds in datasets}
        frames = {text(ds, "FrameOfReferenceUID") for ds in datasets}
        if len(series) != 1:
            raise DicomInputError(str(root), "holds several series", sorted(series), "split them")
        if frames == {""} or len(frames) != 1:
            raise InputError(
                str(root),
                "image series without one Frame of Reference UID",
                sorted(frames),
                "re-export the series with its FrameOfReferenceUID",
            )
        first = datasets[0]
        return cls(
            study_instance_uid=text(first, "StudyInstanceUID"),
            series_instance_uid=series.pop(),
            frame_of_reference_uid=frames.pop(),
            modality=text(first, "Modality"),
            images=tuple((str(ds.SOPClassUID), str(ds.SOPInstanceUID)) for ds in datasets),
            patient=PatientStudy.from_dataset(first),
        )


@dataclass(frozen=True)
class DeformationField:
    """A DICOM deformation grid: ``x_moving = pre @ x_fixed + v(x_fixed)`` on ``grid``."""

    grid: Grid
    vectors_mm: npt.NDArray[np.float32] = field(repr=False)
    pre_matrix: FloatArray = field(repr=False)


@dataclass(frozen=True)
class SpatialRegistration:
    """A registration object read back (or to write).

    Attributes
    ----------
    fixed, moving
        The registered series (frame, series and image UIDs).
    moving_to_fixed
        4x4 rigid matrix, LPS mm (for a deformable object: the inverse of its pre-deformation
        matrix).
    deformation
        The deformation grid of a Deformable Spatial Registration, else ``None``.
    sop_instance_uid, description
        Identity and content description of the object.
    """

    fixed: SeriesReference
    moving: SeriesReference
    moving_to_fixed: FloatArray = field(repr=False)
    deformation: DeformationField | None = None
    sop_instance_uid: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        matrix = np.array(self.moving_to_fixed, dtype=np.float64)
        if matrix.shape != (4, 4) or not np.allclose(matrix[3], [0, 0, 0, 1]):
            raise InputError("moving_to_fixed", "must be a 4x4 homogeneous matrix", "", "")
        rotation = matrix[:3, :3]
        if not np.allclose(rotation @ rotation.T, np.eye(3), atol=_RIGID_TOLERANCE):
            raise InputError(
                "moving_to_fixed",
                "must be RIGID (orthonormal rotation, no scaling)",
                np.round(rotation, 4).tolist(),
                "register rigidly",
            )
        if self.fixed.frame_of_reference_uid == self.moving.frame_of_reference_uid:
            raise InputError(
                "moving",
                "is in the same Frame of Reference as the fixed series (nothing to register)",
                self.moving.frame_of_reference_uid,
                "give series of two Frames of Reference",
            )
        object.__setattr__(self, "moving_to_fixed", matrix)


def _matrix_item(matrix: FloatArray, matrix_type: str = "RIGID") -> Dataset:
    item = Dataset()
    item.FrameOfReferenceTransformationMatrixType = matrix_type
    item.FrameOfReferenceTransformationMatrix = [format_ds(v) for v in matrix.ravel()]
    return item


def _image_items(series: SeriesReference) -> DicomSequence:
    items = []
    for sop_class, sop_instance in series.images:
        item = Dataset()
        item.ReferencedSOPClassUID = sop_class
        item.ReferencedSOPInstanceUID = sop_instance
        items.append(item)
    return DicomSequence(items)


def _series_item(series: SeriesReference) -> Dataset:
    item = Dataset()
    item.SeriesInstanceUID = series.series_instance_uid
    item.ReferencedInstanceSequence = _image_items(series)
    return item


def _registration_type(deformable: bool) -> DicomSequence:
    code = Dataset()
    code.CodeValue = "125025" if deformable else "125024"
    code.CodingSchemeDesignator = "DCM"
    code.CodeMeaning = "Deformable Image Registration" if deformable else "Image Content-based"
    return DicomSequence([code])


def _base(
    sop_class: str,
    fixed: SeriesReference,
    patient: PatientStudy,
    moment: datetime,
    sop_uid: str,
    description: str,
) -> FileDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("", Dataset(), file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.InstanceCreationDate = moment.strftime("%Y%m%d")
    ds.InstanceCreationTime = moment.strftime("%H%M%S")
    patient.apply(ds)
    ds.Modality = "REG"
    ds.SeriesInstanceUID = make_uid([sop_uid, "series"])
    ds.SeriesNumber = 900
    ds.Laterality = ""
    ds.SeriesDescription = "hccrt registration"
    ds.FrameOfReferenceUID = fixed.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.Manufacturer = "hccrt"
    ds.ManufacturerModelName = "hccrt registration"
    ds.DeviceSerialNumber = "0"
    ds.SoftwareVersions = __version__
    ds.ContentDate = moment.strftime("%Y%m%d")
    ds.ContentTime = moment.strftime("%H%M%S")
    ds.InstanceNumber = 1
    ds.ContentLabel = "REGISTRATION"
    ds.ContentDescription = description[:64]
    ds.ContentCreatorName = ""
    return ds


def _common_references(ds: Dataset, fixed: SeriesReference, moving: SeriesReference) -> None:
    own_study = str(ds.StudyInstanceUID)
    here = [s for s in (fixed, moving) if s.study_instance_uid == own_study]
    elsewhere = [s for s in (fixed, moving) if s.study_instance_uid != own_study]
    if here:
        ds.ReferencedSeriesSequence = DicomSequence([_series_item(s) for s in here])
    if elsewhere:
        studies = []
        for series in elsewhere:
            study = Dataset()
            study.StudyInstanceUID = series.study_instance_uid
            study.ReferencedSeriesSequence = DicomSequence([_series_item(series)])
            studies.append(study)
        ds.StudiesContainingOtherReferencedInstancesSequence = DicomSequence(studies)


def build_spatial_registration(
    registration: SpatialRegistration,
    *,
    sop_instance_uid: str | None = None,
    content_datetime: datetime | None = None,
) -> FileDataset:
    """A Spatial Registration (rigid) or Deformable Spatial Registration dataset.

    Parameters
    ----------
    registration
        Series, matrix and (for deformable) the deformation grid.
    sop_instance_uid
        UID of the new object (random by default).
    content_datetime
        ContentDate/Time (now by default).
    """
    patient = registration.fixed.patient
    if patient is None:
        raise InputError("fixed", "needs the patient/study identity", "", "read it from files")
    moment = content_datetime or datetime.now()
    uid = sop_instance_uid or make_uid()
    fixed, moving = registration.fixed, registration.moving
    deformation = registration.deformation
    if deformation is None:
        ds = _base(
            SPATIAL_REGISTRATION_STORAGE, fixed, patient, moment, uid, registration.description
        )
        items = []
        for series, matrix in ((fixed, np.eye(4)), (moving, registration.moving_to_fixed)):
            item = Dataset()
            item.FrameOfReferenceUID = series.frame_of_reference_uid
            item.ReferencedImageSequence = _image_items(series)
            registration_item = Dataset()
            registration_item.RegistrationTypeCodeSequence = _registration_type(False)
            registration_item.MatrixSequence = DicomSequence([_matrix_item(matrix)])
            item.MatrixRegistrationSequence = DicomSequence([registration_item])
            items.append(item)
        ds.RegistrationSequence = DicomSequence(items)
    else:
        ds = _base(
            DEFORMABLE_SPATIAL_REGISTRATION_STORAGE,
            fixed,
            patient,
            moment,
            uid,
            registration.description,
        )
        item = Dataset()
        item.SourceFrameOfReferenceUID = moving.frame_of_reference_uid
        item.ReferencedImageSequence = _image_items(moving)
        item.RegistrationTypeCodeSequence = _registration_type(True)
        item.PreDeformationMatrixRegistrationSequence = DicomSequence(
            [_matrix_item(deformation.pre_matrix)]
        )
        item.PostDeformationMatrixRegistrationSequence = DicomSequence([_matrix_item(np.eye(4))])
        item.DeformableRegistrationGridSequence = DicomSequence([_grid_item(deformation)])
        ds.DeformableRegistrationSequence = DicomSequence([item])
    _common_references(ds, fixed, moving)
    return ds


def _grid_item(deformation: DeformationField) -> Dataset:
    grid = deformation.grid
    directions = grid.directions
    spacing = grid.spacing_mm
    item = Dataset()
    item.ImagePositionPatient = [format_ds(v) for v in grid.origin_mm]
    item.ImageOrientationPatient = [format_ds(v) for v in (*directions[2], *directions[1])]
    item.GridDimensions = [grid.shape[2], grid.shape[1], grid.shape[0]]
    item.GridResolution = [spacing[2], spacing[1], spacing[0]]
    item.VectorGridData = np.ascontiguousarray(deformation.vectors_mm, dtype="<f4").tobytes()
    return item


def write_spatial_registration(
    registration: SpatialRegistration,
    path: str | Path,
    *,
    sop_instance_uid: str | None = None,
    content_datetime: datetime | None = None,
) -> Path:
    """Build (see :func:`build_spatial_registration`) and save as DICOM Part 10; return the path."""
    ds = build_spatial_registration(
        registration, sop_instance_uid=sop_instance_uid, content_datetime=content_datetime
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(target, enforce_file_format=True)
    return target


def _matrix(item: Dataset, source: str) -> FloatArray:
    matrix_type = text(item, "FrameOfReferenceTransformationMatrixType")
    if matrix_type not in ("RIGID", "RIGID_SCALE", "AFFINE"):
        raise DicomInputError(
            f"{source}:FrameOfReferenceTransformationMatrixType",
            "must be RIGID, RIGID_SCALE or AFFINE",
            matrix_type,
            "re-export the registration",
        )
    return floats(
        require(item, "FrameOfReferenceTransformationMatrix", source), 16, source
    ).reshape(4, 4)


def _referenced(item: Dataset) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(ref.ReferencedSOPClassUID), str(ref.ReferencedSOPInstanceUID))
        for ref in item.get("ReferencedImageSequence", [])
    )


def _series_by_instance(ds: Dataset) -> dict[str, tuple[str, str]]:
    """SOP Instance UID -> (study, series) from the Common Instance Reference module."""
    found: dict[str, tuple[str, str]] = {}
    pairs = [(str(ds.get("StudyInstanceUID", "")), ds.get("ReferencedSeriesSequence", []))]
    for study in ds.get("StudiesContainingOtherReferencedInstancesSequence", []):
        pairs.append(
            (str(study.get("StudyInstanceUID", "")), study.get("ReferencedSeriesSequence", []))
        )
    for study_uid, series_items in pairs:
        for series in series_items:
            for ref in series.get("ReferencedInstanceSequence", []):
                found[str(ref.ReferencedSOPInstanceUID)] = (
                    study_uid,
                    str(series.SeriesInstanceUID),
                )
    return found


def _series_reference(
    frame_uid: str,
    images: tuple[tuple[str, str], ...],
    lookup: dict[str, tuple[str, str]],
    source: str,
) -> SeriesReference:
    series = {lookup.get(uid) for _, uid in images}
    if not images or None in series or len(series) != 1:
        raise DicomInputError(
            source,
            "does not name the one series its registered images belong to",
            frame_uid,
            "re-export the registration with its referenced series (Common Instance Reference)",
        )
    study_uid, series_uid = next(iter(s for s in series if s is not None))
    return SeriesReference(study_uid, series_uid, frame_uid, "", images)


def read_spatial_registration(path: str | Path) -> SpatialRegistration:
    """Read a Spatial Registration or Deformable Spatial Registration file.

    Raises
    ------
    DicomInputError
        Not a REG object, missing matrices or references, no moving frame.
    """
    ds, _ = read_dataset(path, "REG")
    source = str(path)
    fixed_frame = str(require(ds, "FrameOfReferenceUID", source))
    lookup = _series_by_instance(ds)
    patient = PatientStudy.from_dataset(ds)
    if str(ds.SOPClassUID) == DEFORMABLE_SPATIAL_REGISTRATION_STORAGE:
        return _read_deformable(ds, source, fixed_frame, lookup, patient)
    if str(ds.SOPClassUID) != SPATIAL_REGISTRATION_STORAGE:
        raise DicomInputError(
            source, "is not a (Deformable) Spatial Registration", ds.SOPClassUID, ""
        )
    fixed: SeriesReference | None = None
    moving: list[tuple[SeriesReference, FloatArray]] = []
    for item in require(ds, "RegistrationSequence", source):
        frame = str(require(item, "FrameOfReferenceUID", source))
        matrix = np.eye(4)
        for registration_item in item.get("MatrixRegistrationSequence", []):
            for matrix_item in registration_item.get("MatrixSequence", []):
                matrix = _matrix(matrix_item, source) @ matrix
        series = _series_reference(frame, _referenced(item), lookup, source)
        if frame == fixed_frame:
            fixed = _with_patient(series, patient)
        else:
            moving.append((series, matrix))
    if fixed is None or len(moving) != 1:
        raise DicomInputError(
            source,
            "must register exactly one moving Frame of Reference to its own (fixed) frame",
            f"fixed item: {fixed is not None}, moving items: {len(moving)}",
            "write one registration per pair of series",
        )
    return SpatialRegistration(
        fixed,
        moving[0][0],
        moving[0][1],
        sop_instance_uid=str(ds.SOPInstanceUID),
        description=text(ds, "ContentDescription"),
    )


def _with_patient(series: SeriesReference, patient: PatientStudy) -> SeriesReference:
    return SeriesReference(
        series.study_instance_uid,
        series.series_instance_uid,
        series.frame_of_reference_uid,
        series.modality,
        series.images,
        patient,
    )


def _read_deformable(
    ds: Dataset,
    source: str,
    fixed_frame: str,
    lookup: dict[str, tuple[str, str]],
    patient: PatientStudy,
) -> SpatialRegistration:
    items = list(require(ds, "DeformableRegistrationSequence", source))
    if len(items) != 1:
        raise DicomInputError(source, "must hold one deformable registration item", len(items), "")
    item = items[0]
    moving_frame = str(require(item, "SourceFrameOfReferenceUID", source))
    pre = np.eye(4)
    for pre_item in item.get("PreDeformationMatrixRegistrationSequence", []):
        pre = _matrix(pre_item, source)
    post = np.eye(4)
    for post_item in item.get("PostDeformationMatrixRegistrationSequence", []):
        post = _matrix(post_item, source)
    if not np.allclose(post, np.eye(4)):
        raise DicomInputError(
            source, "post-deformation matrices other than the identity are not supported", "", ""
        )
    grid_items = list(require(item, "DeformableRegistrationGridSequence", source))
    grid_item = grid_items[0]
    orientation = floats(require(grid_item, "ImageOrientationPatient", source), 6, source)
    origin = floats(require(grid_item, "ImagePositionPatient", source), 3, source)
    dims = [int(v) for v in require(grid_item, "GridDimensions", source)]
    resolution = floats(require(grid_item, "GridResolution", source), 3, source)
    vectors = np.frombuffer(bytes(require(grid_item, "VectorGridData", source)), dtype="<f4")
    shape = (dims[2], dims[1], dims[0])
    if vectors.size != 3 * int(np.prod(shape)):
        raise DicomInputError(
            source, "VectorGridData does not match GridDimensions", vectors.size, ""
        )
    grid = Grid.from_spacing(
        shape,
        (resolution[2], resolution[1], resolution[0]),
        origin,
        fixed_frame,
        orientation[:3],
        orientation[3:],
    )
    moving = _series_reference(moving_frame, _referenced(item), lookup, source)
    fixed = _fixed_from_lookup(ds, fixed_frame, moving, lookup, patient, source)
    return SpatialRegistration(
        fixed,
        moving,
        np.asarray(np.linalg.inv(pre), dtype=np.float64),
        DeformationField(grid, vectors.reshape(*shape, 3).copy(), pre),
        sop_instance_uid=str(ds.SOPInstanceUID),
        description=text(ds, "ContentDescription"),
    )


def _fixed_from_lookup(
    ds: Dataset,
    fixed_frame: str,
    moving: SeriesReference,
    lookup: dict[str, tuple[str, str]],
    patient: PatientStudy,
    source: str,
) -> SeriesReference:
    others: dict[tuple[str, str], list[str]] = {}
    for instance, key in lookup.items():
        if key[1] != moving.series_instance_uid:
            others.setdefault(key, []).append(instance)
    if len(others) != 1:
        raise DicomInputError(
            source, "must reference exactly one fixed series", len(others), "re-export it"
        )
    (study_uid, series_uid), instances = next(iter(others.items()))
    images = tuple(("", uid) for uid in sorted(instances))
    return SeriesReference(study_uid, series_uid, fixed_frame, "", images, patient)


def check_series(registration: SpatialRegistration, series: Sequence[SeriesReference]) -> None:
    """Raise unless the registration's fixed and moving series are among ``series``.

    Raises
    ------
    InputError
        A REG that references unknown series or frames.
    """
    known = {(s.series_instance_uid, s.frame_of_reference_uid) for s in series}
    for role, ref in (("fixed", registration.fixed), ("moving", registration.moving)):
        if (ref.series_instance_uid, ref.frame_of_reference_uid) not in known:
            raise InputError(
                "--reg",
                f"references a {role} series/frame that is not given",
                f"series {ref.series_instance_uid}, frame {ref.frame_of_reference_uid}",
                "give the series the registration was made with, or register again",
            )
