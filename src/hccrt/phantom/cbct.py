"""Cone-beam CT of the phantom patient in its own Frame of Reference (``hccrt phantom --cbct``).

A treatment-day kV CBCT: a CBCT-frame point ``x_cbct`` is the CT-frame point
``x_ct = M @ x_cbct`` (rotations up to :data:`MAX_ROTATION_DEG` per axis, shifts up to
:data:`MAX_SHIFT_MM`: the set-up error the CBCT is taken to find), saved as
``cbct_transform.json`` in the MR's format, so ``M`` is the registration's
``moving_to_fixed`` (CBCT moving, planning CT fixed).

Image formation: the CT's tissue HU (:data:`hccrt.phantom.anatomy.HU`, with the lipiodol of a
post-TACE CT) painted on a fine grid of the CT frame, sampled (trilinear) at the CBCT voxel
centres mapped through the transform, then the CBCT's own errors: a global HU offset
(:data:`HU_OFFSET`), cupping (scatter and beam hardening: :data:`CUPPING_HU` darker on the axis,
falling as ``1 - (r/R)^2`` to 0 at the edge of the field of view) and more noise
(:data:`NOISE_SD_HU`). No streaks are modelled. The reconstructed field of view is a cylinder
of :data:`FOV_DIAMETER_MM` x :data:`FOV_LENGTH_MM` centred on the right upper abdomen (the
liver); voxels outside it hold :data:`PADDING_HU` (-1024 HU, stored 0), below any reconstructed
value (those are clipped at -1000 HU), so a registration can tell the field of view from the
image (:func:`hccrt.registration.rigid.field_of_view_mask`). The small field of view (a
full-fan-like CBCT; an abdominal half-fan CBCT is about 45 cm wide) is the harder case for
registration: the body is cut at the sides and the top and bottom.

All values are UNCONFIRMED illustrative CBCT properties (HU differences of tens of HU and
cupping of up to about 100 HU are typical of uncorrected kV CBCT), overridable by editing the
module constants.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hccrt.geometry.grid import Grid
from hccrt.phantom.anatomy import HU, Layer
from hccrt.phantom.mr import MRTransform, anatomy_grid, draw_rigid
from hccrt.phantom.synthesis import paint_tissues

FOV_DIAMETER_MM = 240.0
FOV_LENGTH_MM = 170.0
FOV_CENTRE_MM = (-50.0, 0.0, -60.0)
"""Centre of the CBCT field of view in its own frame (LPS mm): the right upper abdomen."""
CBCT_DATETIME = datetime(2026, 1, 19, 8, 0, 0)
"""The first treatment day (the record plans RT 14 days after the CT)."""
CBCT_PIXEL_MM = 1.25
CBCT_MATRIX = 208
CBCT_SLICE_MM = 2.5
HU_OFFSET = 40.0
CUPPING_HU = 80.0
NOISE_SD_HU = 25.0
PADDING_HU = -1024
MAX_ROTATION_DEG = 2.0
MAX_SHIFT_MM = 15.0
_TRANSFORM_SALT = 1720
_ANATOMY_SPACING_MM = (2.5, 1.25, 1.25)


def draw_cbct_transform(seed: int) -> MRTransform:
    """The CBCT -> CT transform of seed ``seed`` (rigid, module docstring)."""
    return draw_rigid(seed, _TRANSFORM_SALT, MAX_ROTATION_DEG, MAX_SHIFT_MM)


def cbct_grid(frame_uid: str) -> Grid:
    """The CBCT reconstruction grid in its own frame (module docstring)."""
    count = round(FOV_LENGTH_MM / CBCT_SLICE_MM)
    x0, y0, z0 = FOV_CENTRE_MM
    half = (CBCT_MATRIX - 1) * CBCT_PIXEL_MM / 2.0
    return Grid.from_spacing(
        (count, CBCT_MATRIX, CBCT_MATRIX),
        (CBCT_SLICE_MM, CBCT_PIXEL_MM, CBCT_PIXEL_MM),
        (x0 - half, y0 - half, z0 - (count - 1) * CBCT_SLICE_MM / 2.0),
        frame_uid,
    )


def synthesize_cbct(
    layers: Sequence[Layer], grid: Grid, transform: MRTransform, seed: int
) -> npt.NDArray[np.int16]:
    """The stored CBCT volume ``[k, j, i]`` in HU (int16) on ``grid`` (module docstring)."""
    k, j, i = np.meshgrid(*(np.arange(n) for n in grid.shape), indexing="ij")
    points = grid.index_to_world(np.column_stack([k.ravel(), j.ravel(), i.ravel()]))
    points_ct = transform.mr_to_ct(points)
    anatomy = anatomy_grid(points_ct, _ANATOMY_SPACING_MM)
    painted = paint_tissues(layers, anatomy, {k: float(v) for k, v in HU.items()})
    index = anatomy.world_to_index(points_ct)
    hu = ndimage.map_coordinates(painted, index.T, order=1, mode="nearest").astype(np.float64)
    radius = np.hypot(points[:, 0] - FOV_CENTRE_MM[0], points[:, 1] - FOV_CENTRE_MM[1])
    fraction = np.clip(radius / (FOV_DIAMETER_MM / 2.0), 0.0, 1.0)
    hu += HU_OFFSET - CUPPING_HU * (1.0 - fraction**2)
    rng = np.random.default_rng([seed, 1721])
    hu += rng.normal(0.0, NOISE_SD_HU, hu.shape)
    hu = np.clip(np.rint(hu), -1000, 3071)
    inside = (radius <= FOV_DIAMETER_MM / 2.0) & (
        np.abs(points[:, 2] - FOV_CENTRE_MM[2]) <= FOV_LENGTH_MM / 2.0
    )
    hu[~inside] = PADDING_HU
    result: npt.NDArray[np.int16] = hu.reshape(grid.shape).astype(np.int16)
    return result
