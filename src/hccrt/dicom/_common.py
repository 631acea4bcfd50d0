"""Shared helpers of the DICOM readers: tolerant file reading and typed attribute access.

pydicom emits ``UserWarning`` for out-of-standard values (e.g. an invalid UID); the readers capture
them and return them as plain strings in the result's ``warnings`` so that nothing is lost and no
warning escapes as an exception under strict warning filters.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag, Tag
from pydicom.uid import UID, ExplicitVRLittleEndian

from hccrt.errors import DicomInputError

FloatArray = npt.NDArray[np.float64]


def read_dataset(
    path: str | Path,
    expected_modality: str | Sequence[str],
    *,
    stop_before_pixels: bool = False,
    unconverted_items: frozenset[BaseTag] = frozenset(),
) -> tuple[Dataset, tuple[str, ...]]:
    """Read one DICOM file and check its Modality.

    Files without the 128-byte preamble and File Meta header (allowed by old exporters) are read
    in a second attempt with ``force=True``; that fallback is reported as a warning.

    Parameters
    ----------
    path
        File to read.
    expected_modality
        Allowed Modality value(s), e.g. ``"RTSTRUCT"``.
    stop_before_pixels
        Skip the pixel data (header-only reads).
    unconverted_items
        Sequences whose items are parsed but whose values are left raw: the caller converts
        the few it reads and collects their warnings itself (the RTSTRUCT reader's
        ContourSequence: thousands of items, of which it reads two elements).

    Returns
    -------
    tuple
        The dataset and the warnings collected while reading it.

    Raises
    ------
    DicomInputError
        Missing/unreadable file, not DICOM, or another modality.
    """
    file_path = Path(path)
    allowed = (
        (expected_modality,) if isinstance(expected_modality, str) else tuple(expected_modality)
    )
    if not file_path.is_file():
        raise DicomInputError(
            str(file_path), "file not found", None, f"give the path of a {'/'.join(allowed)} file"
        )
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset: Dataset
        try:
            dataset = pydicom.dcmread(file_path, stop_before_pixels=stop_before_pixels)
        except InvalidDicomError:
            dataset = _read_forced(file_path, stop_before_pixels, allowed)
            notes.append(
                f"{file_path.name}: no DICOM File Meta header (preamble/'DICM' missing); read as "
                "implicit VR little endian - re-export the file from the planning system if values "
                "look wrong"
            )
        except (OSError, ValueError, EOFError) as error:
            raise DicomInputError(
                str(file_path), "cannot be read as DICOM", str(error), "check the file"
            ) from error
        # pydicom converts values lazily: convert them now so validation warnings land here
        # (large numeric arrays stay raw: see _convert_values).
        _convert_values(dataset, unconverted_items)
    notes.extend(f"{file_path.name}: {w.message}" for w in caught)
    modality = str(dataset.get("Modality", "")).upper()
    if modality not in allowed:
        raise DicomInputError(
            f"{file_path.name}:Modality",
            f"expected {'/'.join(allowed)}",
            modality or "(missing)",
            f"pass a {'/'.join(allowed)} file",
        )
    return dataset, tuple(notes)


_RAW_TAGS = frozenset(
    {
        Tag(0x3006, 0x0050),  # ContourData: parsed by contour_points(), thousands of values
        Tag(0x3004, 0x0058),  # DVHData
        Tag(0x7FE0, 0x0010),  # PixelData
    }
)


def _convert_values(dataset: Dataset, unconverted_items: frozenset[BaseTag] = frozenset()) -> None:
    """Convert every element (recursively) except the big numeric arrays in ``_RAW_TAGS``.

    The items of the sequences in ``unconverted_items`` are parsed, their values left raw.
    """
    for tag in list(dataset.keys()):
        if tag in _RAW_TAGS:
            continue
        element = dataset[tag]
        if element.VR == "SQ" and tag not in unconverted_items:
            for item in element.value:
                _convert_values(item, unconverted_items)


def decimal_values(dataset: Dataset, keyword: str) -> FloatArray | None:
    """A (long) DS multi-value as a float array, parsed straight from the raw bytes when possible.

    Returns ``None`` when the attribute is absent or empty.
    """
    if keyword not in dataset:
        return None
    element = dataset.get_item(keyword)
    raw = getattr(element, "value", None)
    if isinstance(raw, bytes):
        try:
            values = np.array(raw.decode("ascii").replace("\\", " ").split(), dtype=np.float64)
        except (UnicodeDecodeError, ValueError) as error:
            raise DicomInputError(keyword, "must be numeric", raw[:40], "check the file") from error
    else:
        value = dataset.get(keyword)
        if value is None or value == "":
            return None
        items = value if isinstance(value, MultiValue | list | tuple) else [value]
        values = floats(items, None, keyword)
    if values.size == 0:
        return None
    if not np.all(np.isfinite(values)):
        raise DicomInputError(keyword, "must be finite", "NaN/inf", "check the file")
    return values


def contour_points(contour: Dataset) -> FloatArray | None:
    """ContourData of one contour item as an ``(N, 3)`` array in mm.

    Returns ``None`` when the item has no ContourData or its length is not a multiple of 3.
    """
    values = decimal_values(contour, "ContourData")
    if values is None or values.size % 3:
        return None
    return values.reshape(-1, 3)


def contour_points_of(contours: Sequence[Dataset]) -> list[FloatArray | None]:
    """:func:`contour_points` of several contour items, their ContourData parsed in one pass.

    The raw values are joined and parsed by numpy's text reader (``np.loadtxt``: C parsing,
    correctly rounded like ``float()``, so the values are bit for bit those of
    :func:`contour_points`); when an item is not plain raw decimals (no ContourData, already
    converted, empty values, a value numpy's reader rejects, NaN/inf) every item is parsed by
    :func:`contour_points`, so the results and errors are exactly its own.
    """
    texts: list[str] = []
    for contour in contours:
        element = contour.get_item("ContourData") if "ContourData" in contour else None
        raw = getattr(element, "value", None)
        if not isinstance(raw, bytes) or not raw.strip(b" "):
            return [contour_points(c) for c in contours]
        try:
            texts.append(raw.decode("ascii"))
        except UnicodeDecodeError:
            return [contour_points(c) for c in contours]
    if not texts:
        return []
    try:
        values = np.loadtxt(
            ["\\".join(texts)], dtype=np.float64, delimiter="\\", comments=None, ndmin=1
        )
    except ValueError:
        return [contour_points(c) for c in contours]
    counts = [text.count("\\") + 1 for text in texts]
    if values.ndim != 1 or values.size != sum(counts) or not np.all(np.isfinite(values)):
        return [contour_points(c) for c in contours]
    parts = np.split(values, np.cumsum(counts)[:-1])
    return [part.reshape(-1, 3) if part.size % 3 == 0 else None for part in parts]


def _read_forced(path: Path, stop_before_pixels: bool, allowed: tuple[str, ...]) -> Dataset:
    try:
        dataset = pydicom.dcmread(path, force=True, stop_before_pixels=stop_before_pixels)
    except Exception as error:  # pydicom raises many types on garbage input
        raise DicomInputError(
            str(path),
            "is not a DICOM file",
            type(error).__name__,
            f"pass a {'/'.join(allowed)} file",
        ) from error
    if "SOPClassUID" not in dataset or "Modality" not in dataset:
        raise DicomInputError(
            str(path), "is not a DICOM file (no SOPClassUID/Modality)", None, "check the file"
        )
    if not hasattr(dataset, "file_meta") or "TransferSyntaxUID" not in dataset.file_meta:
        dataset.file_meta = pydicom.dataset.FileMetaDataset()
        dataset.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    return dataset


def file_meta(sop_class_uid: str, sop_instance_uid: str) -> FileMetaDataset:
    """The file meta information of every file hccrt writes (Explicit VR Little Endian).

    Parameters
    ----------
    sop_class_uid, sop_instance_uid
        SOP Class and SOP Instance UID of the dataset the file holds.

    Returns
    -------
    FileMetaDataset
        MediaStorageSOPClassUID, MediaStorageSOPInstanceUID and TransferSyntaxUID (pydicom
        adds the version and implementation on writing).
    """
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class_uid)
    meta.MediaStorageSOPInstanceUID = UID(sop_instance_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return meta


def require(dataset: Dataset, keyword: str, source: str, fix: str = "") -> Any:
    """Return a Type 1 attribute or raise a :class:`DicomInputError` naming it."""
    value = dataset.get(keyword)
    if value is None or value == "":
        raise DicomInputError(
            f"{source}:{keyword}",
            "required attribute is missing or empty",
            None,
            fix or "re-export the object from the planning system",
        )
    return value


def floats(value: Any, count: int | None, name: str) -> FloatArray:
    """Convert a DICOM multi-value (DS) to a float array, checking its length."""
    try:
        array = np.asarray([float(v) for v in value], dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise DicomInputError(name, "must be numeric", str(value)[:80], "check the file") from error
    if count is not None and array.shape != (count,):
        raise DicomInputError(name, f"must have {count} values", array.size, "check the file")
    if not np.all(np.isfinite(array)):
        raise DicomInputError(name, "must be finite", str(value)[:80], "check the file")
    return array


def pixel_array(dataset: Dataset, source: str) -> npt.NDArray[Any]:
    """Decode the pixel data, turning decoder failures into a :class:`DicomInputError`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return np.asarray(dataset.pixel_array)
        except Exception as error:  # decoders raise RuntimeError/ValueError/NotImplemented...
            syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", "?")
            raise DicomInputError(
                f"{source}:PixelData",
                "cannot be decoded",
                f"{type(error).__name__} (transfer syntax {syntax})",
                "export uncompressed (explicit VR little endian) or install the pydicom decoder "
                "plugin for this syntax",
            ) from error


def text(dataset: Dataset, keyword: str) -> str:
    """A string attribute, ``""`` when absent."""
    value = dataset.get(keyword)
    return "" if value is None else str(value).strip()
