"""Lipiodol-guided GTV suggestion on a post-TACE CT.

After TACE the iodised oil stays in the tumour and shows as very high HU inside the liver. Seed 000
recommends "CT and MRI image fusion techniques combined with iodine oil deposition after TACE ...
to determine the bulk tumor extent (GTV)"; seed 001 names "poor iodine oil deposition" among the
reasons for radiotherapy alone. This module finds the deposits and proposes them, for the
clinician to accept or redraw, as ``GTV_lipiodol`` candidates:

* voxels inside the Liver ROI (voxel centre inside) with HU >= the threshold, grouped in
  26-connected components; components below ``min_volume_cc`` are dropped as noise or small
  calcifications;
* each candidate: volume (voxel count), mean and maximum HU, centroid (LPS mm), and its location:
  the Couinaud segment when a segment map is given (the phantom's), otherwise the nearest named
  structure (distance from the centroid to its contour vertices);
* compared with an existing GTV: Dice, candidate volume inside and outside the GTV, and the
  fraction of the GTV the deposits fill (``deposition_fraction``).

Threshold: :data:`DEFAULT_THRESHOLD_HU` is **UNCONFIRMED** (no seed gives a value): it lies
above contrast-enhanced liver and portal vessels (about 60-200 HU in the portal-venous phase)
and below the several hundred to over a thousand HU of compact lipiodol deposits; it is an
overridable default (``--threshold-hu``). Bone is excluded by the liver mask, not by the
threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hccrt.dicom.ct import CTSeries
from hccrt.errors import InputError
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid, require_same_frame
from hccrt.geometry.mask_contours import occupancy_to_contours
from hccrt.geometry.rasterize import structure_occupancy
from hccrt.geometry.structure_grid import crop_grid

DEFAULT_THRESHOLD_HU = 300.0
THRESHOLD_SOURCE = (
    "UNCONFIRMED default: above enhanced liver/portal vessels (~60-200 HU), below compact "
    "lipiodol (hundreds to > 1000 HU); no seed value; override with --threshold-hu"
)
DEFAULT_MIN_VOLUME_CC = 0.1
POOR_DEPOSITION_FRACTION = 0.5
"""UNCONFIRMED: deposits filling less than half of the GTV are reported as poor deposition."""
SUGGESTION_DESCRIPTION = "SUGGESTION for clinician review: lipiodol >= {hu:g} HU (hccrt)"


@dataclass(frozen=True)
class LipiodolCandidate:
    """One high-HU component inside the liver."""

    name: str
    volume_cc: float
    mean_hu: float
    max_hu: float
    centroid_mm: tuple[float, float, float]
    segment: int | None
    nearest_structure: str
    nearest_distance_mm: float
    contours: StructureContours


@dataclass(frozen=True)
class LipiodolReport:
    """Candidates and the comparison with the GTV (module docstring)."""

    threshold_hu: float
    threshold_source: str
    min_volume_cc: float
    candidates: tuple[LipiodolCandidate, ...]
    gtv_name: str | None = None
    gtv_volume_cc: float | None = None
    dice: float | None = None
    inside_gtv_cc: float | None = None
    outside_gtv_cc: float | None = None
    deposition_fraction: float | None = None

    @property
    def poor_deposition(self) -> bool | None:
        """Deposits fill less than :data:`POOR_DEPOSITION_FRACTION` of the GTV (None: no GTV)."""
        if self.deposition_fraction is None:
            return None
        return self.deposition_fraction < POOR_DEPOSITION_FRACTION

    def to_json(self) -> dict[str, object]:
        """Plain JSON types: the threshold, every candidate and the comparison with the GTV."""
        return {
            "threshold_hu": self.threshold_hu,
            "threshold_source": self.threshold_source,
            "min_volume_cc": self.min_volume_cc,
            "candidates": [
                {
                    "name": c.name,
                    "volume_cc": round(c.volume_cc, 3),
                    "mean_hu": round(c.mean_hu, 1),
                    "max_hu": round(c.max_hu, 1),
                    "centroid_mm": [round(v, 1) for v in c.centroid_mm],
                    "segment": c.segment,
                    "nearest_structure": c.nearest_structure,
                    "nearest_distance_mm": round(c.nearest_distance_mm, 1),
                }
                for c in self.candidates
            ],
            "gtv": self.gtv_name,
            "gtv_volume_cc": self.gtv_volume_cc,
            "dice": self.dice,
            "inside_gtv_cc": self.inside_gtv_cc,
            "outside_gtv_cc": self.outside_gtv_cc,
            "deposition_fraction": self.deposition_fraction,
            "poor_deposition": self.poor_deposition,
            "poor_deposition_cut_off": POOR_DEPOSITION_FRACTION,
        }


def _mask(structure: StructureContours, grid: Grid) -> npt.NDArray[np.bool_]:
    occupancy = structure_occupancy(structure, grid, 4, axial="centre", on_outside="clip")
    return np.asarray(occupancy >= 0.5)


def _nearest(
    point: npt.NDArray[np.float64], structures: Sequence[StructureContours]
) -> tuple[str, float]:
    best = ("", float("inf"))
    for structure in structures:
        if structure.is_empty:
            continue
        distance = float(np.min(np.linalg.norm(structure.all_points_mm() - point, axis=1)))
        if distance < best[1]:
            best = (structure.name, distance)
    return best


def find_lipiodol(
    ct: CTSeries,
    liver: StructureContours,
    *,
    threshold_hu: float = DEFAULT_THRESHOLD_HU,
    min_volume_cc: float = DEFAULT_MIN_VOLUME_CC,
    gtv: StructureContours | None = None,
    others: Sequence[StructureContours] = (),
    segment_of: Callable[[npt.NDArray[np.float64]], int] | None = None,
) -> LipiodolReport:
    """Find lipiodol deposits in the liver and compare them with the GTV.

    Parameters
    ----------
    ct
        The post-TACE CT (HU).
    liver
        The Liver ROI on that CT.
    threshold_hu
        Lowest HU of a deposit (default :data:`DEFAULT_THRESHOLD_HU`, UNCONFIRMED).
    min_volume_cc
        Smallest candidate kept, cc.
    gtv
        Existing GTV to compare with (optional).
    others
        Named structures for the location of a candidate (nearest one).
    segment_of
        Couinaud segment of a point (LPS mm), where a segment map exists (the phantom).

    Raises
    ------
    InputError
        Threshold or volume out of range, a Liver without voxels on the CT.
    """
    for name, value, low, high, fix in (
        ("--threshold-hu", threshold_hu, 150.0, 3000.0, "give a HU value, e.g. 300"),
        ("--min-volume-cc", min_volume_cc, 0.0, 100.0, "give a volume in cc, e.g. 0.1"),
    ):
        if isinstance(value, bool) or not np.isfinite(value) or not low <= value <= high:
            raise InputError(name, f"must be {low:g}-{high:g}", value, fix)
    require_same_frame(
        liver.frame_of_reference_uid, ct.grid.frame_of_reference_uid, "Liver ROI and CT"
    )
    if liver.is_empty:
        raise InputError("--liver", "ROI has no contour", liver.name, "give the Liver ROI name")
    grid = crop_grid(ct.grid, liver.all_points_mm(), 3.0)
    liver_mask = _mask(liver, grid)
    if not liver_mask.any():
        raise InputError("--liver", "covers no CT voxel", liver.name, "check the ROI and CT")
    index = np.round(ct.grid.world_to_index(grid.origin_mm)).astype(int)
    hu = ct.hu[
        index[0] : index[0] + grid.shape[0],
        index[1] : index[1] + grid.shape[1],
        index[2] : index[2] + grid.shape[2],
    ]
    labels, count = ndimage.label((hu >= threshold_hu) & liver_mask, np.ones((3, 3, 3)))
    voxel_cc = grid.voxel_volume_cc
    candidates: list[LipiodolCandidate] = []
    union = np.zeros(grid.shape, dtype=bool)
    sizes = ndimage.sum_labels(np.ones_like(labels), labels, np.arange(1, count + 1))
    order = np.argsort(-sizes)
    for label in order + 1:
        component = labels == label
        volume = float(component.sum()) * voxel_cc
        if volume < min_volume_cc:
            continue
        union |= component
        centroid = grid.index_to_world(np.argwhere(component).mean(axis=0))
        name = "GTV_lipiodol" if not candidates else f"GTV_lipiodol_{len(candidates) + 1}"
        nearest = _nearest(centroid, others)
        candidates.append(
            LipiodolCandidate(
                name=name,
                volume_cc=volume,
                mean_hu=float(hu[component].mean()),
                max_hu=float(hu[component].max()),
                centroid_mm=(float(centroid[0]), float(centroid[1]), float(centroid[2])),
                segment=None if segment_of is None else int(segment_of(centroid)),
                nearest_structure=nearest[0],
                nearest_distance_mm=nearest[1],
                contours=occupancy_to_contours(
                    component.astype(np.float32),
                    grid,
                    name,
                    len(candidates) + 1,
                    color_rgb=(255, 255, 0),
                    interpreted_type="",
                ),
            )
        )
    report = LipiodolReport(threshold_hu, THRESHOLD_SOURCE, min_volume_cc, tuple(candidates))
    if gtv is None:
        return report
    gtv_mask = _mask(gtv, grid)
    gtv_cc = float(gtv_mask.sum()) * voxel_cc
    inside = float((union & gtv_mask).sum()) * voxel_cc
    total = float(union.sum()) * voxel_cc
    dice = 2 * inside / (total + gtv_cc) if total + gtv_cc > 0 else 0.0
    return LipiodolReport(
        threshold_hu,
        THRESHOLD_SOURCE,
        min_volume_cc,
        tuple(candidates),
        gtv_name=gtv.name,
        gtv_volume_cc=gtv_cc,
        dice=dice,
        inside_gtv_cc=inside,
        outside_gtv_cc=total - inside,
        deposition_fraction=inside / gtv_cc if gtv_cc > 0 else 0.0,
    )
