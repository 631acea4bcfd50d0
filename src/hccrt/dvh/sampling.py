"""How a structure is sampled for its DVH: contour planes, slabs, pixel lattice, sub-layers.

Geometry model (default ``between_planes="slab"``; ``"smooth"`` interpolates the shape between
the planes instead, see :mod:`hccrt.dvh.shape_interpolation`)
-----------------------------------------------------------------------------------------------
* Each axial contour plane represents a slab of tissue that extends half-way to the neighbouring
  planes; the first and last planes extend by half of the adjacent spacing beyond themselves
  (*half-slice end caps*). The structure is therefore a stack of prisms.
* In-plane, every slab is rasterised on one square pixel lattice shared by all planes of the
  structure (and by the structures subtracted from it), with *fractional* occupancy from the
  geometry module's rasteriser.
* Along the slab normal each slab is split into sub-layers at most half a dose slice thick; a
  sub-layer inherits the plane's occupancy, and each cell's dose is spread between the doses on
  its lower and upper face (exact where the dose is linear along z).
* The pixel size is adaptive: ``h = sqrt(A / N)`` for the summed plane area ``A`` and a target of
  ``N`` pixels (default 25 000), but with at least 60 pixels across the typical plane, clamped
  between ``min_pixel_mm`` and twice the finest in-plane dose spacing: small structures are
  sampled at a fraction of a millimetre and large ones stay fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid

FloatArray = npt.NDArray[np.float64]

_PLANE_TOLERANCE_MM = 0.01
_AXIAL_COSINE = 0.999
BETWEEN_PLANES = ("slab", "smooth")
# Sub-layers per slab under the smooth model, so the interpolated shape is resolved along z.
SMOOTH_MIN_SUBLAYERS = 4


@dataclass(frozen=True)
class DvhSettings:
    """Numerical settings of the DVH engine.

    Parameters
    ----------
    target_pixels
        Number of in-plane pixels aimed at per structure, summed over its planes (sets the
        pixel size).
    min_pixels_across
        Lower bound of pixels across the typical plane (square root of its area).
    min_pixel_mm
        Finest in-plane sample spacing (mm).
    max_pixel_mm
        Coarsest in-plane sample spacing (mm); ``None`` = twice the finest in-plane dose spacing.
    subsamples
        Sub-samples per pixel edge passed to the rasteriser for fractional occupancy.
    bins
        Number of fine dose bins between 0 and the maximum dose.
    between_planes
        Shape of the tissue between contour planes: ``"slab"`` (each plane stands for the
        tissue half-way to its neighbours: the DICOM and planning-system convention) or
        ``"smooth"`` (the shape is interpolated between the planes, see
        :mod:`hccrt.dvh.shape_interpolation`). Both use half-slice end caps.
    """

    target_pixels: int = 25_000
    min_pixels_across: int = 60
    min_pixel_mm: float = 0.05
    max_pixel_mm: float | None = None
    subsamples: int = 2
    bins: int = 20_000
    between_planes: str = "slab"

    def __post_init__(self) -> None:
        if self.between_planes not in BETWEEN_PLANES:
            raise InputError(
                "between_planes",
                f"must be one of {', '.join(BETWEEN_PLANES)}",
                self.between_planes,
                "use 'slab' (planning-system convention) or 'smooth' (interpolated shape)",
            )
        if self.target_pixels < 1000:
            raise InputError("target_pixels", "must be >= 1000", self.target_pixels, "raise it")
        if not self.min_pixel_mm > 0:
            raise InputError("min_pixel_mm", "must be > 0 mm", self.min_pixel_mm, "e.g. 0.05")
        if self.max_pixel_mm is not None and self.max_pixel_mm < self.min_pixel_mm:
            raise InputError(
                "max_pixel_mm", "must be >= min_pixel_mm", self.max_pixel_mm, "raise it"
            )
        if self.subsamples < 1 or self.bins < 100:
            raise InputError(
                "subsamples/bins", "need subsamples >= 1 and bins >= 100", self, "raise them"
            )


@dataclass(frozen=True)
class Slab:
    """One contour plane and the slab of tissue it stands for.

    Parameters
    ----------
    z_mm
        Plane position along the slab normal (LPS z for axial contours), mm.
    below_mm, above_mm
        How far the slab extends below and above the plane (mm).
    contours
        The closed polygons on this plane.
    """

    z_mm: float
    below_mm: float
    above_mm: float
    contours: tuple[PlanarContour, ...]

    @property
    def thickness_mm(self) -> float:
        """Slab thickness (mm)."""
        return self.below_mm + self.above_mm

    @cached_property
    def area_estimate_mm2(self) -> float:
        """Sum of polygon areas (an upper bound of the filled area when holes exist)."""
        total = 0.0
        for contour in self.contours:
            x, y = contour.points_mm[:, 0], contour.points_mm[:, 1]
            # shoelace formula; x[i] y[i+1] - y[i] x[i+1] summed over the closed polygon
            cross = np.dot(x[:-1], y[1:]) - np.dot(y[:-1], x[1:]) + x[-1] * y[0] - y[-1] * x[0]
            total += 0.5 * abs(float(cross))
        return total


def slabs_of(structure: StructureContours, default_thickness_mm: float) -> tuple[Slab, ...]:
    """Group the contours of a structure by axial plane and give each plane its slab.

    Parameters
    ----------
    structure
        The ROI; its contours must be axial (normal along LPS z).
    default_thickness_mm
        Slab thickness used when the structure has a single plane (no spacing to infer from).

    Raises
    ------
    InputError
        When the structure has no closed contour or a contour is not axial.
    """
    if structure.is_empty:
        raise InputError(
            f"structure '{structure.name}'",
            "has no closed contour (empty or point-only ROI), so it has no volume",
            len(structure.contours),
            "contour the ROI, or leave it out of the DVH request",
        )
    # z statistics of every contour in a few vectorised calls (this runs for every structure)
    sizes = np.array([len(c.points_mm) for c in structure.contours])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    z_all = np.concatenate([c.points_mm[:, 2] for c in structure.contours])
    spreads = np.maximum.reduceat(z_all, starts) - np.minimum.reduceat(z_all, starts)
    means = np.add.reduceat(z_all, starts) / sizes
    by_plane: dict[float, list[PlanarContour]] = {}
    plane_means: dict[float, list[float]] = {}
    for contour, spread, mean in zip(structure.contours, spreads, means, strict=True):
        if float(spread) > _PLANE_TOLERANCE_MM and abs(contour.normal[2]) < _AXIAL_COSINE:
            raise InputError(
                f"structure '{structure.name}'",
                "only axial contours (plane normal along z) are supported",
                np.round(contour.normal, 3).tolist(),
                "export the structure set on axial CT slices",
            )
        z = float(mean)
        key = round(z / _PLANE_TOLERANCE_MM) * _PLANE_TOLERANCE_MM
        by_plane.setdefault(key, []).append(contour)
        plane_means.setdefault(key, []).append(z)
    keys = sorted(by_plane)
    planes = [sum(plane_means[k]) / len(plane_means[k]) for k in keys]
    gaps = np.diff(planes)
    slabs = []
    for n, (key, z) in enumerate(zip(keys, planes, strict=True)):
        below = gaps[n - 1] / 2 if n > 0 else (gaps[0] / 2 if gaps.size else None)
        above = gaps[n] / 2 if n < gaps.size else (gaps[-1] / 2 if gaps.size else None)
        below_mm = float(below) if below is not None else default_thickness_mm / 2
        above_mm = float(above) if above is not None else default_thickness_mm / 2
        slabs.append(Slab(z, below_mm, above_mm, tuple(by_plane[key])))
    return tuple(slabs)


def contours_for_slab(
    structure: StructureContours, slab: Slab, own_slabs: tuple[Slab, ...] | None = None
) -> tuple[PlanarContour, ...]:
    """The contours of ``structure`` whose own slab contains the plane of ``slab``.

    Used for structures subtracted from another one (e.g. GTVs from the liver): their plane that
    represents the tissue at ``slab.z_mm`` is the one whose half-slice slab contains it.
    ``own_slabs`` (from :func:`slabs_of`) avoids regrouping the structure for every slab.
    """
    if structure.is_empty:
        return ()
    for other in own_slabs if own_slabs is not None else slabs_of(structure, slab.thickness_mm):
        lower = other.z_mm - other.below_mm - _PLANE_TOLERANCE_MM
        upper = other.z_mm + other.above_mm + _PLANE_TOLERANCE_MM
        if lower <= slab.z_mm < upper:
            return other.contours
    return ()


@dataclass(frozen=True)
class SampleLattice:
    """The in-plane pixel lattice shared by all slabs of one structure.

    Parameters
    ----------
    pixel_mm
        Pixel edge (mm).
    x0_mm, y0_mm
        LPS x and y of the centre of pixel ``(0, 0)``.
    """

    pixel_mm: float
    x0_mm: float
    y0_mm: float

    def plane_grid(self, slab: Slab, frame_of_reference_uid: str) -> Grid:
        """A one-slice grid on the lattice that just covers the slab's contours."""
        points = np.concatenate([c.points_mm for c in slab.contours])
        h = self.pixel_mm
        i0 = math.floor((points[:, 0].min() - self.x0_mm) / h) - 1
        i1 = math.ceil((points[:, 0].max() - self.x0_mm) / h) + 1
        j0 = math.floor((points[:, 1].min() - self.y0_mm) / h) - 1
        j1 = math.ceil((points[:, 1].max() - self.y0_mm) / h) + 1
        return Grid.from_spacing(
            (1, j1 - j0 + 1, i1 - i0 + 1),
            (slab.thickness_mm, h, h),
            (self.x0_mm + i0 * h, self.y0_mm + j0 * h, slab.z_mm),
            frame_of_reference_uid,
        )


