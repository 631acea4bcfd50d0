"""Structure-set workflows behind ``hccrt structures``, ``hccrt margin`` and ``hccrt derive``.

They join the DICOM readers with the geometry tools: volumes of every ROI (from the polygons and,
with a CT, from the mask on the CT grid), and new ROIs built by margins or expressions on the CT
grid (or, without a CT, on a 1 mm grid whose slices are the contour planes), converted back to
contours at level 0.5 of the occupancy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hccrt.core import Image, StructureSet
from hccrt.dicom.ct import read_ct_series
from hccrt.dicom.ct_writer import CTReference
from hccrt.dicom.rtstruct import check_against_series, read_rtstruct
from hccrt.dicom.rtstruct_writer import add_rois
from hccrt.errors import InputError
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.derive import (
    Binary,
    Call,
    Name,
    Node,
    evaluate,
    parse_expression,
    structure_names,
)
from hccrt.geometry.grid import Grid
from hccrt.geometry.margins import Margins
from hccrt.geometry.mask_contours import occupancy_to_contours
from hccrt.geometry.rasterize import (
    structure_occupancy,
    structure_volume_cc_from_mask,
    structure_volume_cc_from_polygons,
)
from hccrt.geometry.structure_grid import crop_grid, grid_for_structures

TG263_PATTERN = re.compile(r"^[A-Za-z0-9_\-^]{1,16}$")
_TARGET_PREFIXES = {"GTV": "GTV", "CTV": "CTV", "ITV": "CTV", "PTV": "PTV"}
_TYPE_COLOURS = {
    "GTV": (255, 0, 0),
    "CTV": (255, 128, 0),
    "PTV": (0, 128, 255),
    "ORGAN": (0, 200, 100),
    "CONTROL": (200, 200, 0),
}


@dataclass(frozen=True)
class StructureVolume:
    """Volume of one ROI: from its polygons and (with a CT) from its mask on the CT grid."""

    name: str
    number: int
    interpreted_type: str
    contours: int
    volume_cc: float | None
    volume_cc_mask: float | None


@dataclass(frozen=True)
class StructureTable:
    """All ROIs of a structure set with their volumes."""

    structures: tuple[StructureVolume, ...]
    frame_of_reference_uid: str
    sop_instance_uid: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class DerivedStructure:
    """A new ROI computed from existing ones, with the grid and occupancy it came from."""

    structure: StructureContours
    expression: str
    volume_cc: float
    volume_cc_polygons: float
    grid: Grid
    occupancy: npt.NDArray[np.float32]
    warnings: tuple[str, ...]


def _load(
    rtstruct_path: str | Path, ct_dir: str | Path | None
) -> tuple[StructureSet, Image | None, list[str]]:
    structure_set = read_rtstruct(rtstruct_path)
    notes = list(structure_set.warnings)
    series = None
    if ct_dir is not None:
        series = read_ct_series(ct_dir)
        notes.extend(series.warnings)
        notes.extend(check_against_series(structure_set, series))
    return structure_set, series, notes


def structure_table(rtstruct_path: str | Path, ct_dir: str | Path | None = None) -> StructureTable:
    """Volumes (cc) of every ROI; ``volume_cc_mask`` only when a CT series is given.

    One-plane ROIs have no polygon volume without a CT (their slab thickness is unknown); they are
    reported with ``volume_cc = None`` and a warning.
    """
    structure_set, series, notes = _load(rtstruct_path, ct_dir)
    rows = []
    for structure in structure_set.structures:
        thickness = series.grid.spacing_mm[0] if series is not None else None
        try:
            polygons = structure_volume_cc_from_polygons(
                structure, single_plane_thickness_mm=thickness
            )
        except InputError as error:
            notes.append(f"ROI '{structure.name}': {error}")
            polygons = None
        mask = None
        if series is not None and not structure.is_empty:
            occupancy = structure_occupancy(structure, series.grid, on_outside="clip")
            mask = structure_volume_cc_from_mask(occupancy, series.grid)
            if polygons and mask < 0.995 * polygons:
                notes.append(
                    f"ROI '{structure.name}': {100 * (1 - mask / polygons):.1f} % of its volume "
                    "lies outside the CT volume"
                )
        rows.append(
            StructureVolume(
                name=structure.name,
                number=structure.number,
                interpreted_type=structure.interpreted_type,
                contours=len(structure.contours),
                volume_cc=polygons,
                volume_cc_mask=mask if series is not None else None,
            )
        )
    return StructureTable(
        structures=tuple(rows),
        frame_of_reference_uid=structure_set.frame_of_reference_uid,
        sop_instance_uid=structure_set.sop_instance_uid,
        warnings=tuple(notes),
    )


def margin_expression(
    source: str,
    margins: Margins,
    *,
    contract: bool = False,
    within: str | None = None,
    subtract: str | None = None,
) -> Node:
    """Expression tree for ``expand/contract(source) & within - subtract``."""
    node: Node = Call("contract" if contract else "expand", Name(source), margins.as_tuple())
    if within:
        node = Binary("&", node, Name(within))
    if subtract:
        node = Binary("-", node, Name(subtract))
    return node


def reach_mm(node: Node) -> float:
    """Upper bound of how far (mm) an expression can grow beyond its structures."""
    if isinstance(node, Name):
        return 0.0
    if isinstance(node, Binary):
        return max(reach_mm(node.left), reach_mm(node.right))
    grow = max(node.values_mm) if node.function != "contract" else 0.0
    return reach_mm(node.operand) + grow


def check_new_name(name: str, structure_set: StructureSet) -> list[str]:
    """Refuse a name already in the set; warn when it is not TG-263 style."""
    if name.strip().casefold() in {n.strip().casefold() for n in structure_set.names}:
        raise InputError(
            "name", "an ROI with this name already exists", name, "choose a new name (TG-263 style)"
        )
    if not TG263_PATTERN.match(name):
        return [
            f"new ROI name '{name}' is not TG-263 style (1-16 characters: letters, digits, _ - ^), "
            "e.g. Liver-GTV, PTV_High, z_Ring"
        ]
    return []


def interpreted_type_for(name: str, first_type: str) -> str:
    """RTROIInterpretedType for a new ROI: target prefixes, rings as CONTROL, else the source's."""
    upper = name.upper()
    for prefix, kind in _TARGET_PREFIXES.items():
        if upper.startswith(prefix):
            return kind
    if upper.startswith("Z") or "RING" in upper:
        return "CONTROL"
    return first_type if first_type == "ORGAN" else "CONTROL"


