"""FDG PET of the phantom patient in its own Frame of Reference (``hccrt phantom --pet``).

Like the MR (:mod:`hccrt.phantom.mr`), the PET shows the analytic anatomy through a known
rigid transform: a PET-frame point ``x_pet`` is the CT-frame point ``x_ct = M @ x_pet``
(rotations up to :data:`MAX_ROTATION_DEG` per axis, shifts up to :data:`MAX_SHIFT_MM`: a PET/CT
of another day, the patient positioned again), saved as ``pet_transform.json`` in the MR's
format, so ``M`` is the registration's ``moving_to_fixed`` (PET moving, CT fixed).

Image formation: each tissue gets an FDG uptake (SUVbw, :data:`SUV_VALUES`), painted on a 2 mm
grid of the CT frame, blurred by a Gaussian of :data:`FWHM_MM` (the scanner's resolution),
sampled (trilinear) at the PET voxel centres mapped through the transform, converted to Bq/ml
with the SUV factor of :data:`INJECTED_DOSE_BQ`, :data:`PATIENT_WEIGHT_KG` and the 60 min
uptake, and given Poisson noise (counts scaled so that the liver's coefficient of variation is
:data:`LIVER_NOISE_COV`). Grid: 128 x 128 voxels of 4 mm (512 mm field of view), 4 mm slices
over the CT's cranio-caudal extent (80 slices); the trunk has no brain and no bladder (the scan
stops above the pelvis), the kidneys are hot (urinary excretion).

HCC is often only mildly FDG avid: well-differentiated HCC keeps little FDG (high
glucose-6-phosphatase activity), and FDG PET detected about half of HCCs in early series
(Khan MA et al., J Hepatol 2000;32:792-797: 55 % sensitivity; UNCONFIRMED here, not checked
against the paper). The tumour-to-liver uptake ratio is therefore an option
(``--pet-tumor-to-liver``, default :data:`DEFAULT_TUMOR_TO_LIVER`, UNCONFIRMED); a ratio near 1
makes the tumour invisible, as in many real patients.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hccrt.geometry.grid import Grid
from hccrt.phantom.anatomy import SCAN_Z_RANGE_MM, Layer
from hccrt.phantom.mr import MRTransform, anatomy_grid, draw_rigid
from hccrt.phantom.synthesis import paint_tissues

FloatArray = npt.NDArray[np.float64]

DEFAULT_TUMOR_TO_LIVER = 2.0
"""Tumour/liver FDG uptake ratio of the phantom, UNCONFIRMED (HCC is often only mildly avid)."""

LIVER_SUV = 2.2
"""Mean FDG SUVbw of normal liver at 60 min, UNCONFIRMED (typical adult values are 2-3)."""

SUV_VALUES: dict[str, float] = {
    "air": 0.0,
    "lung": 0.4,
    "fat": 0.3,
    "visceral_fat": 0.35,
    "muscle": 0.7,
    "diaphragm": 0.8,
    "liver": LIVER_SUV,
    "necrosis": 0.4,
    "portal_vein": 1.6,
    "great_vessel": 1.7,
    "heart": 2.5,
    "kidney": 3.5,
    "spleen": 1.9,
    "stomach": 1.5,
    "gas": 0.0,
    "duodenum": 1.5,
    "bowel": 1.6,
    "cortical_bone": 0.4,
    "cancellous_bone": 1.3,
    "rib": 0.6,
    "disc": 0.5,
    "csf": 0.4,
    "spinal_cord": 1.0,
}
"""FDG SUVbw of each tissue at 60 min after injection, UNCONFIRMED typical adult values
(blood pool 1.6-1.7, marrow 1.3, muscle 0.7, fat 0.3; kidney with urine 3.5; myocardium
variable, 2.5). The tumour and the tumour thrombus get ``tumor_to_liver * LIVER_SUV``."""

FWHM_MM = 6.0
"""Resolution of the reconstructed PET (Gaussian FWHM), UNCONFIRMED typical clinical value."""
PET_PIXEL_MM = 4.0
PET_MATRIX = 128
PET_SLICE_MM = 4.0
LIVER_NOISE_COV = 0.12
"""Voxel noise (coefficient of variation) in the liver, UNCONFIRMED typical clinical value."""
INJECTED_DOSE_BQ = 250e6
"""Injected FDG activity (250 MBq, about 3.5 MBq/kg), UNCONFIRMED typical value."""
PATIENT_WEIGHT_KG = 70.0
"""Weight of the synthetic patient at the PET (the record holds no weight), UNCONFIRMED."""
INJECTION_DATETIME = datetime(2025, 12, 29, 8, 0, 0)
SERIES_DATETIME = datetime(2025, 12, 29, 9, 0, 0)
"""PET one week before the planning CT; 60 min uptake (injection 08:00, scan 09:00)."""
MAX_ROTATION_DEG = 3.0
MAX_SHIFT_MM = 15.0
_TRANSFORM_SALT = 1710
_ANATOMY_SPACING_MM = (2.0, 2.0, 2.0)
_BODY_BOX_MM = ((-190.0, -150.0, -1e9), (190.0, 150.0, 1e9))
"""The trunk lies inside this box (x, y; LPS mm): nothing to paint outside it."""


def draw_pet_transform(seed: int) -> MRTransform:
    """The PET -> CT transform of seed ``seed`` (rigid, module docstring)."""
    return draw_rigid(seed, _TRANSFORM_SALT, MAX_ROTATION_DEG, MAX_SHIFT_MM)


def suv_per_bq_ml(
    injected_dose_bq: float = INJECTED_DOSE_BQ,
    weight_kg: float = PATIENT_WEIGHT_KG,
    uptake_s: float = (SERIES_DATETIME - INJECTION_DATETIME).total_seconds(),
    half_life_s: float = 6586.2,
) -> float:
    """SUVbw per Bq/ml: ``W[g] / (D * 2^(-t/T))`` (as :mod:`hccrt.dicom.pet` computes it)."""
    decayed = injected_dose_bq * float(np.exp2(-uptake_s / half_life_s))
    return 1000.0 * weight_kg / decayed


def pet_grid(frame_uid: str) -> Grid:
    """The PET acquisition grid in its own frame (module docstring)."""
    low, high = SCAN_Z_RANGE_MM
    count = int(np.floor((high - low) / PET_SLICE_MM + 1e-9))
    corner = -PET_MATRIX * PET_PIXEL_MM / 2.0 + PET_PIXEL_MM / 2.0
    return Grid.from_spacing(
        (count, PET_MATRIX, PET_MATRIX),
        (PET_SLICE_MM, PET_PIXEL_MM, PET_PIXEL_MM),
        (corner, corner, low + PET_SLICE_MM / 2.0),
        frame_uid,
    )


def synthesize_pet(
    layers: Sequence[Layer],
    grid: Grid,
    transform: MRTransform,
    seed: int,
    tumor_to_liver: float = DEFAULT_TUMOR_TO_LIVER,
) -> FloatArray:
    """The PET activity concentration ``[k, j, i]`` in Bq/ml on ``grid`` (module docstring)."""
    values = {**SUV_VALUES, "tumour": tumor_to_liver * LIVER_SUV}
    values["tumour_thrombus"] = values["tumour"]
    values["lipiodol"] = values["tumour"]
    k, j, i = np.meshgrid(*(np.arange(n) for n in grid.shape), indexing="ij")
    points_pet = grid.index_to_world(np.column_stack([k.ravel(), j.ravel(), i.ravel()]))
    points_ct = transform.mr_to_ct(points_pet)
    anatomy = anatomy_grid(points_ct, _ANATOMY_SPACING_MM, _BODY_BOX_MM)
    painted = paint_tissues(layers, anatomy, values)
    sigma_mm = FWHM_MM / (2.0 * np.sqrt(2.0 * np.log(2.0)))
    blurred = ndimage.gaussian_filter(
        painted, [sigma_mm / s for s in anatomy.spacing_mm], mode="constant", cval=0.0
    )
    index = anatomy.world_to_index(points_ct)
    suv = ndimage.map_coordinates(blurred, index.T, order=1, mode="constant", cval=0.0)
    suv = np.clip(suv.astype(np.float64), 0.0, None)
    count_scale = LIVER_SUV * LIVER_NOISE_COV**2  # SUV per count: liver has 1/COV^2 counts
    rng = np.random.default_rng([seed, 1711])
    noisy = rng.poisson(suv / count_scale) * count_scale
    result: FloatArray = (noisy / suv_per_bq_ml()).reshape(grid.shape)
    return result
