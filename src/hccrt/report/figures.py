"""Report figures (matplotlib, Agg backend): the DVH plot and dose slices over the CT.

A dose slice is cut through the target centre on the axial, coronal and sagittal planes (the
last two when the CT has at least 8 slices). On each:

* the CT in a stated window/level (:data:`CT_WINDOW_HU` / :data:`CT_LEVEL_HU`), or the dose grid
  itself without a CT;
* a colour wash (``plasma``, not jet) that starts at :data:`WASH_THRESHOLD_PERCENT` of the
  prescription (of the maximum dose without one), so low dose does not hide the anatomy;
* isodose lines at :data:`ISODOSE_PERCENT` of the prescription, labelled in Gy; without a
  prescription none are drawn and :attr:`DoseFigure.isodose_note` says why;
* the outline of every structure on that plane (the axial polygons; on coronal and sagittal
  planes the cut through the contour stack), in the colours of :mod:`hccrt.report.colours`;
* a 50 mm scale bar.

:func:`dose_figures` returns one :class:`DoseFigure` per plane with what it drew, for the
report caption and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
from matplotlib.lines import Line2D
from matplotlib.path import Path as PolygonPath
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar  # type: ignore[import-untyped]

from hccrt.core import Image
from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.interpolation import dose_at_points
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid
from hccrt.report.colours import structure_colours

FloatArray = npt.NDArray[np.float64]

ISODOSE_PERCENT: tuple[float, ...] = (105.0, 100.0, 95.0, 80.0, 50.0, 30.0)
"""Isodose levels drawn, in % of the prescription dose."""
ISODOSE_COLOURS: dict[float, str] = {
    105.0: "#ff00ff", 100.0: "#ff0000", 95.0: "#ff8c00", 80.0: "#ffff00", 50.0: "#00ff7f",
    30.0: "#00bfff",
}  # fmt: skip
WASH_THRESHOLD_PERCENT = 30.0
"""The colour wash starts at this % of the prescription (of the maximum without one)."""
WASH_COLOURMAP = "plasma"
CT_WINDOW_HU = 400.0
"""Soft-tissue (abdomen) window width of the CT background."""
CT_LEVEL_HU = 40.0
"""Window centre (level) of the CT background."""
SCALE_BAR_MM = 50.0
NO_PRESCRIPTION_NOTE = (
    "no isodose lines: the prescription dose is unknown (no RTPLAN dose reference); "
    "pass --prescription-gy to draw them"
)


@dataclass(frozen=True)
class IsodoseLevel:
    """One isodose level: its % of the prescription, its dose and whether the slice has it."""

    percent: float
    dose_gy: float
    drawn: bool

    @property
    def label(self) -> str:
        """``"95 % (47.5 Gy)"``."""
        return f"{self.percent:g} % ({self.dose_gy:.1f} Gy)"


@dataclass(frozen=True)
class DoseFigure:
    """One dose slice as written: file, plane and what it shows (for the caption and tests)."""

    view: Literal["axial", "coronal", "sagittal"]
    path: Path
    position: str
    background: str
    isodose_levels: tuple[IsodoseLevel, ...]
    isodose_note: str
    wash_threshold_gy: float
    structures_drawn: tuple[str, ...]
    window_hu: float | None
    level_hu: float | None

    @property
    def caption(self) -> str:
        """One line naming the plane, window/level, wash threshold, isodoses and structures."""
        ct = (
            f"CT window {self.window_hu:g} HU / level {self.level_hu:g} HU"
            if self.window_hu is not None and self.level_hu is not None
            else f"background: {self.background}"
        )
        drawn = [level.label for level in self.isodose_levels if level.drawn]
        isodoses = (
            "isodose lines " + ", ".join(drawn)
            if drawn
            else (self.isodose_note or "no isodose level reached on this plane")
        )
        structures = ", ".join(self.structures_drawn) or "none on this plane"
        return (
            f"{self.view.capitalize()} ({self.position}); {ct}; colour wash from "
            f"{self.wash_threshold_gy:.1f} Gy; {isodoses}; structures: {structures}; "
            f"scale bar {SCALE_BAR_MM:g} mm."
        )


def _colours_for(names: Sequence[str], structures: Sequence[StructureContours]) -> dict[str, str]:
    roi = {s.name: s.color_rgb for s in structures}
    return structure_colours(list(names) + [s.name for s in structures], roi)


def dvh_figure(
    dvhs: Mapping[str, DoseVolumeHistogram],
    path: Path,
    prescription_gy: float | None = None,
    colours: Mapping[str, str] | None = None,
) -> Path:
    """Cumulative DVHs (% of each structure's covered volume vs Gy) saved as PNG.

    ``colours`` maps names to ``#rrggbb`` (:func:`hccrt.report.colours.structure_colours`,
    the same as on the dose slices); names it lacks get their fixed colour.
    """
    palette = dict(colours or {})
    missing = [n for n in dvhs if n not in palette]
    if missing:
        palette.update(structure_colours(missing, None))
    figure, axes = plt.subplots(figsize=(8.5, 4.5), dpi=110)
    plotted = 0
    for name, dvh in dvhs.items():
        if dvh.is_empty:
            continue
        plotted += 1
        dose, volume = dvh.curve(500)
        axes.plot(dose, 100.0 * volume / dvh.covered_volume_cc, label=name,
                  color=palette[name], linewidth=1.6)  # fmt: skip
    if prescription_gy:
        axes.axvline(prescription_gy, color="grey", linestyle="--", linewidth=0.8)
        axes.text(prescription_gy, 1.0, f" Rx {prescription_gy:g} Gy", ha="left", va="bottom",
                  fontsize=8, transform=axes.get_xaxis_transform())  # fmt: skip
    axes.set_xlabel("Dose (Gy)")
    axes.set_ylabel("Volume (% of structure)")
    axes.set_ylim(0, 105)
    axes.set_xlim(left=0)
    axes.grid(alpha=0.3)
    if plotted:
        axes.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:
        axes.text(0.5, 0.5, "no structure with dose", ha="center", transform=axes.transAxes)
    axes.set_title("Cumulative dose-volume histograms")
    figure.savefig(path, bbox_inches="tight", pad_inches=0.15)
    plt.close(figure)
    return path


def target_centre_mm(
    structures: Sequence[StructureContours], preferred: Sequence[str]
) -> tuple[FloatArray, str]:
    """Centre (LPS mm) of the first preferred structure present, else of all structures."""
    by_name = {s.name: s for s in structures if not s.is_empty}
    for name in preferred:
        if name in by_name:
            points = by_name[name].all_points_mm()
            return 0.5 * (points.min(axis=0) + points.max(axis=0)), name
    if not by_name:
        return np.full(3, np.nan), "no structure"
    points = np.concatenate([s.all_points_mm() for s in by_name.values()])
    return 0.5 * (points.min(axis=0) + points.max(axis=0)), "all structures"


def isodose_levels_gy(prescription_gy: float | None) -> tuple[tuple[float, float], ...]:
    """``(percent, dose_gy)`` of each isodose level; empty without a positive prescription."""
    if not prescription_gy or prescription_gy <= 0:
        return ()
    return tuple((p, p / 100.0 * prescription_gy) for p in ISODOSE_PERCENT)


def dose_figures(
    dose_gy: npt.ArrayLike,
    dose_grid: Grid,
    structures: Sequence[StructureContours],
    out_dir: Path,
    ct: Image | None = None,
    preferred: Sequence[str] = (),
    prescription_gy: float | None = None,
    colours: Mapping[str, str] | None = None,
) -> list[DoseFigure]:
    """Axial (and, with a 3-D CT, coronal and sagittal) dose slices as PNGs.

    Parameters
    ----------
    dose_gy, dose_grid
        The dose (Gy) and its grid.
    structures
        Structures to outline (plan names).
    out_dir
        Folder of the ``dose_<view>.png`` files.
    ct
        Planning CT for the background; without it (or when it misses the target) the dose
        grid is the background.
    preferred
        Structure names whose centre places the slices, first found wins.
    prescription_gy
        Prescription dose; the isodose levels and the wash threshold are relative to it.
    colours
        Name to ``#rrggbb``; by default :func:`hccrt.report.colours.structure_colours`.

    Returns
    -------
    list of DoseFigure
        Empty for an oblique (not axis-aligned) grid.
    """
    dose = np.asarray(dose_gy, dtype=np.float64)
    palette = dict(colours or {})
    palette.update({k: v for k, v in _colours_for((), structures).items() if k not in palette})
    centre, _ = target_centre_mm(structures, preferred)
    if not np.all(np.isfinite(centre)):
        bounds = dose_grid.bounds_mm()
        centre = 0.5 * (bounds[0] + bounds[1])
    if ct is not None:
        bounds = ct.grid.bounds_mm()
        if not bounds[0, 2] <= centre[2] <= bounds[1, 2]:
            ct = None  # the CT does not reach the target: show the dose grid alone
    background_grid: Grid = ct.grid if ct is not None else dose_grid
    if not background_grid.is_axis_aligned:
        return []
    image = np.asarray(ct.hu, dtype=np.float64) if ct is not None else dose
    z, y, x = background_grid.axis_coordinates_mm()
    views: list[tuple[Literal["axial", "coronal", "sagittal"], int]] = [
        ("axial", int(np.argmin(np.abs(z - centre[2]))))
    ]
    if z.size >= 8:
        views += [
            ("coronal", int(np.argmin(np.abs(y - centre[1])))),
            ("sagittal", int(np.argmin(np.abs(x - centre[0])))),
        ]
    maximum = float(np.nanmax(dose)) if dose.size else 0.0
    levels = isodose_levels_gy(prescription_gy)
    reference = prescription_gy if levels else maximum
    threshold = WASH_THRESHOLD_PERCENT / 100.0 * float(reference or 0.0)
    top = max(maximum, 1.07 * float(prescription_gy or 0.0), threshold + 1e-6)
    axes_mm = (z, y, x)
    scene = (image, ct is not None, dose, dose_grid, structures, palette, levels, threshold, top)
    return [_one_view(view, index, axes_mm, *scene, out_dir) for view, index in views]


def _plane(
    view: str, index: int, axes_mm: tuple[FloatArray, FloatArray, FloatArray], image: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, str]:
    """Background slice, its horizontal and vertical coordinates, LPS points, position text."""
    z, y, x = axes_mm
    if view == "axial":
        uu, vv = np.meshgrid(x, y)
        points = np.column_stack([uu.ravel(), vv.ravel(), np.full(uu.size, z[index])])
        return image[index], x, y, points, f"z = {z[index]:.1f} mm"
    if view == "coronal":
        uu, vv = np.meshgrid(x, z)
        points = np.column_stack([uu.ravel(), np.full(uu.size, y[index]), vv.ravel()])
        return image[:, index, :], x, z, points, f"y = {y[index]:.1f} mm"
    uu, vv = np.meshgrid(y, z)
    points = np.column_stack([np.full(uu.size, x[index]), uu.ravel(), vv.ravel()])
    return image[:, :, index], y, z, points, f"x = {x[index]:.1f} mm"


def _one_view(
    view: Literal["axial", "coronal", "sagittal"],
    index: int,
    axes_mm: tuple[FloatArray, FloatArray, FloatArray],
    image: FloatArray,
    has_ct: bool,
    dose: FloatArray,
    dose_grid: Grid,
    structures: Sequence[StructureContours],
    palette: Mapping[str, str],
    levels: tuple[tuple[float, float], ...],
    threshold_gy: float,
    top_gy: float,
    out_dir: Path,
) -> DoseFigure:
    background, u, v, points, position = _plane(view, index, axes_mm, image)
    values, covered = dose_at_points(dose, dose_grid, points)
    plane_dose = np.where(covered, values, np.nan).reshape(background.shape)
    wash = np.ma.masked_where(~np.isfinite(plane_dose) | (plane_dose < threshold_gy), plane_dose)
    du = 0.5 * (u[1] - u[0]) if u.size > 1 else 0.5
    dv = 0.5 * (v[1] - v[0]) if v.size > 1 else 0.5
    origin: Literal["upper", "lower"] = "upper" if view == "axial" else "lower"
    top_edge, bottom_edge = (v[0] - dv, v[-1] + dv) if view == "axial" else (v[-1] + dv, v[0] - dv)
    extent = (u[0] - du, u[-1] + du, bottom_edge, top_edge)
    figure, axes = plt.subplots(figsize=(6.4, 5.6), dpi=110, layout="constrained")
    if has_ct:
        low, high = CT_LEVEL_HU - CT_WINDOW_HU / 2, CT_LEVEL_HU + CT_WINDOW_HU / 2
        axes.imshow(background, cmap="gray", vmin=low, vmax=high, extent=extent, origin=origin,
                    aspect="equal", interpolation="nearest")  # fmt: skip
    else:
        axes.imshow(np.zeros_like(background), cmap="gray", vmin=0, vmax=1, extent=extent,
                    origin=origin, aspect="equal")  # fmt: skip
    shown = axes.imshow(wash, cmap=WASH_COLOURMAP, alpha=0.4, vmin=threshold_gy, vmax=top_gy,
                        extent=extent, origin=origin, aspect="equal")  # fmt: skip
    handles: list[Any] = []
    drawn_levels: list[IsodoseLevel] = []
    finite = np.where(np.isfinite(plane_dose), plane_dose, 0.0)
    for percent, level_gy in levels:
        present = bool(finite.max() >= level_gy) and bool(finite.min() < level_gy)
        if present and u.size > 1 and v.size > 1:
            axes.contour(u, v, finite, levels=[level_gy], colors=[ISODOSE_COLOURS[percent]],
                         linewidths=1.0, linestyles="--")  # fmt: skip
        level = IsodoseLevel(percent, level_gy, present and u.size > 1 and v.size > 1)
        drawn_levels.append(level)
        if level.drawn:
            handles.append(Line2D([], [], color=ISODOSE_COLOURS[percent], linestyle="--",
                                  linewidth=1.0, label=level.label))  # fmt: skip
    drawn_structures = _outlines(axes, view, axes_mm, index, u, v, structures, palette)
    handles += [Line2D([], [], color=palette[n], linewidth=1.4, label=n) for n in drawn_structures]
    axes.add_artist(AnchoredSizeBar(axes.transData, SCALE_BAR_MM, f"{SCALE_BAR_MM:g} mm",
                                    "lower left", color="white", frameon=False,
                                    size_vertical=1.0, pad=0.4))  # fmt: skip
    bar = figure.colorbar(shown, ax=axes, shrink=0.8, pad=0.02)
    bar.set_label(f"Dose (Gy), wash from {threshold_gy:.1f} Gy")
    axes.set_title(f"{view.capitalize()} dose ({position})", fontsize=10)
    horizontal = {"axial": "x (mm)", "coronal": "x (mm)", "sagittal": "y (mm)"}[view]
    axes.set_xlabel(horizontal)
    axes.set_ylabel("y (mm)" if view == "axial" else "z (mm)")
    if handles:
        figure.legend(handles=handles, fontsize=6.5, loc="outside lower center", ncol=3,
                      frameon=False)  # fmt: skip
    path = out_dir / f"dose_{view}.png"
    figure.savefig(path, bbox_inches="tight", pad_inches=0.15)
    plt.close(figure)
    return DoseFigure(
        view=view,
        path=path,
        position=position,
        background="CT" if has_ct else "dose grid (no CT)",
        isodose_levels=tuple(drawn_levels),
        isodose_note="" if levels else NO_PRESCRIPTION_NOTE,
        wash_threshold_gy=threshold_gy,
        structures_drawn=tuple(drawn_structures),
        window_hu=CT_WINDOW_HU if has_ct else None,
        level_hu=CT_LEVEL_HU if has_ct else None,
    )


def _planes_of(structure: StructureContours) -> tuple[list[float], float]:
    planes = sorted({round(float(c.points_mm[0, 2]), 2) for c in structure.contours})
    spacing = float(np.median(np.diff(planes))) if len(planes) > 1 else 3.0
    return planes, spacing


def _outlines(
    axes: Any,
    view: str,
    axes_mm: tuple[FloatArray, FloatArray, FloatArray],
    index: int,
    u: FloatArray,
    v: FloatArray,
    structures: Sequence[StructureContours],
    palette: Mapping[str, str],
) -> list[str]:
    """Draw each structure's outline on the plane; return the names drawn."""
    z, y, x = axes_mm
    drawn: list[str] = []
    for structure in structures:
        if structure.is_empty:
            continue
        planes, spacing = _planes_of(structure)
        colour = palette[structure.name]
        if view == "axial":
            nearest = min(planes, key=lambda p: abs(p - z[index]))
            if abs(nearest - z[index]) > 0.5 * spacing + 1e-6:
                continue
            for contour in structure.contours:
                if abs(float(contour.points_mm[0, 2]) - nearest) > 0.01:
                    continue
                ring = np.vstack([contour.points_mm, contour.points_mm[:1]])
                axes.plot(ring[:, 0], ring[:, 1], color=colour, linewidth=1.3)
            drawn.append(structure.name)
            continue
        mask = _cut_mask(structure, planes, spacing, view, float((y if view == "coronal"
                         else x)[index]), u, v)  # fmt: skip
        if mask.any() and u.size > 1 and v.size > 1:
            axes.contour(u, v, mask.astype(np.float64), levels=[0.5], colors=[colour],
                         linewidths=1.3)  # fmt: skip
            drawn.append(structure.name)
    return drawn


