"""What a registration produces: the moving -> fixed rigid matrix and, for a deformable
registration, a fixed -> moving deformation grid (the DICOM Deformable Spatial Registration form).

Conventions (LPS mm, row-major 4x4 matrices):

* ``moving_to_fixed`` maps a point of the moving Frame of Reference (e.g. the MR) to the fixed one
  (the planning CT): ``x_fixed = M @ x_moving``. It is the matrix a DICOM Spatial Registration
  stores in the moving frame's item (PS3.3 C.20.2.1.1).
* A :class:`DeformationGrid` maps the other way, as DICOM's Deformable Spatial Registration does
  (PS3.3 C.20.3.1.1: the registered coordinates are transformed to the source ones):
  ``x_moving = pre @ x_fixed + v(x_fixed)``, with ``v`` sampled on a grid of the fixed frame and
  interpolated trilinearly between grid points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid

FloatArray = npt.NDArray[np.float64]


def _check_matrix(matrix: npt.ArrayLike, name: str) -> FloatArray:
    value = np.array(matrix, dtype=np.float64)
    if value.shape != (4, 4) or not np.all(np.isfinite(value)):
        raise InputError(name, "must be a finite 4x4 matrix", value.shape, "check the transform")
    if not np.allclose(value[3], [0.0, 0.0, 0.0, 1.0]):
        raise InputError(name, "last row must be 0 0 0 1", value[3].tolist(), "use LPS mm 4x4")
    value.setflags(write=False)
    return value


def transform_points(matrix: FloatArray, points_mm: npt.ArrayLike) -> FloatArray:
    """Apply a 4x4 matrix to ``(N, 3)`` points (mm)."""
    pts = np.asarray(points_mm, dtype=np.float64).reshape(-1, 3)
    result: FloatArray = pts @ matrix[:3, :3].T + matrix[:3, 3]
    return result


@dataclass(frozen=True)
class DeformationGrid:
    """Fixed -> moving mapping ``x_moving = pre @ x_fixed + v(x_fixed)`` (module docstring).

    Parameters
    ----------
    grid
        Grid of the vectors, in the fixed Frame of Reference.
    vectors_mm
        ``float32 [k, j, i, 3]`` offsets (LPS mm) at the grid points.
    pre_matrix
        4x4 matrix applied before the offsets (the inverse of the rigid ``moving_to_fixed``).
    """

    grid: Grid
    vectors_mm: npt.NDArray[np.float32] = field(repr=False)
    pre_matrix: FloatArray = field(repr=False)

    def __post_init__(self) -> None:
        vectors = np.asarray(self.vectors_mm, dtype=np.float32)
        if vectors.shape != (*self.grid.shape, 3) or not np.all(np.isfinite(vectors)):
            raise InputError(
                "vectors_mm",
                f"must be finite with shape {(*self.grid.shape, 3)}",
                vectors.shape,
                "check the deformation grid",
            )
        vectors.setflags(write=False)
        object.__setattr__(self, "vectors_mm", vectors)
        object.__setattr__(self, "pre_matrix", _check_matrix(self.pre_matrix, "pre_matrix"))

    def fixed_to_moving(self, points_mm: npt.ArrayLike) -> FloatArray:
        """Map ``(N, 3)`` fixed-frame points to the moving frame (offsets clamped at the edge)."""
        pts = np.asarray(points_mm, dtype=np.float64).reshape(-1, 3)
        index = self.grid.world_to_index(pts).T
        offsets = np.column_stack(
            [
                ndimage.map_coordinates(self.vectors_mm[..., c], index, order=1, mode="nearest")
                for c in range(3)
            ]
        )
        result: FloatArray = transform_points(self.pre_matrix, pts) + offsets
        return result


@dataclass(frozen=True)
class RegistrationResult:
    """One registration of a moving image to a fixed one.

    Attributes
    ----------
    kind
        ``"rigid"`` or ``"deformable"``.
    moving_to_fixed
        4x4 rigid matrix, moving frame -> fixed frame (LPS mm).
    fixed_frame_uid, moving_frame_uid
        Frames of Reference joined.
    fixed_series_uid, moving_series_uid
        The series registered.
    metric
        Name of the similarity measure (e.g. ``"Mattes mutual information"``).
    metric_value, initial_metric_value
        Final and starting value (lower is better for SimpleITK's Mattes MI).
    iterations
        Optimiser iterations over all levels.
    seconds
        Wall-clock time of the optimisation.
    stop_condition
        The optimiser's own account of why it stopped.
    deformation
        Fixed -> moving deformation grid (deformable only).
    jacobian_range
        Minimum and maximum Jacobian determinant of the deformation (deformable only).
    """

    kind: str
    moving_to_fixed: FloatArray = field(repr=False)
    fixed_frame_uid: str
    moving_frame_uid: str
    fixed_series_uid: str = ""
    moving_series_uid: str = ""
    metric: str = "Mattes mutual information"
    metric_value: float = 0.0
    initial_metric_value: float = 0.0
    iterations: int = 0
    seconds: float = 0.0
    stop_condition: str = ""
    deformation: DeformationGrid | None = None
    jacobian_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("rigid", "deformable"):
            raise InputError("kind", "must be rigid or deformable", self.kind, "")
        if (self.kind == "deformable") != (self.deformation is not None):
            raise InputError(
                "deformation", "a deformable result needs a deformation grid", self.kind, ""
            )
        matrix = _check_matrix(self.moving_to_fixed, "moving_to_fixed")
        rotation = matrix[:3, :3]
        if not np.allclose(rotation @ rotation.T, np.eye(3), atol=1e-4):
            raise InputError(
                "moving_to_fixed", "must be rigid (orthonormal rotation)", "", "check the matrix"
            )
        object.__setattr__(self, "moving_to_fixed", matrix)

    def moving_to_fixed_points(self, points_mm: npt.ArrayLike) -> FloatArray:
        """Rigid mapping of ``(N, 3)`` moving-frame points to the fixed frame."""
        return transform_points(self.moving_to_fixed, points_mm)

    def fixed_to_moving_points(self, points_mm: npt.ArrayLike) -> FloatArray:
        """Map fixed-frame points to the moving frame (through the deformation if any)."""
        if self.deformation is not None:
            return self.deformation.fixed_to_moving(points_mm)
        inverse = np.asarray(np.linalg.inv(self.moving_to_fixed), dtype=np.float64)
        return transform_points(inverse, points_mm)
