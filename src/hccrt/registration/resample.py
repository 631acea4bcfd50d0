"""Resample a volume (e.g. an earlier course's dose) onto another grid through a rigid mapping.

Used for re-irradiation: the earlier RTDOSE lies on the earlier CT's grid and Frame of
Reference; the cumulative dose is computed on the new plan's grid. ``source_to_target`` is the
4x4 matrix that maps source-frame points (LPS mm) to target-frame points, i.e. the
``moving_to_fixed`` of a registration whose moving image is the earlier CT. Linear
interpolation; points outside the source grid get ``outside_value`` (0 Gy for a dose).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import SimpleITK as sitk

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.registration._sitk import affine_transform, to_image

__all__ = ["resample_onto"]


def resample_onto(
    values: npt.ArrayLike,
    source: Grid,
    target: Grid,
    source_to_target: npt.ArrayLike | None = None,
    *,
    outside_value: float = 0.0,
) -> npt.NDArray[np.float32]:
    """``values`` on ``source`` resampled onto ``target`` (float32, linear interpolation).

    Parameters
    ----------
    values
        Array ``[k, j, i]`` of the source grid's shape.
    source, target
        The two grids.
    source_to_target
        4x4 rigid matrix from source to target frame; ``None`` requires both grids in the same
        Frame of Reference (identity mapping).
    outside_value
        Value where a target voxel falls outside the source grid.

    Raises
    ------
    InputError
        Shape mismatch, or different Frames of Reference without a mapping.
    """
    array = np.asarray(values, dtype=np.float32)
    if array.shape != source.shape:
        raise InputError(
            "values", f"shape {array.shape} is not the source grid's {source.shape}", None, ""
        )
    if source_to_target is None:
        if source.frame_of_reference_uid != target.frame_of_reference_uid:
            raise InputError(
                "source_to_target",
                "grids in different Frames of Reference and no registration given",
                f"{source.frame_of_reference_uid} vs {target.frame_of_reference_uid}",
                "give the spatial registration that links the two CTs",
            )
        matrix = np.eye(4)
    else:
        matrix = np.asarray(source_to_target, dtype=np.float64)
        if matrix.shape != (4, 4) or not np.all(np.isfinite(matrix)):
            raise InputError("source_to_target", "must be a finite 4x4 matrix", None, "")
    image = to_image(array, source)
    reference = to_image(np.zeros((1, 1, 1), dtype=np.float32), target)
    reference_size = (target.shape[2], target.shape[1], target.shape[0])
    # SimpleITK maps output (target) points to input (source) points: the inverse mapping.
    transform = affine_transform(np.asarray(np.linalg.inv(matrix), dtype=np.float64))
    out: Any = sitk.Resample(
        image,
        reference_size,
        transform,
        sitk.sitkLinear,
        reference.GetOrigin(),
        reference.GetSpacing(),
        reference.GetDirection(),
        float(outside_value),
        sitk.sitkFloat32,
    )
    return np.asarray(sitk.GetArrayFromImage(out), dtype=np.float32)
