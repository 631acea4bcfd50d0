"""De-identification of DICOM files on export: DICOM PS3.15 Annex E, Basic Application
Level Confidentiality Profile with the Clean Descriptors Option.

The action of each attribute comes from PS3.15 Table E.1-1 as shipped, generated from the
standard, by ``dicom-anonymizer`` (Kitware, BSD licence; pinned, edition 2026c) -- not from a
hand-picked list. The actions, recursively through sequences:

- ``X`` remove; ``Z`` keep the attribute, zero length; ``D`` a fixed, non-identifying value of
  its VR (a fixed text, 19000101, 000000, 0);
- composite actions (``X/Z``, ``X/D``, ``Z/D``, ``X/Z/D``) become ``Z``: the attribute stays
  present and empty, which conforms whether the IOD makes it Type 2 or Type 3 (a removed Type 2
  attribute would not); ``X/Z/U*`` sequences keep their items, whose UIDs are remapped;
- ``U`` a new UID, the same for the same input UID throughout one export
  (:class:`Deidentifier`), so the structure set still references its CT and every object keeps
  a shared Frame of Reference; SOP Class and transfer syntax UIDs are not identifying and stay;
- every other text attribute (VR LO, SH, LT, ST, UT, UC, PN) not in :data:`KEPT_TEXT` is emptied
  (Clean Descriptors: free text is removed by default, not looked at);
- all dates and times are emptied (``LongitudinalTemporalInformationModified = REMOVED``);
- private tags, curves and overlays are removed.

ROI names are *cleaned* rather than emptied (Table E.1-1 says ``Z``; the plan evaluation needs
"Liver", "PTV"): a name that contains the patient's name or ID is emptied, others are kept.
PatientName and PatientID become the case label. The result carries
``PatientIdentityRemoved = YES``, ``DeidentificationMethod`` and
``DeidentificationMethodCodeSequence`` (CID 7050: 113100 Basic Application Confidentiality
Profile, 113105 Clean Descriptors Option).

An image that declares ``BurnedInAnnotation = YES`` is refused: its pixels may show the name.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Iterable
from typing import Any

import pydicom
from dicomanonymizer.dicom_anonymization_databases import dicomfields_2026c as table_e11
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag, Tag

from hccrt.errors import InputError

TABLE_EDITION = "DICOM PS3.15 2026c Table E.1-1 (dicom-anonymizer 2.1.0)"
METHOD = "hccrt: PS3.15 basic profile, clean descriptors, new UIDs"
METHOD_CODES = (
    ("113100", "Basic Application Confidentiality Profile"),
    ("113105", "Clean Descriptors Option"),
)
DUMMY_TEXT = "ANONYMIZED"
TEXT_VRS = frozenset({"LO", "SH", "LT", "ST", "UT", "UC", "PN"})
TEMPORAL_VRS = frozenset({"DA", "TM", "DT"})
# Text attributes that are not identifying and that the plan or its evaluation needs.
KEPT_TEXT = frozenset(
    {
        "CodeValue",
        "CodingSchemeDesignator",
        "CodingSchemeVersion",
        "CodeMeaning",
        "LongCodeValue",
        "URNCodeValue",
        "MappingResource",
        "ContextIdentifier",
        "Manufacturer",
        "ManufacturerModelName",
        "SoftwareVersions",
        "ConvolutionKernel",
        "RescaleType",
        "BeamName",
        "DeidentificationMethod",
        "ROIName",  # cleaned: see the module notes
        "RTPlanLabel",  # given a dummy by Table E.1-1
        "StructureSetLabel",  # given a dummy by Table E.1-1
    }
)
_COMPOSITE = ("Z_D_TAGS", "X_Z_TAGS", "X_D_TAGS", "X_Z_D_TAGS")


def _load_actions() -> tuple[dict[BaseTag, str], list[tuple[int, int, int, int, str]]]:
    actions: dict[BaseTag, str] = {}
    masked: list[tuple[int, int, int, int, str]] = []
    for name, action in (
        ("X_TAGS", "X"),
        ("Z_TAGS", "Z"),
        ("D_TAGS", "D"),
        ("U_TAGS", "U"),
        ("X_Z_U_STAR_TAGS", "U*"),
        *((composite, "Z") for composite in _COMPOSITE),
    ):
        for entry in getattr(table_e11, name):
            if len(entry) == 2:
                actions[Tag(*entry)] = action
            else:  # repeating groups: (group, element, group mask, element mask)
                group, element, group_mask, element_mask = entry
                masked.append((group, element, group_mask, element_mask, action))
    return actions, masked


ACTIONS, _MASKED_ACTIONS = _load_actions()


class BurnedInAnnotation(InputError):
    """An image declares burned-in annotation: its pixels may identify the patient."""


def _action(tag: BaseTag) -> str | None:
    found = ACTIONS.get(tag)
    if found is not None:
        return found
    for group, element, group_mask, element_mask, action in _MASKED_ACTIONS:
        if tag.group & group_mask == group and tag.element & element_mask == element:
            return action
    return None


def _dummy(element: DataElement) -> object:
    if element.VR in TEXT_VRS:
        return DUMMY_TEXT
    return {"DA": "19000101", "TM": "000000", "DT": "19000101000000", "IS": "0", "DS": "0"}.get(
        element.VR, element.value if element.VR == "CS" else None
    )


class Deidentifier:
    """De-identifies the files of one export with one UID mapping.

    Parameters
    ----------
    pseudonym
        The case label: the new PatientName and PatientID.
    uid_secret
        Key of the UID mapping (default: random, so two exports share no UIDs).
    """

    def __init__(self, pseudonym: str, uid_secret: bytes | None = None) -> None:
        self.pseudonym = pseudonym
        self._secret = uid_secret if uid_secret is not None else secrets.token_bytes(32)
        self._identity: tuple[str, ...] = ()

    def uid(self, original: str) -> str:
        """The new UID of ``original`` (2.25 form, the same within this export)."""
        digest = hashlib.sha256(self._secret + original.encode()).digest()
        return f"2.25.{int.from_bytes(digest[:16], 'big')}"

    def _clean_element(self, dataset: Dataset, element: DataElement) -> None:
        tag = element.tag
        if tag.is_private:
            del dataset[tag]
            return
        action = _action(tag)
        if element.VR == "SQ":
            if action == "X":
                del dataset[tag]
            elif action == "Z":
                element.value = Sequence()
            else:
                for item in element.value:
                    self._clean(item)
            return
        if element.keyword == "ROIName":
            element.value = self._clean_roi_name(str(element.value))
        elif action == "X":
            del dataset[tag]
        elif action in ("U", "U*") and element.VR == "UI":
            element.value = self._remap(element.value)
        elif element.VR in TEMPORAL_VRS or action in ("Z", "U*"):
            element.value = ""
        elif action == "D":
            element.value = self._remap(element.value) if element.VR == "UI" else _dummy(element)
        elif element.VR in TEXT_VRS and element.keyword not in KEPT_TEXT:
            element.value = ""

    def _remap(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return self.uid(value) if value else value
        return [self.uid(str(v)) for v in value]  # multi-valued UI

    def _clean_roi_name(self, name: str) -> str:
        folded = name.casefold()
        return "" if any(part and part in folded for part in self._identity) else name

    def _clean(self, dataset: Dataset) -> None:
        for tag in list(dataset.keys()):
            if tag in dataset:
                self._clean_element(dataset, dataset[tag])

    def __call__(self, data: bytes) -> bytes:
        """A de-identified copy of one DICOM Part 10 file (see the module notes).

        Raises
        ------
        BurnedInAnnotation
            The file declares ``BurnedInAnnotation = YES``.
        """
        dataset = pydicom.dcmread(io.BytesIO(data), force=False)
        if str(dataset.get("BurnedInAnnotation", "")).upper() == "YES":
            raise BurnedInAnnotation(
                "BurnedInAnnotation",
                "the image may show the patient's name in its pixels",
                f"SOP instance {dataset.get('InstanceNumber', '?')}",
                "leave this image out of the upload or export it after a manual review",
            )
        self._identity = tuple(
            p
            for value in (dataset.get("PatientName"), dataset.get("PatientID"))
            for p in str(value or "").casefold().replace("^", " ").split()
            if len(p) >= 3
        )
        self._clean(dataset)
        dataset.PatientName = self.pseudonym
        dataset.PatientID = self.pseudonym
        dataset.PatientIdentityRemoved = "YES"
        dataset.DeidentificationMethod = METHOD
        dataset.LongitudinalTemporalInformationModified = "REMOVED"
        codes = []
        for value, meaning in METHOD_CODES:
            code = Dataset()
            code.CodeValue = value
            code.CodingSchemeDesignator = "DCM"
            code.CodeMeaning = meaning
            codes.append(code)
        dataset.DeidentificationMethodCodeSequence = codes
        meta = dataset.file_meta
        meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        out = io.BytesIO()
        dataset.save_as(out, enforce_file_format=True)
        return out.getvalue()


def deidentify_bytes(data: bytes, pseudonym: str) -> bytes:
    """One file de-identified on its own (its UIDs mapped with a fresh key; for several files
    of one export use one :class:`Deidentifier`)."""
    return Deidentifier(pseudonym)(data)


def identifying_values(data: bytes) -> Iterable[str]:
    """Person names and patient identifiers left in a file (for checks after export)."""
    dataset = pydicom.dcmread(io.BytesIO(data))
    found: list[str] = []

    def visit(_ds: Dataset, element: DataElement) -> None:
        if element.VR == "PN" and str(element.value):
            found.append(f"{element.keyword}={element.value}")

    dataset.walk(visit)
    return found
