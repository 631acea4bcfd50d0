"""The ROIs of one structure set with their identity: :class:`StructureSet`."""

from __future__ import annotations

from dataclasses import dataclass

from hccrt.errors import InputError
from hccrt.geometry.contours import StructureContours

__all__ = ["StructureSet"]


@dataclass(frozen=True)
class StructureSet:
    """The ROIs of one structure set (an RTSTRUCT file, or structures built in memory).

    Parameters
    ----------
    structures
        One entry per declared ROI (empty ROIs included), in StructureSetROISequence order.
    frame_of_reference_uid
        Frame of Reference of the structure set.
    referenced_series_uid
        SeriesInstanceUID of the image series the contours were drawn on (``None`` if absent).
    sop_instance_uid
        SOPInstanceUID of the RTSTRUCT.
    warnings
        Skipped contours and missing references, as sentences.
    referenced_image_uids
        SOPInstanceUIDs of the images the structure set references.
    study_instance_uid, patient_id, label
        Identification as stored.
    """

    structures: tuple[StructureContours, ...]
    frame_of_reference_uid: str
    referenced_series_uid: str | None
    sop_instance_uid: str
    warnings: tuple[str, ...] = ()
    referenced_image_uids: frozenset[str] = frozenset()
    study_instance_uid: str = ""
    patient_id: str = ""
    label: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """ROI names in file order."""
        return tuple(s.name for s in self.structures)

    def get(self, name: str) -> StructureContours:
        """Return the ROI whose name matches ``name`` ignoring case and surrounding blanks.

        Raises
        ------
        InputError
            When no ROI or more than one ROI matches; the message lists the available names.
        """
        wanted = name.strip().casefold()
        found = [s for s in self.structures if s.name.strip().casefold() == wanted]
        if len(found) == 1:
            return found[0]
        if not found:
            raise InputError(
                "structure",
                "not in the structure set",
                name,
                f"use one of: {', '.join(self.names) or '(none)'}",
            )
        raise InputError(
            "structure",
            "several ROIs have this name (case-insensitive)",
            name,
            f"ROI numbers {[s.number for s in found]}; rename one in the planning system",
        )