def _cut_mask(
    structure: StructureContours,
    planes: list[float],
    spacing: float,
    view: str,
    fixed_mm: float,
    u: FloatArray,
    v: FloatArray,
) -> npt.NDArray[np.bool_]:
    """Inside-mask of the structure on a coronal or sagittal plane (rows: z, columns: u)."""
    mask = np.zeros((v.size, u.size), dtype=bool)
    by_plane: dict[float, list[PolygonPath]] = {}
    for contour in structure.contours:
        by_plane.setdefault(round(float(contour.points_mm[0, 2]), 2), []).append(
            PolygonPath(contour.points_mm[:, :2])
        )
    if view == "coronal":
        line = np.column_stack([u, np.full(u.size, fixed_mm)])
    else:
        line = np.column_stack([np.full(u.size, fixed_mm), u])
    plane_array = np.asarray(planes)
    for row, z_mm in enumerate(v):
        nearest = int(np.argmin(np.abs(plane_array - z_mm)))
        if abs(plane_array[nearest] - z_mm) > 0.5 * spacing + 1e-6:
            continue
        inside = np.zeros(u.size, dtype=bool)
        for polygon in by_plane[planes[nearest]]:
            inside ^= polygon.contains_points(line)  # even-odd: holes cancel
        mask[row] = inside
    return mask
