"""Geometry in DICOM patient coordinates: grids, contours, masks and margins.

Grids, contours and rasterisation (numpy only) load eagerly; margins, expressions, the motion
helper and contouring (scipy, scikit-image) load on first use, so ``import hccrt.geometry``
stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import INDEX_CONVENTION, Grid, require_overlap, require_same_frame
from hccrt.geometry.rasterize import (
    structure_occupancy,
    structure_volume_cc_from_mask,
    structure_volume_cc_from_polygons,
)

if TYPE_CHECKING:
    from hccrt.geometry.derive import ExpressionError, evaluate, parse_expression
    from hccrt.geometry.margins import (
        Margins,
        apply_margin,
        contract_mask,
        contract_occupancy,
        expand_mask,
        expand_occupancy,
    )
    from hccrt.geometry.mask_contours import occupancy_to_contours
    from hccrt.geometry.motion import AxisValues, PTVMarginResult, ptv_margin
    from hccrt.geometry.structure_grid import grid_for_structures

_LAZY = {
    "ExpressionError": "hccrt.geometry.derive",
    "evaluate": "hccrt.geometry.derive",
    "parse_expression": "hccrt.geometry.derive",
    "Margins": "hccrt.geometry.margins",
    "apply_margin": "hccrt.geometry.margins",
    "contract_mask": "hccrt.geometry.margins",
    "contract_occupancy": "hccrt.geometry.margins",
    "expand_mask": "hccrt.geometry.margins",
    "expand_occupancy": "hccrt.geometry.margins",
    "occupancy_to_contours": "hccrt.geometry.mask_contours",
    "AxisValues": "hccrt.geometry.motion",
    "PTVMarginResult": "hccrt.geometry.motion",
    "ptv_margin": "hccrt.geometry.motion",
    "grid_for_structures": "hccrt.geometry.structure_grid",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hccrt.geometry' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


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
    "contract_occupancy",
    "evaluate",
    "expand_mask",
    "expand_occupancy",
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
