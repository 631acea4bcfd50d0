"""Geometry in DICOM patient coordinates: grids, contours, masks and margins."""

from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import INDEX_CONVENTION, Grid, require_overlap, require_same_frame
from hccrt.geometry.rasterize import (
    structure_occupancy,
    structure_volume_cc_from_mask,
    structure_volume_cc_from_polygons,
)

__all__ = [
    "INDEX_CONVENTION",
    "Grid",
    "PlanarContour",
    "StructureContours",
    "require_overlap",
    "require_same_frame",
    "structure_occupancy",
    "structure_volume_cc_from_mask",
    "structure_volume_cc_from_polygons",
]
