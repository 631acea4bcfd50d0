"""Image registration (SimpleITK): rigid and deformable CT <-> MR, with their checks.

:func:`register_rigid` and :func:`register_deformable` return a :class:`RegistrationResult`
(``moving_to_fixed`` 4x4 in LPS mm; a :class:`DeformationGrid` for deformable);
:mod:`hccrt.dicom.spatial_registration` stores it as a DICOM (Deformable) Spatial Registration.
"""

from hccrt.registration.result import DeformationGrid, RegistrationResult, transform_points
from hccrt.registration.rigid import RegistrationFailed, RigidSettings, register_rigid

__all__ = [
    "DeformationGrid",
    "RegistrationFailed",
    "RegistrationResult",
    "RigidSettings",
    "register_rigid",
    "transform_points",
]
