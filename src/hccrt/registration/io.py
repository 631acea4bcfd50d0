"""Between :class:`RegistrationResult` and the DICOM (Deformable) Spatial Registration object."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hccrt.dicom.spatial_registration import (
    DeformationField,
    SeriesReference,
    SpatialRegistration,
    read_spatial_registration,
    write_spatial_registration,
)
from hccrt.errors import InputError
from hccrt.registration.result import DeformationGrid, RegistrationResult


def save_registration(
    result: RegistrationResult, fixed: SeriesReference, moving: SeriesReference, path: str | Path
) -> Path:
    """Write ``result`` as a DICOM registration object referencing both series."""
    for role, ref, uid in (
        ("--fixed", fixed, result.fixed_frame_uid),
        ("--moving", moving, result.moving_frame_uid),
    ):
        if ref.frame_of_reference_uid != uid:
            raise InputError(role, "series is not the one registered", uid, "register again")
    deformation = None
    if result.deformation is not None:
        grid = result.deformation
        deformation = DeformationField(grid.grid, grid.vectors_mm, grid.pre_matrix)
    description = (
        f"hccrt {result.kind} {moving.modality or 'image'} to {fixed.modality or 'image'}, "
        f"Mattes MI {result.metric_value:.3f}"
    )
    registration = SpatialRegistration(
        fixed, moving, result.moving_to_fixed, deformation, "", description
    )
    return write_spatial_registration(registration, path)


def load_registration(path: str | Path) -> tuple[SpatialRegistration, RegistrationResult]:
    """Read a registration object; return it and its mapping as a :class:`RegistrationResult`."""
    registration = read_spatial_registration(path)
    deformation = None
    if registration.deformation is not None:
        field = registration.deformation
        deformation = DeformationGrid(field.grid, field.vectors_mm, field.pre_matrix)
    result = RegistrationResult(
        kind="rigid" if deformation is None else "deformable",
        moving_to_fixed=np.asarray(registration.moving_to_fixed, dtype=np.float64),
        fixed_frame_uid=registration.fixed.frame_of_reference_uid,
        moving_frame_uid=registration.moving.frame_of_reference_uid,
        fixed_series_uid=registration.fixed.series_instance_uid,
        moving_series_uid=registration.moving.series_instance_uid,
        deformation=deformation,
    )
    return registration, result
