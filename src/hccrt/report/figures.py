"""Report figures (matplotlib, Agg backend): DVH plot and dose colour-wash on image slices.

The colour-wash shows the dose (Gy) trilinearly interpolated onto the CT pixels of a slice through
the target centre (axial; coronal and sagittal too when the CT has enough slices), transparent
below 10 % of the maximum dose, with the outline of every evaluated structure that crosses the
slice. Without a CT the dose grid itself is the background.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt

from hccrt.core import Image
from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.interpolation import dose_at_points
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid

FloatArray = npt.NDArray[np.float64]
_COLOURS = plt.get_cmap("tab10")


def dvh_figure(
    dvhs: Mapping[str, DoseVolumeHistogram], path: Path, prescription_gy: float | None = None
) -> Path:
    """Cumulative DVHs (% of each structure's covered volume vs Gy) saved as PNG."""
    figure, axes = plt.subplots(figsize=(8.5, 4.5), dpi=110)
    plotted = 0
    for number, (name, dvh) in enumerate(dvhs.items()):
        if dvh.is_empty:
            continue
        plotted += 1
        dose, volume = dvh.curve(500)
        axes.plot(dose, 100.0 * volume / dvh.covered_volume_cc, label=name,
                  color=_COLOURS(number % 10), linewidth=1.6)  # fmt: skip
    if prescription_gy:
        axes.axvline(prescription_gy, color="grey", linestyle="--", linewidth=0.8)
        axes.text(prescription_gy, 1.0, " Rx", ha="left", va="bottom", fontsize=8,
                  transform=axes.get_xaxis_transform())  # fmt: skip
    axes.set_xlabel("Dose (Gy)")
    axes.set_ylabel("Volume (%)")
    axes.set_ylim(0, 105)
    axes.set_xlim(left=0)
    axes.grid(alpha=0.3)
    if plotted:
        axes.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:
        axes.text(0.5, 0.5, "no structure with dose", ha="center", transform=axes.transAxes)
    axes.set_title("Cumulative dose-volume histograms")
    figure.tight_layout()
    figure.savefig(path)
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
    points = np.concatenate([s.all_points_mm() for s in by_name.values()])
    return 0.5 * (points.min(axis=0) + points.max(axis=0)), "all structures"


def colourwash_figures(
    dose_gy: npt.ArrayLike,
    dose_grid: Grid,
    structures: Sequence[StructureContours],
    out_dir: Path,
    ct: Image | None = None,
    preferred: Sequence[str] = (),
) -> list[Path]:
    """Axial (and, with a 3-D CT, coronal and sagittal) dose colour-wash PNGs."""
    dose = np.asarray(dose_gy, dtype=np.float64)
    centre, _ = target_centre_mm(structures, preferred)
    if ct is not None:
        bounds = ct.grid.bounds_mm()
        if not bounds[0, 2] <= centre[2] <= bounds[1, 2]:
            ct = None  # the CT does not reach the target: show the dose grid alone
    background_grid: Grid = ct.grid if ct is not None else dose_grid
    image = np.asarray(ct.hu, dtype=np.float64) if ct is not None else dose
    if not background_grid.is_axis_aligned:
        return []
    z, y, x = background_grid.axis_coordinates_mm()
    k = int(np.clip(np.argmin(np.abs(z - centre[2])), 0, z.size - 1))
    views = [("axial", k)]
    if z.size >= 8:
        views += [
            ("coronal", int(np.argmin(np.abs(y - centre[1])))),
            ("sagittal", int(np.argmin(np.abs(x - centre[0])))),
        ]
    maximum = float(dose.max()) or 1.0
    paths = []
    for view, index in views:
        figure, axes = plt.subplots(figsize=(6.0, 5.2), dpi=110)
        if view == "axial":
            background = image[index]
            xx, yy = np.meshgrid(x, y)
            points = np.column_stack([xx.ravel(), yy.ravel(), np.full(xx.size, z[index])])
            extent = (x[0], x[-1], y[-1], y[0])
            shape = background.shape
        elif view == "coronal":
            background = image[:, index, :]
            xx, zz = np.meshgrid(x, z)
            points = np.column_stack([xx.ravel(), np.full(xx.size, y[index]), zz.ravel()])
            extent = (x[0], x[-1], z[0], z[-1])
            shape = background.shape
        else:
            background = image[:, :, index]
            yy, zz = np.meshgrid(y, z)
            points = np.column_stack([np.full(yy.size, x[index]), yy.ravel(), zz.ravel()])
            extent = (y[0], y[-1], z[0], z[-1])
            shape = background.shape
        values, covered = dose_at_points(dose, dose_grid, points)
        wash = np.where(covered, values, np.nan).reshape(shape)
        wash = np.ma.masked_where(~np.isfinite(wash) | (wash < 0.1 * maximum), wash)
        origin: Literal["upper", "lower"] = "upper" if view == "axial" else "lower"
        if ct is not None:
            axes.imshow(background, cmap="gray", vmin=-200, vmax=300, extent=extent,
                        origin=origin, aspect="equal")  # fmt: skip
        shown = axes.imshow(wash, cmap="jet", alpha=0.45, vmin=0, vmax=maximum, extent=extent,
                            origin=origin, aspect="equal")  # fmt: skip
        if view == "axial":
            _outlines(axes, structures, float(z[index]))
        figure.colorbar(shown, ax=axes, label="Dose (Gy)", fraction=0.046)
        axis_values = {"axial": ("z", z), "coronal": ("y", y), "sagittal": ("x", x)}[view]
        position = f"{axis_values[0]} = {axis_values[1][index]:.1f}"
        axes.set_title(f"{view.capitalize()} dose colour-wash ({position} mm)", fontsize=10)
        axes.set_xlabel("x (mm)" if view != "sagittal" else "y (mm)")
        axes.set_ylabel("y (mm)" if view == "axial" else "z (mm)")
        figure.tight_layout()
        path = out_dir / f"dose_{view}.png"
        figure.savefig(path)
        plt.close(figure)
        paths.append(path)
    return paths


def _outlines(axes: Any, structures: Sequence[StructureContours], z_mm: float) -> None:
    drawn = 0
    for structure in structures:
        if structure.is_empty:
            continue
        planes = sorted({round(float(c.points_mm[0, 2]), 2) for c in structure.contours})
        if not planes:
            continue
        nearest = min(planes, key=lambda p: abs(p - z_mm))
        spacing = float(np.median(np.diff(planes))) if len(planes) > 1 else 3.0
        if abs(nearest - z_mm) > 0.5 * spacing + 1e-6:
            continue
        colour = np.asarray(structure.color_rgb, dtype=float) / 255.0
        label: str | None = structure.name
        for contour in structure.contours:
            if abs(float(contour.points_mm[0, 2]) - nearest) > 0.01:
                continue
            ring = np.vstack([contour.points_mm, contour.points_mm[:1]])
            axes.plot(ring[:, 0], ring[:, 1], color=colour, linewidth=1.2, label=label)
            label = None
        drawn += 1 if label is None else 0
    if drawn:
        axes.legend(fontsize=7, loc="lower right")
