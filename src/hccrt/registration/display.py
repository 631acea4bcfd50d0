"""Fused view for a clinician to check a registration: CT/MR checkerboard with contours (PNG).

Two panels through one point (the centroid of the first contoured ROI, else the centre of the
moving image mapped to the CT): an axial CT plane and a coronal plane, each a checkerboard of
32 mm tiles alternating the CT (window -160 to 240 HU) and the moving image resampled onto the
same plane through the registration (trilinear; the moving image is scaled between its 1st and
99th percentiles). The contours lying on the axial plane are drawn on it. Edges that continue
across tile borders mean a good registration; steps at the borders show a misregistration.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hccrt.dicom.case import CaseInventory
from hccrt.dicom.ct import CTSeries
from hccrt.errors import InputError
from hccrt.geometry.contours import StructureContours
from hccrt.registration.result import RegistrationResult

TILE_MM = 32.0
CT_WINDOW_HU = (-160.0, 240.0)


def _plane(
    ct: CTSeries,
    moving: CTSeries,
    registration: RegistrationResult,
    points: npt.NDArray[np.float64],
    shape: tuple[int, int],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    ct_index = ct.grid.world_to_index(points).T
    ct_values = ndimage.map_coordinates(ct.hu, ct_index, order=1, mode="nearest").reshape(shape)
    moving_index = moving.grid.world_to_index(registration.fixed_to_moving_points(points)).T
    moving_values = ndimage.map_coordinates(
        moving.hu, moving_index, order=1, mode="constant", cval=np.nan
    ).reshape(shape)
    low, high = np.percentile(moving.hu, [1, 99])
    ct_scaled = np.clip((ct_values - CT_WINDOW_HU[0]) / np.ptp(CT_WINDOW_HU), 0, 1)
    mr_scaled = np.clip((moving_values - low) / max(high - low, 1e-6), 0, 1)
    return ct_scaled, mr_scaled


def fused_view_png(
    ct: CTSeries,
    moving: CTSeries,
    registration: RegistrationResult,
    structures: Sequence[StructureContours] = (),
    title: str = "",
) -> bytes:
    """PNG bytes of the fused view (module docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    used = [s for s in structures if not s.is_empty]
    if used:
        centre = used[0].all_points_mm().mean(axis=0)
    else:
        middle = (np.asarray(moving.grid.shape, dtype=np.float64) - 1) / 2
        centre = registration.moving_to_fixed_points(moving.grid.index_to_world(middle))[0]
    nk, nj, ni = ct.grid.shape
    centre_index = ct.grid.world_to_index(centre)
    k0 = int(np.clip(np.round(centre_index[0]), 0, nk - 1))
    j0 = float(np.clip(centre_index[1], 0, nj - 1))
    jj, ii = np.meshgrid(np.arange(nj), np.arange(ni), indexing="ij")
    axial = ct.grid.index_to_world(np.column_stack([np.full(jj.size, k0), jj.ravel(), ii.ravel()]))
    kk, ii2 = np.meshgrid(np.arange(nk), np.arange(ni), indexing="ij")
    coronal = ct.grid.index_to_world(
        np.column_stack([kk.ravel(), np.full(kk.size, j0), ii2.ravel()])
    )
    figure = Figure(figsize=(11, 5.8), dpi=100)
    for panel, (points, shape, name) in enumerate(
        ((axial, (nj, ni), "axial"), (coronal, (nk, ni), "coronal"))
    ):
        ct_img, mr_img = _plane(ct, moving, registration, points, shape)
        coords = points.reshape(*shape, 3)
        across = coords[..., 0]
        down = coords[..., 1] if name == "axial" else coords[..., 2]
        tiles = (np.floor(across / TILE_MM) + np.floor(down / TILE_MM)) % 2 == 0
        fused = np.where(tiles & np.isfinite(mr_img), mr_img, ct_img)
        axes = figure.add_subplot(1, 2, panel + 1)
        extent = (across.min(), across.max(), down.max(), down.min())
        if name == "coronal":
            extent = (across.min(), across.max(), down.min(), down.max())
        axes.imshow(
            fused,
            cmap="gray",
            extent=extent,
            origin="upper" if name == "axial" else "lower",
            aspect="equal",
        )
        if name == "axial":
            z0 = float(axial[0, 2])
            for structure in used:
                for contour in structure.contours:
                    pts = contour.points_mm
                    if abs(float(pts[0, 2]) - z0) < 0.25 * ct.grid.spacing_mm[0]:
                        closed = np.vstack([pts, pts[:1]])
                        colour = tuple(c / 255 for c in structure.color_rgb)
                        axes.plot(closed[:, 0], closed[:, 1], color=colour, linewidth=1.2)
            axes.set_title(f"axial z = {z0:.1f} mm (CT/MR checkerboard)")
            axes.set_xlabel("x (mm, patient left +)")
            axes.set_ylabel("y (mm, posterior +)")
        else:
            axes.set_title(f"coronal y = {float(coronal[0, 1]):.1f} mm")
            axes.set_xlabel("x (mm)")
            axes.set_ylabel("z (mm, superior +)")
    if title:
        figure.suptitle(title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class CaseFusion:
    """The fused view of a case folder's registration (:func:`case_fused_view`)."""

    png: bytes
    registration: Path
    result: RegistrationResult
    moving_modality: str


_TARGET_ORDER = ("GTV", "ITV", "CTV", "PTV")


def case_fused_view(inventory: CaseInventory) -> CaseFusion:
    """Fused view of the first REG of a case whose moving series the case holds.

    The planes go through the first non-empty target of the case's RTSTRUCT (GTV before ITV,
    CTV and PTV), whose contours are drawn; without one, through the middle of the moving image.
    ``hccrt run`` (the report's review figure) and the web upload page both show this view.

    Raises
    ------
    InputError
        No CT or no REG in the case, no series that a REG registers, unreadable series.
    """
    from hccrt.dicom import read_ct_series, read_rtstruct
    from hccrt.dvh.names import is_target
    from hccrt.registration.io import load_registration

    held = ", ".join(f"{k}={v}" for k, v in inventory.modalities.items())
    if not inventory.ct_files or not inventory.registrations:
        raise InputError(
            "case",
            "needs a CT series, an MR series and a registration (REG) to fuse",
            held,
            "add the planning CT, the MR and the REG of hccrt register",
        )
    images = [path for path in inventory.registered_files if path not in inventory.rtdoses]
    for reg in sorted(inventory.registrations):
        _, result = load_registration(reg)
        try:
            moving = read_ct_series(images, series_instance_uid=result.moving_series_uid)
        except InputError:
            continue
        break
    else:
        raise InputError(
            "case",
            "holds no image series that its registration (REG) registers",
            held,
            "add the MR series named by the REG",
        )
    ct = read_ct_series(list(inventory.ct_files))
    targets: list[StructureContours] = []
    if inventory.rtstruct is not None:
        structures = read_rtstruct(inventory.rtstruct).structures
        targets = sorted(
            (s for s in structures if is_target(s.name) and not s.is_empty),
            key=lambda s: next(
                (n for n, p in enumerate(_TARGET_ORDER) if s.name.upper().startswith(p)),
                len(_TARGET_ORDER),
            ),
        )
    title = f"{moving.modality} on CT through the {result.kind} registration (review)"
    png = fused_view_png(ct, moving, result, targets, title=title)
    return CaseFusion(png, reg, result, moving.modality)
