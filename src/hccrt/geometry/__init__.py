"""Geometry in DICOM patient coordinates: grids, contours, masks and margins."""

from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import INDEX_CONVENTION, Grid, require_overlap, require_same_frame

__all__ = [
    "INDEX_CONVENTION",
    "Grid",
    "PlanarContour",
    "StructureContours",
    "require_overlap",
    "require_same_frame",
]