def choose_lattice(
    slabs: tuple[Slab, ...], dose_grid: Grid, settings: DvhSettings
) -> SampleLattice:
    """Pixel size and lattice origin for a structure (see the module notes)."""
    area_mm2 = sum(s.area_estimate_mm2 for s in slabs)
    finest_dose_mm = min(dose_grid.spacing_mm[1:])
    upper = settings.max_pixel_mm if settings.max_pixel_mm is not None else 2.0 * finest_dose_mm
    pixel = (max(area_mm2, 1e-9) / settings.target_pixels) ** 0.5
    # At least ``min_pixels_across`` pixels across the typical (area-weighted) plane.
    typical_mm2 = sum(s.area_estimate_mm2**2 for s in slabs) / max(area_mm2, 1e-9)
    pixel = min(pixel, typical_mm2**0.5 / settings.min_pixels_across)
    pixel = float(min(max(pixel, settings.min_pixel_mm), max(upper, settings.min_pixel_mm)))
    points = np.concatenate([c.points_mm for s in slabs for c in s.contours])
    return SampleLattice(pixel, float(points[:, 0].min()), float(points[:, 1].min()))


def sublayer_faces_mm(slab: Slab, dose_slice_mm: float, min_layers: int = 1) -> FloatArray:
    """Faces of the slab's sub-layers relative to its plane (mm), at most half a dose slice apart.

    Within a sub-layer the trilinear dose is (nearly) linear along z, so each cell's dose is
    spread uniformly between its two faces; half a dose slice keeps the error of the kink at a
    dose plane small.
    """
    count = max(min_layers, math.ceil(slab.thickness_mm / (0.5 * dose_slice_mm) - 1e-9))
    result: FloatArray = -slab.below_mm + slab.thickness_mm * np.linspace(0.0, 1.0, count + 1)
    return result