def derive_structure(
    rtstruct_path: str | Path,
    expression: str | Node,
    new_name: str,
    *,
    ct_dir: str | Path | None = None,
    resolution_mm: float = 1.0,
) -> DerivedStructure:
    """Evaluate an expression on the CT grid (or a contour-plane grid) and contour the result.

    Parameters
    ----------
    rtstruct_path
        Source RTSTRUCT.
    expression
        Text (see :mod:`hccrt.geometry.derive`) or a parsed tree.
    new_name
        Name of the new ROI (must not exist yet; TG-263 style recommended).
    ct_dir
        CT series of the structure set: its grid is used (recommended for planning).
    resolution_mm
        In-plane spacing of the grid built from the contours when no CT is given.
    """
    node = parse_expression(expression) if isinstance(expression, str) else expression
    text = expression if isinstance(expression, str) else repr(expression)
    structure_set, series, notes = _load(rtstruct_path, ct_dir)
    notes.extend(check_new_name(new_name, structure_set))
    used = [structure_set.get(name) for name in structure_names(node)]
    for structure in used:
        if structure.is_empty:
            raise InputError(
                f"structure '{structure.name}'", "has no closed contour", None, "contour it first"
            )
    if series is not None:
        # work on the part of the CT grid the result can reach (its voxels are CT voxels)
        points = np.concatenate([s.all_points_mm() for s in used])
        grid = crop_grid(series.grid, points, reach_mm(node) + 2.0)
    else:
        if not 0.2 <= resolution_mm <= 5.0:
            raise InputError("resolution_mm", "must be 0.2-5 mm", resolution_mm, "use 1 mm")
        grid = grid_for_structures(used, reach_mm(node) + 3 * resolution_mm, resolution_mm)
    cache: dict[str, npt.NDArray[np.float32]] = {}

    def resolve(name: str) -> npt.NDArray[np.float32]:
        structure = structure_set.get(name)
        if structure.name not in cache:
            cache[structure.name] = structure_occupancy(structure, grid, on_outside="clip")
        return cache[structure.name]

    occupancy = evaluate(node, resolve, grid)
    kind = interpreted_type_for(new_name, used[0].interpreted_type)
    number = max((s.number for s in structure_set.structures), default=0) + 1
    contours = occupancy_to_contours(
        occupancy,
        grid,
        new_name,
        number,
        color_rgb=_TYPE_COLOURS.get(kind, (200, 200, 0)),
        interpreted_type=kind,
    )
    if contours.is_empty:
        notes.append(f"the new ROI '{new_name}' is empty")
        polygons = 0.0
    else:
        polygons = structure_volume_cc_from_polygons(
            contours, single_plane_thickness_mm=grid.spacing_mm[0]
        )
    return DerivedStructure(
        structure=contours,
        expression=text,
        volume_cc=structure_volume_cc_from_mask(occupancy, grid),
        volume_cc_polygons=polygons,
        grid=grid,
        occupancy=occupancy,
        warnings=tuple(notes),
    )


def save_new_rois(
    rtstruct_path: str | Path,
    new_structures: tuple[StructureContours, ...],
    out_path: str | Path,
    ct_dir: str | Path | None = None,
) -> str:
    """Write a copy of the RTSTRUCT with ``new_structures`` added; return its SOP Instance UID.

    Delegates to :func:`hccrt.dicom.rtstruct_writer.add_rois` (new SOP Instance UID, same Frame
    of Reference and referenced series, original ROIs untouched); with ``ct_dir`` every new
    contour is linked to its CT image.
    """
    if Path(out_path).resolve() == Path(rtstruct_path).resolve():
        raise InputError(
            "out", "must differ from the input RTSTRUCT", str(out_path), "write to a new file"
        )
    reference = CTReference.from_directory(ct_dir) if ct_dir is not None else None
    return add_rois(rtstruct_path, new_structures, out_path, reference)
