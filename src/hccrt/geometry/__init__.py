"""Geometry in DICOM patient coordinates: grids, contours, masks and margins."""

from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.derive import ExpressionError, evaluate, parse_expression
from hccrt.geometry.grid import INDEX_CONVENTION, Grid, require_overlap, require_same_frame
from hccrt.geometry.margins import Margins, apply_margin, contract_mask, expand_mask
from hccrt.geometry.mask_contours import occupancy_to_contours
from hccrt.geometry.motion import AxisValues, PTVMarginResult, ptv_margin
from hccrt.geometry.rasterize import (
    structure_occupancy,
    structure_volume_cc_from_mask,
    structure_volume_cc_from_polygons,
)
from hccrt.geometry.structure_grid import grid_for_structures

__all__ = [
    "INDEX_CONVENTION",
    "AxisValues",
    "ExpressionError",
    "Grid",
    "Margins",
    "PTVMarginResult",
    "PlanarContour",
    "StructureContours",
    "apply_margin",
    "contract_mask",
    "evaluate",
    "expand_mask",
    "grid_for_structures",
    "occupancy_to_contours",
    "parse_expression",
    "ptv_margin",
    "require_overlap",
    "require_same_frame",
    "structure_occupancy",
    "structure_volume_cc_from_mask",
    "structure_volume_cc_from_polygons",
]
