"""Read the patient identity and plan dates of a case from DICOM headers (no pixel data).

The one reader of identity for reports (:class:`hccrt.core.identity.PatientIdentity`): patient
name, ID and birth date, institution, plan label and date. The RTPLAN is read first, then the
RTSTRUCT, then one CT slice; the first non-empty value of each field wins.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError

from hccrt.core.identity import PatientIdentity, person_name

_TAGS = (
    "Modality", "PatientName", "PatientID", "PatientBirthDate", "InstitutionName",
    "RTPlanLabel", "RTPlanDate", "StructureSetDate", "StudyDate",
)  # fmt: skip
_DATE_ATTRIBUTES = ("RTPlanDate", "StructureSetDate", "StudyDate")


def _iso(value: str) -> str:
    text = value.strip()
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def read_identity(paths: Sequence[Path | str]) -> PatientIdentity:
    """Identity of the case whose files are ``paths`` (RTPLAN, RTSTRUCT, CT in any order).

    Files that cannot be read as DICOM are passed over (the readers of the evaluation report
    them); with none readable the identity is empty, and the report shows the de-identified
    label.
    """
    datasets = []
    for path in paths:
        try:
            with warnings.catch_warnings():  # out-of-standard values: the readers report them
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(str(path), stop_before_pixels=True,
                                     specific_tags=list(_TAGS))  # fmt: skip
        except (InvalidDicomError, OSError):
            continue
        datasets.append((str(getattr(ds, "Modality", "") or ""), Path(path).name, ds))
    order = {"RTPLAN": 0, "RTSTRUCT": 1, "CT": 2}
    datasets.sort(key=lambda item: order.get(item[0], 3))
    values: dict[str, str] = {}
    for _, _, ds in datasets:
        for key, attribute in (("patient_name", "PatientName"), ("patient_id", "PatientID"),
                               ("birth_date", "PatientBirthDate"),
                               ("institution", "InstitutionName"),
                               ("plan_label", "RTPlanLabel")):  # fmt: skip
            raw = getattr(ds, attribute, "") or ""
            text = person_name(raw) if key == "patient_name" else _iso(str(raw))
            if text and key not in values:
                values[key] = text
    for attribute in _DATE_ATTRIBUTES:
        date = next((_iso(str(getattr(ds, attribute, "") or "")) for _, _, ds in datasets
                     if getattr(ds, attribute, "")), "")  # fmt: skip
        if date:
            values["plan_date"] = date
            values["plan_date_source"] = attribute
            break
    source = ", ".join(dict.fromkeys(name for _, name, _ in datasets))
    return PatientIdentity(**values, source=source)


def case_identity(
    ct: Sequence[Path | str] | Path | str | None,
    rtstruct: Path | str | None,
    rtplan: Path | str | None,
) -> PatientIdentity:
    """:func:`read_identity` of a case's RTPLAN, RTSTRUCT and first CT file.

    ``ct`` is the CT's files, one file, or its folder (``None``: no CT).
    """
    paths: list[Path | str] = [p for p in (rtplan, rtstruct) if p is not None]
    if isinstance(ct, str | Path):
        folder = Path(ct)
        paths += sorted(f for f in folder.iterdir() if f.is_file())[:1] if folder.is_dir() else [ct]
    elif ct is not None:
        paths += list(ct)[:1]
    return read_identity(paths)
