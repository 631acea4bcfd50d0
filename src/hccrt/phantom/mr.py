"""T1-weighted MR of the phantom patient in its own Frame of Reference (``hccrt phantom --mr``).

The MR shows the same analytic anatomy as the CT, seen through a known transform. A point
``x_mr`` of the MR frame is the anatomical point

    ``x_ct = M @ (x_mr + d(x_mr))``

of the CT frame, where ``M`` (4x4, LPS mm) is a rigid transform (rotation about the patient
origin, then a shift) and ``d`` an optional smooth deformation: a sum of three Gaussian
displacement bumps (sigma 60 mm, amplitude up to 6 mm; its Jacobian determinant stays within
0.9-1.1). ``M`` is therefore the registration's ``moving_to_fixed`` matrix with the MR moving and
the CT fixed, and :meth:`MRTransform.mr_to_ct` is the ground truth of a registration error
(TRE) test.

Image formation: the layers are painted with T1-like tissue values (fat bright, liver brighter
than tumour, fluid, vessels and air dark) on a fine axis-aligned grid of the CT frame, sampled
(trilinear, which blurs edges like a partial-volume effect) at the MR voxel centres mapped
through the transform, multiplied by a smooth receive-coil bias field (about +-25 %), and given
Rician noise (magnitude of a complex signal with Gaussian noise of SD 12 in each channel). The
MR grid is 256 x 256 pixels of 1.5625 mm (400 mm field of view) with 4 mm slices, axial HFS in
its own frame; ``"trunk"`` covers the CT's cranio-caudal extent, ``"liver"`` only the upper
abdomen (z -150 to +30 mm, 45 slices).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hccrt.geometry.grid import Grid
from hccrt.phantom.anatomy import SCAN_Z_RANGE_MM, Layer
from hccrt.phantom.synthesis import paint_tissues

FloatArray = npt.NDArray[np.float64]

T1_VALUES: dict[str, float] = {
    "air": 0.0,
    "lung": 30.0,
    "fat": 900.0,
    "visceral_fat": 850.0,
    "muscle": 350.0,
    "diaphragm": 350.0,
    "liver": 520.0,
    "tumour": 300.0,
    "necrosis": 180.0,
    "tumour_thrombus": 300.0,
    "portal_vein": 150.0,
    "great_vessel": 110.0,
    "heart": 260.0,
    "kidney": 430.0,
    "spleen": 400.0,
    "stomach": 250.0,
    "gas": 0.0,
    "duodenum": 260.0,
    "bowel": 280.0,
    "cortical_bone": 40.0,
    "cancellous_bone": 620.0,
    "rib": 300.0,
    "disc": 240.0,
    "csf": 90.0,
    "spinal_cord": 420.0,
    "lipiodol": 520.0,
}
"""Signal of each tissue on the phantom's T1-weighted MR (arbitrary units, 0-4095 stored)."""

MR_PIXEL_MM = 400.0 / 256
MR_MATRIX = 256
MR_SLICE_MM = 4.0
MR_LIVER_Z_MM = (-150.0, 30.0)
RICIAN_SD = 12.0
MAX_ROTATION_DEG = 5.0
MAX_SHIFT_MM = 15.0
_BUMP_SIGMA_MM = 60.0
_BUMP_MAX_MM = 6.0
_ANATOMY_SPACING_MM = (2.0, 1.25, 1.25)


def rotation_matrix(angles_deg: Sequence[float]) -> FloatArray:
    """Rotation ``Rz @ Ry @ Rx`` for angles about the LPS x, y and z axes (degrees)."""
    ax, ay, az = np.radians(np.asarray(angles_deg, dtype=np.float64))
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    result: FloatArray = rz @ ry @ rx
    return result


