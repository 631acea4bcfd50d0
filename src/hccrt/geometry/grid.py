"""Voxel grids in DICOM patient coordinates (LPS, mm) with their Frame of Reference.

Conventions (used everywhere in hccrt)
--------------------------------------
* Arrays are indexed ``[k, j, i]`` = ``[slice, row, column]`` (numpy order).
* ``Grid.affine`` maps the homogeneous index ``(k, j, i, 1)`` of a voxel *centre* to its position
  ``(x, y, z, 1)`` in DICOM patient coordinates (LPS: +x to the patient's left, +y posterior,
  +z superior), in millimetres.
* For a DICOM image: column ``i`` runs along the row direction cosines (ImageOrientationPatient
  [0:3]) in steps of PixelSpacing[1]; row ``j`` runs along the column direction cosines
  (ImageOrientationPatient[3:6]) in steps of PixelSpacing[0]; slice ``k`` runs from the first slice
  position to the next.
* Every combination of grids goes through :func:`require_same_frame`, which compares the Frame of
  Reference UIDs of both objects (never an object with itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.errors import GeometryMismatchError, InputError

FloatArray = npt.NDArray[np.float64]

INDEX_CONVENTION = ("slice", "row", "column")
"""Order of array axes for every grid and volume in hccrt."""

_ORTHOGONALITY_TOLERANCE = 1e-4


def _as_affine(affine: Any) -> FloatArray:
    matrix = np.array(affine, dtype=np.float64)
    if matrix.shape != (4, 4):
        raise InputError("affine", "must be a 4x4 matrix", matrix.shape, "pass a 4x4 array")
    if not np.allclose(matrix[3], [0.0, 0.0, 0.0, 1.0]):
        raise InputError(
            "affine",
            "last row must be [0, 0, 0, 1]",
            matrix[3].tolist(),
            "use a homogeneous affine",
        )
    lengths = np.linalg.norm(matrix[:3, :3], axis=0)
    if np.any(lengths <= 0.0) or not np.all(np.isfinite(matrix)):
        raise InputError(
            "affine", "voxel spacing must be finite and > 0 mm", lengths.tolist(), "check spacing"
        )
    unit = matrix[:3, :3] / lengths
    gram = unit.T @ unit
    if not np.allclose(gram, np.eye(3), atol=_ORTHOGONALITY_TOLERANCE):
        raise InputError(
            "affine",
            "axes must be orthogonal (sheared grids, e.g. gantry-tilted CT, are not supported)",
            np.round(gram, 4).tolist(),
            "resample the series onto an orthogonal grid first",
        )
    matrix.setflags(write=False)
    return matrix


@dataclass(frozen=True)
class Grid:
    """A regular voxel grid placed in patient space.

    Parameters
    ----------
    shape
        Number of voxels along ``(slice, row, column)``.
    affine
        4x4 matrix from voxel-centre index ``(k, j, i, 1)`` to LPS position in mm.
    frame_of_reference_uid
        DICOM Frame of Reference UID the positions refer to.
    """

    shape: tuple[int, int, int]
    affine: FloatArray = field(repr=False)
    frame_of_reference_uid: str

    def __post_init__(self) -> None:
        shape = tuple(int(n) for n in self.shape)
        if len(shape) != 3 or any(n < 1 for n in shape):
            raise InputError(
                "shape", "must be three positive voxel counts", self.shape, "check the image size"
            )
        if not self.frame_of_reference_uid:
            raise InputError(
                "frame_of_reference_uid",
                "must not be empty",
                self.frame_of_reference_uid,
                "read the FrameOfReferenceUID of the series",
            )
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "affine", _as_affine(self.affine))

    @classmethod
    def from_spacing(
        cls,
        shape: Sequence[int],
        spacing_mm: npt.ArrayLike,
        origin_mm: npt.ArrayLike,
        frame_of_reference_uid: str,
        row_direction: npt.ArrayLike = (1.0, 0.0, 0.0),
        column_direction: npt.ArrayLike = (0.0, 1.0, 0.0),
        slice_direction: npt.ArrayLike | None = None,
    ) -> Grid:
        """Build a grid from DICOM-style geometry.

        Parameters
        ----------
        shape
            ``(slices, rows, columns)``.
        spacing_mm
            ``(slice, row, column)`` spacing in mm; row spacing is PixelSpacing[0], column
            spacing PixelSpacing[1].
        origin_mm
            Centre of the first voxel (ImagePositionPatient of the first slice), LPS mm.
        frame_of_reference_uid
            Frame of Reference UID.
        row_direction, column_direction
            ImageOrientationPatient[0:3] and [3:6] (unit vectors).
        slice_direction
            Unit vector from one slice to the next; the cross product of the two in-plane
            directions by default.
        """
        row_dir = np.asarray(row_direction, dtype=np.float64)
        col_dir = np.asarray(column_direction, dtype=np.float64)
        normal = (
            np.cross(row_dir, col_dir)
            if slice_direction is None
            else np.asarray(slice_direction, dtype=np.float64)
        )
        spacing = np.asarray(spacing_mm, dtype=np.float64)
        if spacing.shape != (3,) or np.any(spacing <= 0):
            raise InputError(
                "spacing_mm", "must be three values > 0 mm", spacing.tolist(), "check spacing"
            )
        affine = np.eye(4)
        affine[:3, 0] = normal / np.linalg.norm(normal) * spacing[0]
        affine[:3, 1] = col_dir / np.linalg.norm(col_dir) * spacing[1]
        affine[:3, 2] = row_dir / np.linalg.norm(row_dir) * spacing[2]
        affine[:3, 3] = np.asarray(origin_mm, dtype=np.float64)
        return cls((int(shape[0]), int(shape[1]), int(shape[2])), affine, frame_of_reference_uid)

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        """Voxel spacing along ``(slice, row, column)`` in mm."""
        lengths = np.linalg.norm(self.affine[:3, :3], axis=0)
        return (float(lengths[0]), float(lengths[1]), float(lengths[2]))

    @property
    def voxel_volume_cc(self) -> float:
        """Volume of one voxel in cm³ (cc)."""
        return float(np.prod(self.spacing_mm)) / 1000.0

    @property
    def origin_mm(self) -> tuple[float, float, float]:
        """Position of the centre of voxel ``(0, 0, 0)`` in LPS mm."""
        x, y, z = self.affine[:3, 3]
        return (float(x), float(y), float(z))

    @property
    def directions(self) -> FloatArray:
        """Unit vectors (rows of the result) of the slice, row and column axes in LPS."""
        result: FloatArray = (self.affine[:3, :3] / np.linalg.norm(self.affine[:3, :3], axis=0)).T
        return result

    @property
    def is_axis_aligned(self) -> bool:
        """True when slices are axial and rows/columns run along +y/+x (HFS-like CT)."""
        return bool(np.allclose(self.directions, np.eye(3)[::-1], atol=1e-6))

    def index_to_world(self, indices: npt.ArrayLike) -> FloatArray:
        """Map ``(..., 3)`` continuous ``(k, j, i)`` indices to LPS positions in mm."""
        idx = np.asarray(indices, dtype=np.float64)
        result: FloatArray = idx @ self.affine[:3, :3].T + self.affine[:3, 3]
        return result

    def world_to_index(self, points_mm: npt.ArrayLike) -> FloatArray:
        """Map ``(..., 3)`` LPS positions in mm to continuous ``(k, j, i)`` indices."""
        pts = np.asarray(points_mm, dtype=np.float64)
        inverse = np.linalg.inv(self.affine)
        result: FloatArray = pts @ inverse[:3, :3].T + inverse[:3, 3]
        return result

    def axis_coordinates_mm(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Voxel-centre coordinates ``(z, y, x)`` along each axis of an axis-aligned grid.

        Raises
        ------
        InputError
            If the grid is not axis aligned (use :meth:`index_to_world` instead).
        """
        if not self.is_axis_aligned:
            raise InputError(
                "grid",
                "axis coordinates need an axis-aligned (axial, HFS-like) grid",
                np.round(self.directions, 3).tolist(),
                "use index_to_world for oblique grids",
            )
        ox, oy, oz = self.origin_mm
        dz, dy, dx = self.spacing_mm
        nz, ny, nx = self.shape
        return (
            oz + dz * np.arange(nz, dtype=np.float64),
            oy + dy * np.arange(ny, dtype=np.float64),
            ox + dx * np.arange(nx, dtype=np.float64),
        )

    def bounds_mm(self) -> FloatArray:
        """``(2, 3)`` array: min and max LPS corner of the region the voxels cover (mm)."""
        corners = np.array(
            [
                [a, b, c]
                for a in (-0.5, self.shape[0] - 0.5)
                for b in (-0.5, self.shape[1] - 0.5)
                for c in (-0.5, self.shape[2] - 0.5)
            ]
        )
        world = self.index_to_world(corners)
        result: FloatArray = np.stack([world.min(axis=0), world.max(axis=0)])
        return result

    def same_geometry(self, other: Grid, tolerance_mm: float = 1e-3) -> bool:
        """True when both grids have the same Frame of Reference, shape and voxel positions."""
        return (
            self.frame_of_reference_uid == other.frame_of_reference_uid
            and self.shape == other.shape
            and bool(np.allclose(self.affine, other.affine, atol=tolerance_mm))
        )


def require_same_frame(first: str, second: str, context: str) -> None:
    """Raise unless two Frame of Reference UIDs are equal.

    Parameters
    ----------
    first, second
        The two FrameOfReferenceUID values.
    context
        What is being combined, e.g. ``"RTDOSE rtdose.dcm with RTSTRUCT rtss.dcm"``.

    Raises
    ------
    GeometryMismatchError
        When the UIDs differ.
    """
    if first != second:
        raise GeometryMismatchError(
            "FrameOfReferenceUID",
            f"{context}: objects must share one Frame of Reference",
            f"{first} vs {second}",
            "register the objects or export them from the same planning study",
        )


def require_overlap(first: Grid, second: Grid, context: str) -> None:
    """Raise unless two grids share a Frame of Reference and their boxes intersect."""
    require_same_frame(first.frame_of_reference_uid, second.frame_of_reference_uid, context)
    a, b = first.bounds_mm(), second.bounds_mm()
    if np.any(a[1] < b[0]) or np.any(b[1] < a[0]):
        raise GeometryMismatchError(
            "grid",
            f"{context}: the two grids do not overlap in space",
            f"{np.round(a, 1).tolist()} vs {np.round(b, 1).tolist()}",
            "check that both objects belong to the same patient position",
        )
