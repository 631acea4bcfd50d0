"""SimpleITK conversions: :class:`~hccrt.geometry.grid.Grid` volumes <-> ``sitk.Image``.

SimpleITK images live in the same LPS patient coordinates as DICOM; its index order is
``(i, j, k)`` (column, row, slice) while hccrt arrays are ``[k, j, i]``, so the direction
matrix columns are the column, row and slice axes of the grid.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import SimpleITK as sitk

from hccrt.geometry.grid import Grid

FloatArray = npt.NDArray[np.float64]
DEFAULT_THREADS = 2


def to_image(values: npt.ArrayLike, grid: Grid, dtype: type = np.float32) -> sitk.Image:
    """A SimpleITK image of ``values[k, j, i]`` on ``grid``."""
    image = sitk.GetImageFromArray(np.asarray(values, dtype=dtype))
    spacing = grid.spacing_mm
    directions = grid.directions  # rows: slice, row, column axes
    image.SetSpacing((spacing[2], spacing[1], spacing[0]))
    image.SetOrigin(grid.origin_mm)
    matrix = np.column_stack([directions[2], directions[1], directions[0]])
    image.SetDirection(tuple(float(v) for v in matrix.ravel()))
    return image


def grid_of(image: sitk.Image, frame_uid: str) -> Grid:
    """The hccrt grid of a SimpleITK image."""
    size = image.GetSize()
    direction = np.asarray(image.GetDirection(), dtype=np.float64).reshape(3, 3)
    spacing = image.GetSpacing()
    affine = np.eye(4)
    affine[:3, 0] = direction[:, 2] * spacing[2]
    affine[:3, 1] = direction[:, 1] * spacing[1]
    affine[:3, 2] = direction[:, 0] * spacing[0]
    affine[:3, 3] = image.GetOrigin()
    return Grid((size[2], size[1], size[0]), affine, frame_uid)


def affine_transform(matrix: FloatArray) -> sitk.AffineTransform:
    """SimpleITK transform of a 4x4 homogeneous matrix (points mapped ``p -> A p + t``)."""
    transform = sitk.AffineTransform(3)
    transform.SetMatrix(tuple(float(v) for v in matrix[:3, :3].ravel()))
    transform.SetTranslation(tuple(float(v) for v in matrix[:3, 3]))
    return transform


def matrix_of(transform: sitk.Euler3DTransform) -> FloatArray:
    """4x4 matrix of a rigid/affine SimpleITK transform (centre folded into the translation)."""
    affine = sitk.AffineTransform(3)
    affine.SetMatrix(transform.GetMatrix())
    affine.SetTranslation(transform.GetTranslation())
    affine.SetCenter(transform.GetCenter())
    linear = np.asarray(affine.GetMatrix(), dtype=np.float64).reshape(3, 3)
    centre = np.asarray(affine.GetCenter(), dtype=np.float64)
    offset = np.asarray(affine.GetTranslation(), dtype=np.float64) + centre - linear @ centre
    result = np.eye(4)
    result[:3, :3] = linear
    result[:3, 3] = offset
    return result


def set_threads(count: int = DEFAULT_THREADS) -> None:
    """Limit SimpleITK's worker threads (the planning workstation shares its cores)."""
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(count)