@dataclass(frozen=True)
class MRTransform:
    """The known MR -> CT mapping of the phantom (module docstring).

    Parameters
    ----------
    rotation_deg
        Rotation about the LPS x, y, z axes through the patient origin, degrees.
    shift_mm
        Translation applied after the rotation, LPS mm.
    bump_centers_mm, bump_amplitudes_mm
        ``(n, 3)`` centres (MR frame) and displacement vectors of the Gaussian bumps (none for a
        rigid transform).
    bump_sigma_mm
        Width of every bump.
    """

    rotation_deg: tuple[float, float, float]
    shift_mm: tuple[float, float, float]
    bump_centers_mm: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    bump_amplitudes_mm: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    bump_sigma_mm: float = _BUMP_SIGMA_MM

    @property
    def matrix(self) -> FloatArray:
        """4x4 rigid part ``M`` (MR frame -> CT frame, LPS mm)."""
        result = np.eye(4)
        result[:3, :3] = rotation_matrix(self.rotation_deg)
        result[:3, 3] = self.shift_mm
        return result

    @property
    def deformable(self) -> bool:
        """True when a deformation is added to the rigid transform."""
        return len(self.bump_centers_mm) > 0

    def displacement_mm(self, points_mm: npt.ArrayLike) -> FloatArray:
        """``d(x)`` at ``(N, 3)`` MR points (zero for a rigid transform)."""
        pts = np.asarray(points_mm, dtype=np.float64).reshape(-1, 3)
        total = np.zeros_like(pts)
        for centre, amplitude in zip(self.bump_centers_mm, self.bump_amplitudes_mm, strict=True):
            weight = np.exp(-np.sum((pts - centre) ** 2, axis=1) / (2 * self.bump_sigma_mm**2))
            total += weight[:, None] * amplitude
        return total

    def mr_to_ct(self, points_mm: npt.ArrayLike) -> FloatArray:
        """Map ``(N, 3)`` MR-frame points to the CT frame: ``M @ (x + d(x))``."""
        pts = np.asarray(points_mm, dtype=np.float64).reshape(-1, 3)
        moved = pts + self.displacement_mm(pts)
        matrix = self.matrix
        result: FloatArray = moved @ matrix[:3, :3].T + matrix[:3, 3]
        return result

    def to_json(self) -> dict[str, Any]:
        """JSON form (written as ``mr_transform.json``)."""
        return {
            "convention": "x_ct = M @ (x_mr + d(x_mr)); LPS mm; M row-major",
            "moving_to_fixed": np.round(self.matrix, 12).tolist(),
            "rotation_deg": list(self.rotation_deg),
            "shift_mm": list(self.shift_mm),
            "deformation": None
            if not self.deformable
            else {
                "type": "gaussian_bumps",
                "sigma_mm": self.bump_sigma_mm,
                "centers_mm": np.round(self.bump_centers_mm, 6).tolist(),
                "amplitudes_mm": np.round(self.bump_amplitudes_mm, 6).tolist(),
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MRTransform:
        """Inverse of :meth:`to_json`."""
        deformation = data.get("deformation") or {}
        rotation = [float(v) for v in data["rotation_deg"]]
        shift = [float(v) for v in data["shift_mm"]]
        return cls(
            (rotation[0], rotation[1], rotation[2]),
            (shift[0], shift[1], shift[2]),
            np.asarray(deformation.get("centers_mm", np.zeros((0, 3))), dtype=np.float64),
            np.asarray(deformation.get("amplitudes_mm", np.zeros((0, 3))), dtype=np.float64),
            float(deformation.get("sigma_mm", _BUMP_SIGMA_MM)),
        )


def draw_transform(seed: int, deformable: bool) -> MRTransform:
    """A reproducible transform: rotations and shifts uniform in +-5 deg and +-15 mm per axis
    (the shift vector scaled to at most 15 mm), bumps centred in the liver region."""
    rng = np.random.default_rng([seed, 1700])
    rotation = rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG, 3)
    shift = rng.uniform(-MAX_SHIFT_MM, MAX_SHIFT_MM, 3)
    shift *= min(1.0, MAX_SHIFT_MM / float(np.linalg.norm(shift)))
    centres = np.zeros((0, 3))
    amplitudes = np.zeros((0, 3))
    if deformable:
        centres = np.array([[-70.0, 0.0, -40.0], [20.0, -30.0, -70.0], [-40.0, 40.0, -110.0]])
        centres += rng.uniform(-15.0, 15.0, centres.shape)
        directions = rng.standard_normal((3, 3))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        amplitudes = directions * rng.uniform(0.6 * _BUMP_MAX_MM, _BUMP_MAX_MM, (3, 1))
    return MRTransform(
        (float(rotation[0]), float(rotation[1]), float(rotation[2])),
        (float(shift[0]), float(shift[1]), float(shift[2])),
        centres,
        amplitudes,
    )


def draw_rigid(seed: int, salt: int, max_rotation_deg: float, max_shift_mm: float) -> MRTransform:
    """A reproducible rigid transform: rotations uniform in +-``max_rotation_deg`` per axis,
    shifts uniform in +-``max_shift_mm`` per axis, the shift vector scaled to at most
    ``max_shift_mm`` (the PET and CBCT of the phantom; ``salt`` keeps their draws apart)."""
    rng = np.random.default_rng([seed, salt])
    rotation = rng.uniform(-max_rotation_deg, max_rotation_deg, 3)
    shift = rng.uniform(-max_shift_mm, max_shift_mm, 3)
    shift *= min(1.0, max_shift_mm / float(np.linalg.norm(shift)))
    return MRTransform(
        (float(rotation[0]), float(rotation[1]), float(rotation[2])),
        (float(shift[0]), float(shift[1]), float(shift[2])),
    )


def mr_grid(field_of_view: str, frame_uid: str) -> Grid:
    """The MR acquisition grid in its own frame (module docstring)."""
    low, high = MR_LIVER_Z_MM if field_of_view == "liver" else SCAN_Z_RANGE_MM
    count = int(np.floor((high - low) / MR_SLICE_MM + 1e-9))
    corner = -MR_MATRIX * MR_PIXEL_MM / 2.0 + MR_PIXEL_MM / 2.0
    return Grid.from_spacing(
        (count, MR_MATRIX, MR_MATRIX),
        (MR_SLICE_MM, MR_PIXEL_MM, MR_PIXEL_MM),
        (corner, corner, low + MR_SLICE_MM / 2.0),
        frame_uid,
    )


def anatomy_grid(
    points_ct: FloatArray,
    spacing_mm: tuple[float, float, float] = _ANATOMY_SPACING_MM,
    limits_mm: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None,
) -> Grid:
    """Axis-aligned CT-frame grid (``spacing_mm`` as z, y, x) around ``(N, 3)`` points, 5 mm
    beyond them, optionally cut to the box ``limits_mm`` (low and high corners, x, y, z)."""
    low = points_ct.min(axis=0) - 5.0
    high = points_ct.max(axis=0) + 5.0
    if limits_mm is not None:
        low = np.maximum(low, limits_mm[0])
        high = np.minimum(high, limits_mm[1])
    dz, dy, dx = spacing_mm
    shape = np.ceil((high - low) / np.array([dx, dy, dz])).astype(int) + 1
    return Grid.from_spacing((shape[2], shape[1], shape[0]), (dz, dy, dx), low, "anatomy")


def bias_field(points_mm: FloatArray) -> FloatArray:
    """Smooth receive-coil sensitivity (multiplicative, about 0.75-1.3) at MR-frame points."""
    x, y, z = points_mm[:, 0], points_mm[:, 1], points_mm[:, 2]
    result: FloatArray = np.exp(
        0.12 * x / 200.0 - 0.2 * y / 150.0 - 0.1 * ((z + 50.0) / 150.0) ** 2
    )
    return result


def synthesize_mr(
    layers: Sequence[Layer], grid: Grid, transform: MRTransform, seed: int
) -> npt.NDArray[np.uint16]:
    """The stored MR volume ``[k, j, i]`` (uint16) on ``grid`` (module docstring)."""
    k, j, i = np.meshgrid(*(np.arange(n) for n in grid.shape), indexing="ij")
    points_mr = grid.index_to_world(np.column_stack([k.ravel(), j.ravel(), i.ravel()]))
    points_ct = transform.mr_to_ct(points_mr)
    anatomy = anatomy_grid(points_ct)
    painted = paint_tissues(layers, anatomy, T1_VALUES)
    index = anatomy.world_to_index(points_ct)
    signal = ndimage.map_coordinates(painted, index.T, order=1, mode="nearest")
    signal = signal.astype(np.float64) * bias_field(points_mr)
    rng = np.random.default_rng([seed, 1701])
    real = signal + rng.normal(0.0, RICIAN_SD, signal.shape)
    imaginary = rng.normal(0.0, RICIAN_SD, signal.shape)
    magnitude = np.hypot(real, imaginary).reshape(grid.shape)
    stored: npt.NDArray[np.uint16] = np.clip(np.rint(magnitude), 0, 4095).astype(np.uint16)
    return stored
