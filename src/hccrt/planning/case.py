"""Planning inputs from a CT and a structure set: dose grid, structure masks, PTV, beams.

Target volumes follow seed 000: "The clinical tumor volume (CTV) is GTV plus 5 mm-10 mm, and
the planned volume (PTV) is CTV plus 6 mm under the condition of using ABC device". When the
structure set has no PTV or CTV, CTV = (union of every GTV-like ROI: GTV, GTV_*, GTV_PVTT, IGTV)
+ 5 mm and PTV = CTV + 6 mm (ABC breath control assumed) are built with the exact-in-mm margins
of :mod:`hccrt.geometry.margins`, kept inside the body. Every target-like ROI (GTV/CTV/ITV/PTV
by TG-263 naming) must lie in the planned target, or the plan is refused: a tumour is never
left out silently. The normal liver is Liver minus *all* GTVs (QUANTEC convention, the seed's
"whole liver average dose" being taken on the non-tumour liver), the same structure the
evaluation derives, or the contoured normal liver when the structure set has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.dvh.names import find_structure, gtv_like, is_target
from hccrt.errors import InputError
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid, require_same_frame
from hccrt.geometry.margins import apply_margin
from hccrt.geometry.rasterize import structure_occupancy
from hccrt.planning.beams import Beam
from hccrt.planning.collision import DEFAULT_MACHINE, MachineGeometry, check_beams, collision_scene
from hccrt.planning.protocol import NORMAL_LIVER

CTV_MARGIN_MM = 5.0
"""Seed 000: CTV = GTV + 5-10 mm (lower bound used by default; overridable)."""
PTV_MARGIN_ABC_MM = 6.0
"""Seed 000: PTV = CTV + 6 mm with an active breathing coordinator (ABC)."""

BODY_NAMES = ("BODY", "External", "EXTERNAL", "Body", "Skin", "OUTLINE")


@dataclass(frozen=True, eq=False)
class PlanningCase:
    """Dose grid, masks (``masks[name]`` boolean on ``dose_grid``) and provenance notes."""

    dose_grid: Grid
    masks: dict[str, npt.NDArray[np.bool_]] = field(repr=False)
    body: str
    target: str
    notes: tuple[str, ...]

    @property
    def isocenter_mm(self) -> tuple[float, float, float]:
        """Centre of mass of the target (LPS, mm): the default isocentre."""
        k, j, i = np.nonzero(self.masks[self.target])
        centre = self.dose_grid.index_to_world(np.array([k.mean(), j.mean(), i.mean()]))
        return (float(centre[0]), float(centre[1]), float(centre[2]))


def dose_grid_for(ct_grid: Grid, body_mask_ct: npt.NDArray[np.bool_], spacing_mm: float) -> Grid:
    """An axis-aligned dose grid of about ``spacing_mm`` in-plane over the body's bounding box.

    The slice spacing is a whole multiple of the CT's so contours stay on planes.
    """
    if not ct_grid.is_axis_aligned:
        raise InputError(
            "ct", "planning needs an axial, axis-aligned CT", "oblique", "resample the CT"
        )
    if not np.any(body_mask_ct):
        raise InputError("body", "is empty on the CT", 0, "check the BODY contour")
    dz = ct_grid.spacing_mm[0]
    k, j, i = np.nonzero(body_mask_ct)
    step_k = max(1, round(spacing_mm / dz))
    lo = ct_grid.index_to_world(np.array([k.min(), j.min(), i.min()], dtype=np.float64))
    hi = ct_grid.index_to_world(np.array([k.max(), j.max(), i.max()], dtype=np.float64))
    shape = (
        int((hi[2] - lo[2]) // (dz * step_k)) + 1,
        int(np.ceil((hi[1] - lo[1]) / spacing_mm)) + 1,
        int(np.ceil((hi[0] - lo[0]) / spacing_mm)) + 1,
    )
    return Grid.from_spacing(
        shape, (dz * step_k, spacing_mm, spacing_mm), lo, ct_grid.frame_of_reference_uid
    )


def prepare_case(
    ct_grid: Grid,
    hu: npt.NDArray[np.floating],
    structures: Sequence[StructureContours],
    target: str | None = None,
    dose_spacing_mm: float = 3.0,
    ctv_margin_mm: float = CTV_MARGIN_MM,
    ptv_margin_mm: float = PTV_MARGIN_ABC_MM,
    extra_targets: Sequence[str] = (),
) -> PlanningCase:
    """Rasterise the structures on a dose grid and build CTV/PTV and the normal liver.

    ``extra_targets`` are further planned targets (their own prescriptions): each must be a
    non-empty ROI, and every target-like ROI must lie in the target or one of them.
    """
    by_name = {s.name: s for s in structures if s.contours}
    for s in by_name.values():
        require_same_frame(s.frame_of_reference_uid, ct_grid.frame_of_reference_uid, s.name)
    notes: list[str] = []
    body = next((n for n in BODY_NAMES if n in by_name), None)
    if body is None:
        body_ct = hu > -400.0
        body = "BODY"
        notes.append("no BODY/External ROI: body = CT voxels above -400 HU")
    else:
        body_ct = structure_occupancy(by_name[body], ct_grid, on_outside="clip") >= 0.5
    grid = dose_grid_for(ct_grid, body_ct, dose_spacing_mm)
    masks: dict[str, npt.NDArray[np.bool_]] = {}
    planned = set(extra_targets) | ({target} if target else set())
    for name, s in by_name.items():
        if is_target(name) or name in planned:
            _require_inside_ct(s, ct_grid)
        masks[name] = structure_occupancy(s, grid, on_outside="clip") >= 0.5
    if body not in masks:
        index = np.rint(
            ct_grid.world_to_index(grid.index_to_world(np.indices(grid.shape).reshape(3, -1).T))
        ).astype(np.int64)
        inside = np.all((index >= 0) & (index < np.array(ct_grid.shape)), axis=1)
        flat = np.zeros(index.shape[0], dtype=bool)
        flat[inside] = body_ct[index[inside, 0], index[inside, 1], index[inside, 2]]
        masks[body] = flat.reshape(grid.shape)
    gtvs = gtv_like(masks)
    chosen = target or next((n for n in ("PTV", "CTV") if n in masks), None)
    if chosen is None and target is None and gtvs:
        ctv = apply_margin(_union(masks, gtvs, grid.shape), grid, ctv_margin_mm, within=masks[body])
        ptv = apply_margin(ctv, grid, ptv_margin_mm, within=masks[body])
        masks["CTV"], masks["PTV"] = ctv, ptv
        chosen = "PTV"
        tumour = gtvs[0] if len(gtvs) == 1 else f"union({', '.join(gtvs)})"
        notes.append(
            f"PTV built: CTV = {tumour} + {ctv_margin_mm:g} mm, PTV = CTV + "
            f"{ptv_margin_mm:g} mm (ABC), inside BODY (seed 000); every GTV-like ROI is in it"
        )
    if chosen is None or chosen not in masks:
        raise InputError(
            "target",
            "the prescription has no target: no PTV, CTV or GTV in the structure set",
            target,
            f"name the target with --target (structures: {sorted(masks)})",
        )
    if not np.any(masks[chosen]):
        raise InputError("target", "is empty on the dose grid", chosen, "check the contour")
    for name in extra_targets:
        if name not in masks or not np.any(masks[name]):
            raise InputError(
                "--prescription",
                "names an ROI that is not in the structure set or is empty on the dose grid",
                name,
                f"use one of {sorted(masks)}",
            )
    _require_targets_inside(masks, chosen, grid.voxel_volume_cc, tuple(extra_targets))
    liver = find_structure("Liver", masks)
    if liver is not None:
        contoured = find_structure(NORMAL_LIVER, masks)
        if contoured is not None:
            masks[NORMAL_LIVER] = masks[contoured]
            notes.append(f"normal liver: {contoured} as contoured")
        else:
            masks[NORMAL_LIVER] = masks[liver] & ~_union(masks, gtvs, grid.shape)
            notes.append(
                f"normal liver: {liver} minus {', '.join(gtvs) or 'nothing (no GTV)'} "
                "(the evaluation's Liver-GTV)"
            )
    return PlanningCase(grid, masks, body, chosen, tuple(notes))


def _union(
    masks: dict[str, npt.NDArray[np.bool_]], names: Sequence[str], shape: tuple[int, int, int]
) -> npt.NDArray[np.bool_]:
    union = np.zeros(shape, dtype=bool)
    for name in names:
        union |= masks[name]
    return union


TARGET_INSIDE_MIN_FRACTION = 0.98
"""Share of a target-like ROI's voxels that must lie in the planned target (voxel-centre masks
on the dose grid; the 2 % allow for rasterisation at the edge of a zero-margin PTV)."""


def _require_targets_inside(
    masks: dict[str, npt.NDArray[np.bool_]],
    chosen: str,
    voxel_cc: float,
    extra_targets: tuple[str, ...] = (),
) -> None:
    """Refuse the plan when a GTV/CTV/ITV/PTV-like ROI is left (partly) out of the targets."""
    planned = masks[chosen].copy()
    for name in extra_targets:
        planned |= masks[name]
    left_out = []
    for name in masks:
        if name == chosen or name in extra_targets or not is_target(name):
            continue
        voxels = int(masks[name].sum())
        inside = int((masks[name] & planned).sum())
        if voxels == 0 or inside < TARGET_INSIDE_MIN_FRACTION * voxels:
            share = 100.0 * inside / voxels if voxels else 0.0
            left_out.append(f"{name} ({share:.0f} % of {voxels * voxel_cc:.1f} cc inside {chosen})")
    if left_out:
        raise InputError(
            "target",
            f"target-like ROIs are not (fully) in the planned target {chosen}; a tumour would go "
            "unplanned",
            "; ".join(left_out),
            "contour a PTV that holds every GTV, name it with --target, or rename ROIs that are "
            "not targets",
        )


def _require_inside_ct(
    structure: StructureContours, ct_grid: Grid, tolerance_mm: float = 1.0
) -> None:
    """Refuse a target whose contour points leave the CT volume: the part outside would go
    unplanned (no density, no dose) without a word."""
    low, high = ct_grid.bounds_mm()
    points = np.concatenate([c.points_mm for c in structure.contours])
    outside = np.any((points < low - tolerance_mm) | (points > high + tolerance_mm), axis=1)
    if np.any(outside):
        reach = np.round(np.stack([points.min(axis=0), points.max(axis=0)]), 1).tolist()
        ct = np.round(np.stack([low, high]), 1).tolist()
        raise InputError(
            f"target ROI {structure.name!r}",
            "must lie inside the CT volume to be planned",
            f"{int(outside.sum())} of {len(points)} contour points outside; contour spans "
            f"{reach} mm, CT spans {ct} mm (LPS)",
            "check the contour and the CT's scan length and field of view (rescan or re-contour)",
        )


def per_beam_angles(
    values: Sequence[float] | float, count: int, field_name: str
) -> tuple[float, ...]:
    """One angle per beam from one value for all, or one per gantry angle.

    Parameters
    ----------
    values
        A number, an empty sequence (0 for all), one value, or ``count`` values (degrees).
    count
        Number of beams (gantry angles).
    field_name
        The option named in a refusal (e.g. ``--couch-angles``).

    Returns
    -------
    tuple of float
        ``count`` angles.

    Raises
    ------
    InputError
        Another number of values, or an angle outside [-360, 360].
    """
    given = (float(values),) if isinstance(values, int | float) else tuple(map(float, values))
    if not given:
        given = (0.0,)
    if len(given) == 1:
        given = given * count
    if len(given) != count:
        raise InputError(
            field_name,
            f"needs one angle for all beams or one per gantry angle ({count})",
            ",".join(f"{v:g}" for v in given),
            f"give 1 or {count} comma-separated angles",
        )
    for value in given:
        if not (np.isfinite(value) and -360.0 <= value <= 360.0):
            raise InputError(field_name, "must be angles in [-360, 360] degrees", value, "e.g. 0")
    return given


def body_surface_points(case: PlanningCase) -> npt.NDArray[np.float64]:
    """LPS centres (mm) of the body's outer voxels on the dose grid (for the collision check)."""
    from scipy.ndimage import binary_erosion

    body = case.masks[case.body]
    shell = body & ~binary_erosion(body)
    index = np.argwhere(shell).astype(np.float64)
    result: npt.NDArray[np.float64] = case.dose_grid.index_to_world(index)
    return result


