"""Inventory of a case folder: the clinical record and every DICOM object, sorted by modality.

A case folder holds ``patient.json`` and any DICOM files (any sub-folder, any file name). The
inventory reads only headers, sorts objects by Modality, picks the CT series the structure set
refers to, and checks that every object shares one Frame of Reference. It refuses cases a
planning system would refuse (two Frames of Reference, an RTSTRUCT that references another CT,
unreadable DICOM) with a message that names the file and the fix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from hccrt.errors import DicomInputError, GeometryMismatchError, InputError

PATIENT_RECORD_NAME = "patient.json"
FHIR_BUNDLE_NAME = "patient.fhir.json"  # the record as a FHIR Bundle from the EHR
_SUPPORTED_MODALITIES = ("CT", "MR", "PT", "RTSTRUCT", "RTDOSE", "RTPLAN", "REG")
_SECONDARY_IMAGES = ("MR", "PT")
"""Image modalities kept beside the planning CT only when a REG links their frame to it."""
_NON_DICOM_SUFFIXES = {".json", ".txt", ".md", ".csv", ".html", ".pdf", ".png", ".log"}


@dataclass(frozen=True)
class CaseInventory:
    """What a case folder contains, after consistency checks.

    Attributes
    ----------
    case_dir
        The folder that was read.
    patient_record
        Path of ``patient.json``, else of the FHIR Bundle ``patient.fhir.json`` (``None`` if
        neither is there).
    ct_files
        Files of the CT series used (unsorted; the CT reader sorts them by position).
    ct_series_uid
        SeriesInstanceUID of that CT series (``""`` when there is no CT).
    rtstruct
        The structure set, if any.
    rtdoses
        Every RTDOSE file (several are summed by plan evaluation).
    rtplan
        The plan, if any.
    frame_of_reference_uid
        The one Frame of Reference shared by every object (``""`` when there is no DICOM).
    warnings
        Files skipped and why (files that are not DICOM, unsupported modalities); documents
        with a known non-DICOM suffix (.json, .txt, .pdf, ...) are passed over silently.
    registrations
        Spatial Registration objects (REG) whose fixed frame is the planning frame.
    registered_files
        Objects in a Frame of Reference a REG links to the planning frame (e.g. an MR series
        and structures drawn on it); the planning job does not use them directly.
    """

    case_dir: Path
    patient_record: Path | None
    ct_files: tuple[Path, ...]
    ct_series_uid: str
    rtstruct: Path | None
    rtdoses: tuple[Path, ...]
    rtplan: Path | None
    frame_of_reference_uid: str
    warnings: tuple[str, ...]
    registrations: tuple[Path, ...] = ()
    registered_files: tuple[Path, ...] = ()

    @property
    def modalities(self) -> dict[str, int]:
        """Number of files found per modality."""
        return {
            "CT": len(self.ct_files),
            "RTSTRUCT": int(self.rtstruct is not None),
            "RTDOSE": len(self.rtdoses),
            "RTPLAN": int(self.rtplan is not None),
        }


@dataclass(frozen=True)
class _Header:
    path: Path
    modality: str
    series_uid: str
    frame_of_reference_uid: str
    referenced_series_uids: tuple[str, ...]
    registered_frames: tuple[str, ...] = ()


def _registered_frames(ds: Dataset) -> tuple[str, ...]:
    """Moving Frames of Reference a Spatial Registration links to its own (fixed) frame."""
    own = str(ds.get("FrameOfReferenceUID", "") or "")
    frames = [
        str(item.get("FrameOfReferenceUID", "")) for item in ds.get("RegistrationSequence", [])
    ]
    frames += [
        str(item.get("SourceFrameOfReferenceUID", ""))
        for item in ds.get("DeformableRegistrationSequence", [])
    ]
    return tuple(f for f in frames if f and f != own)


def _frame_of_reference(ds: Dataset) -> str:
    uid = str(ds.get("FrameOfReferenceUID", "") or "")
    if not uid and "ReferencedFrameOfReferenceSequence" in ds:
        frames = ds.ReferencedFrameOfReferenceSequence
        uid = str(frames[0].get("FrameOfReferenceUID", "")) if len(frames) else ""
    return uid


def _referenced_series(ds: Dataset) -> tuple[str, ...]:
    series: list[str] = []
    for frame in ds.get("ReferencedFrameOfReferenceSequence", []):
        for study in frame.get("RTReferencedStudySequence", []):
            for item in study.get("RTReferencedSeriesSequence", []):
                if "SeriesInstanceUID" in item:
                    series.append(str(item.SeriesInstanceUID))
    return tuple(series)


def _read_header(path: Path) -> _Header | None:
    """Header of a DICOM file, ``None`` for an obviously non-DICOM file; raise if corrupt."""
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    except InvalidDicomError:
        if path.suffix.lower() == ".dcm":
            raise DicomInputError(
                str(path),
                "not a DICOM file (no 'DICM' preamble / File Meta)",
                fix="re-export it from the planning system or remove it from the case folder",
            ) from None
        return None
    except Exception as error:  # pydicom raises many types for truncated or corrupt files
        raise DicomInputError(
            str(path),
            f"unreadable DICOM ({type(error).__name__}: {error})",
            fix="re-export the file or remove it from the case folder",
        ) from error
    modality = str(ds.get("Modality", "") or "")
    if not modality:
        raise DicomInputError(
            str(path),
            "unreadable DICOM (no Modality in the header: truncated or corrupt file)",
            fix="re-export the file or remove it from the case folder",
        )
    return _Header(
        path=path,
        modality=modality,
        series_uid=str(ds.get("SeriesInstanceUID", "") or ""),
        frame_of_reference_uid=_frame_of_reference(ds),
        referenced_series_uids=_referenced_series(ds) if modality == "RTSTRUCT" else (),
        registered_frames=_registered_frames(ds) if modality == "REG" else (),
    )


def _candidate_files(case_dir: Path) -> Iterable[Path]:
    """Files under ``case_dir``, hidden ones (a part starting with ".") left out.

    Only the path inside the case folder is tested, so ``../case`` or a case kept under a
    dot-folder (``~/.cache/case``) is still read.
    """
    for path in sorted(case_dir.rglob("*")):
        inside = path.relative_to(case_dir).parts
        if path.is_file() and not any(part.startswith(".") for part in inside):
            yield path


def _single(headers: list[_Header], modality: str, case_dir: Path) -> Path | None:
    if len(headers) > 1:
        names = ", ".join(str(h.path.relative_to(case_dir)) for h in headers)
        raise DicomInputError(
            f"{case_dir}",
            f"more than one {modality} in the case folder",
            names,
            f"keep one {modality} per case folder",
        )
    return headers[0].path if headers else None


def _choose_ct_series(
    ct_by_series: dict[str, list[_Header]], rtstruct: _Header | None, case_dir: Path
) -> str:
    if not ct_by_series:
        return ""
    if rtstruct is not None and rtstruct.referenced_series_uids:
        referenced = rtstruct.referenced_series_uids[0]
        if referenced not in ct_by_series:
            raise DicomInputError(
                str(rtstruct.path),
                "the RTSTRUCT references a CT series that is not in the case folder",
                f"referenced {referenced}; present {sorted(ct_by_series)}",
                "add the CT series the structures were drawn on, or the matching RTSTRUCT",
            )
        return referenced
    if len(ct_by_series) > 1:
        raise DicomInputError(
            str(case_dir),
            "several CT series and no RTSTRUCT that says which one to use",
            sorted(ct_by_series),
            "keep one CT series per case folder",
        )
    return next(iter(ct_by_series))


def _check_one_frame(headers: list[_Header], case_dir: Path) -> str:
    frames: dict[str, list[str]] = defaultdict(list)
    for header in headers:
        if not header.frame_of_reference_uid:
            raise DicomInputError(
                str(header.path),
                f"{header.modality} without a Frame of Reference UID",
                fix="re-export the object with its FrameOfReferenceUID",
            )
        frames[header.frame_of_reference_uid].append(str(header.path.relative_to(case_dir)))
    if len(frames) > 1:
        detail = "; ".join(f"{uid}: {', '.join(files[:3])}" for uid, files in frames.items())
        raise GeometryMismatchError(
            "FrameOfReferenceUID",
            f"the case folder mixes {len(frames)} Frames of Reference",
            detail,
            "keep only objects of one planning study (one Frame of Reference) per case folder, "
            "or link a second frame with a registration (hccrt register --fixed CT_DIR "
            "--moving MR_DIR --out CASE_DIR/REG.dcm; also for a PET or CBCT series)",
        )
    return next(iter(frames)) if frames else ""


def inventory_case(case_dir: Path) -> CaseInventory:
    """Read the headers of every file in a case folder and check their consistency.

    Parameters
    ----------
    case_dir
        Folder with ``patient.json`` and DICOM files (sub-folders allowed).

    Returns
    -------
    CaseInventory
        Files sorted by modality, matched by Frame of Reference.

    Raises
    ------
    InputError
        If the folder does not exist or is not a folder.
    DicomInputError
        Unreadable DICOM, several structure sets or plans, an RTSTRUCT that references a CT
        series not in the folder.
    GeometryMismatchError
        Objects in more than one Frame of Reference.
    """
    if not case_dir.is_dir():
        raise InputError("CASE_DIR", "must be an existing folder", str(case_dir), "check the path")
    warnings: list[str] = []
    by_modality: dict[str, list[_Header]] = defaultdict(list)
    patient_record = case_dir / PATIENT_RECORD_NAME
    for path in _candidate_files(case_dir):
        if path == patient_record:
            continue
        if path.suffix.lower() in _NON_DICOM_SUFFIXES:
            continue  # documents and results kept beside the images (phantom.json, notes)
        header = _read_header(path)
        relative = path.relative_to(case_dir)
        if header is None:
            warnings.append(f"{relative}: skipped, not a DICOM file")
        elif header.modality not in _SUPPORTED_MODALITIES:
            warnings.append(f"{relative}: skipped, modality {header.modality} not used")
        else:
            by_modality[header.modality].append(header)

    linked = {f for reg in by_modality["REG"] for f in reg.registered_frames}
    registered = [
        h
        for m in _SUPPORTED_MODALITIES
        if m != "REG"
        for h in by_modality[m]
        if h.frame_of_reference_uid in linked
    ]
    for modality in _SUPPORTED_MODALITIES:
        by_modality[modality] = [h for h in by_modality[modality] if h not in registered]
    if any(h.modality == "CT" for h in registered) and not by_modality["CT"]:
        raise GeometryMismatchError(
            "REG",
            "registers the planning CT onto another frame (the CT must be the fixed series)",
            ", ".join(str(h.path.relative_to(case_dir)) for h in by_modality["REG"]),
            "register the other series onto the CT: hccrt register --fixed CT_DIR --moving DIR",
        )
    if len({h.frame_of_reference_uid for h in by_modality["RTSTRUCT"]}) > 1:
        _check_one_frame(by_modality["RTSTRUCT"], case_dir)  # e.g. an MR structure set, no REG
    rtstruct_path = _single(by_modality["RTSTRUCT"], "RTSTRUCT", case_dir)
    rtstruct = by_modality["RTSTRUCT"][0] if rtstruct_path else None
    rtplan = _single(by_modality["RTPLAN"], "RTPLAN", case_dir)
    ct_by_series: dict[str, list[_Header]] = defaultdict(list)
    for header in by_modality["CT"]:
        ct_by_series[header.series_uid].append(header)
    ct_series_uid = _choose_ct_series(ct_by_series, rtstruct, case_dir)
    for uid, headers in ct_by_series.items():
        if uid != ct_series_uid:
            warnings.append(f"CT series {uid}: skipped ({len(headers)} files), not referenced")
    used = [
        *ct_by_series.get(ct_series_uid, []),
        *by_modality["RTSTRUCT"],
        *by_modality["RTDOSE"],
        *by_modality["RTPLAN"],
        *by_modality["REG"],
    ]
    if ct_series_uid:  # an MR/PET in another frame without a linking REG is refused here
        used += [h for m in _SECONDARY_IMAGES for h in by_modality[m]]
    frame = _check_one_frame(used, case_dir)
    for modality in _SECONDARY_IMAGES:
        for header in by_modality[modality]:
            warnings.append(
                f"{header.path.relative_to(case_dir)}: skipped, modality {modality} not used"
            )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for header in registered:
        counts[(header.frame_of_reference_uid, header.modality)] += 1
    for (uid, modality), count in sorted(counts.items()):
        warnings.append(
            f"{count} {modality} file(s) in Frame of Reference {uid}: linked to the planning CT "
            "by a registration, not used by the planning job"
        )
    bundle = case_dir / FHIR_BUNDLE_NAME
    record = patient_record if patient_record.is_file() else None
    if bundle.is_file():
        if record is None:
            record = bundle
        else:
            warnings.append(f"{FHIR_BUNDLE_NAME}: not used, {PATIENT_RECORD_NAME} is the record")
    return CaseInventory(
        case_dir=case_dir,
        patient_record=record,
        ct_files=tuple(h.path for h in ct_by_series.get(ct_series_uid, [])),
        ct_series_uid=ct_series_uid,
        rtstruct=rtstruct_path,
        rtdoses=tuple(h.path for h in by_modality["RTDOSE"]),
        rtplan=rtplan,
        frame_of_reference_uid=frame,
        warnings=tuple(warnings),
        registrations=tuple(h.path for h in by_modality["REG"]),
        registered_files=tuple(h.path for h in registered),
    )