def beams_for(
    case: PlanningCase,
    gantry_deg: Sequence[float],
    couch_deg: Sequence[float] | float = 0.0,
    collimator_deg: Sequence[float] | float = 0.0,
    machine: MachineGeometry | None = DEFAULT_MACHINE,
) -> tuple[Beam, ...]:
    """Beams at the target centre, checked for gantry-head collisions.

    Parameters
    ----------
    case
        The planning case (isocentre at its target's centre; its body for the collision check).
    gantry_deg
        Gantry angles (IEC 61217, degrees), one beam each.
    couch_deg, collimator_deg
        One angle for all beams or one per gantry angle (degrees).
    machine
        Machine description of the collision check
        (:class:`hccrt.planning.collision.MachineGeometry`); ``None`` skips the check.

    Returns
    -------
    tuple of Beam
        Named ``B<n>_G<gantry>`` (``_T<couch>`` and ``_C<collimator>`` added when not 0).

    Raises
    ------
    InputError
        No gantry angle, a wrong number of couch/collimator angles, or a beam whose gantry head
        would hit the couch or the patient (:func:`hccrt.planning.collision.check_beams`).
    """
    if not gantry_deg:
        raise InputError("gantry_angles", "needs at least one angle", [], "e.g. 0,50,100")
    iso = case.isocenter_mm
    couch = per_beam_angles(couch_deg, len(gantry_deg), "--couch-angles")
    collimator = per_beam_angles(collimator_deg, len(gantry_deg), "--collimator-angles")
    beams = []
    for n, (g, t, c) in enumerate(zip(gantry_deg, couch, collimator, strict=True)):
        name = f"B{n + 1}_G{round(float(g)) % 360:03d}"
        name += f"_T{round(t) % 360:03d}" if t % 360 else ""
        name += f"_C{round(c) % 360:03d}" if c % 360 else ""
        beams.append(Beam(float(g), iso, couch_deg=t, collimator_deg=c, name=name))
    if machine is not None:
        check_beams(collision_scene(body_surface_points(case), iso, machine), beams)
    return tuple(beams)
