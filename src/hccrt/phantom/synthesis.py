"""Paint the CT volume (HU) of the phantom from its analytic layers.

Each layer colours the voxels whose centre lies inside its solid; later layers paint over
earlier ones. Gaussian noise (default SD 8 HU, from the seed) and a mild dependent-lung density
gradient give the image a CT-like texture while staying byte-identical for a given seed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from hccrt.geometry.grid import Grid
from hccrt.phantom.anatomy import HU, Layer
from hccrt.phantom.csg import Difference, Intersection
from hccrt.phantom.shapes import Shape

HU_MIN, HU_MAX = -1024, 3071
"""Range stored in the CT (12-bit CT convention)."""

_CHUNK_SLICES = 4
_LUNG_GRADIENT_HU_PER_MM = 0.4
"""Supine dependent density: lung HU rises by 0.4 HU per mm towards the back (+y)."""


def synthesize_ct(
    layers: Sequence[Layer],
    grid: Grid,
    seed: int,
    noise_sd_hu: float = 8.0,
    advance: Callable[[int], None] | None = None,
) -> npt.NDArray[np.int16]:
    """Return the HU volume ``[k, j, i]`` (int16) of the layers on an axis-aligned grid.

    Parameters
    ----------
    layers
        Tissue layers in painting order (see :mod:`hccrt.phantom.anatomy`).
    grid
        Axis-aligned (HFS axial) grid.
    seed
        Seed of the noise generator (same seed, same bytes).
    noise_sd_hu
        Standard deviation of the added Gaussian noise in HU (0 for none).
    advance
        Progress callback, called with the number of slices done.
    """
    z_mm, y_mm, x_mm = grid.axis_coordinates_mm()
    volume = np.empty(grid.shape, dtype=np.int16)
    rng = np.random.default_rng(seed)
    for start in range(0, grid.shape[0], _CHUNK_SLICES):
        stop = min(start + _CHUNK_SLICES, grid.shape[0])
        chunk = _paint_chunk(layers, z_mm[start:stop], y_mm, x_mm)
        if noise_sd_hu > 0:
            noise = rng.standard_normal(chunk.shape, dtype=np.float32)
            chunk += noise * np.float32(noise_sd_hu)
        volume[start:stop] = np.clip(np.rint(chunk), HU_MIN, HU_MAX).astype(np.int16)
        if advance is not None:
            advance(stop - start)
    return volume


def paint_tissues(
    layers: Sequence[Layer], grid: Grid, values: Mapping[str, float]
) -> npt.NDArray[np.float32]:
    """Paint the layers with one value per tissue (no noise, no lung gradient), float32.

    Used for images other than the CT (e.g. the T1-weighted MR of :mod:`hccrt.phantom.mr`);
    ``values`` must name every tissue of the layers and ``"air"``.
    """
    z_mm, y_mm, x_mm = grid.axis_coordinates_mm()
    volume = np.empty(grid.shape, dtype=np.float32)
    for start in range(0, grid.shape[0], _CHUNK_SLICES):
        stop = min(start + _CHUNK_SLICES, grid.shape[0])
        volume[start:stop] = _paint_chunk(layers, z_mm[start:stop], y_mm, x_mm, values, False)
    return volume


def _split_prism(shape: Shape) -> tuple[Shape | None, Shape]:
    """Split ``A & B`` (or ``(A & B) - C``) into its axial-prism factor A and the rest."""
    base, cuts = (shape.base, shape.minus) if isinstance(shape, Difference) else (shape, ())
    if not isinstance(base, Intersection):
        return None, shape
    prisms = tuple(p for p in base.parts if p.z_invariant)
    others = tuple(p for p in base.parts if not p.z_invariant)
    if not prisms or not others:
        return None, shape
    rest: Shape = Intersection(others)
    if cuts:
        rest = Difference(rest, cuts)
    return Intersection(prisms), rest


@lru_cache(maxsize=64)
def _prism_mask_cached(shape: Shape, y_key: bytes, x_key: bytes) -> npt.NDArray[np.bool_]:
    y_mm = np.frombuffer(y_key, dtype=np.float64)
    x_mm = np.frombuffer(x_key, dtype=np.float64)
    gy, gx = np.meshgrid(y_mm, x_mm, indexing="ij")
    mask = shape.inside(gx.ravel(), gy.ravel(), np.zeros(gx.size)).reshape(gx.shape)
    mask.setflags(write=False)
    return mask


def _prism_mask(
    shape: Shape, y_mm: npt.NDArray[np.float64], x_mm: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    return _prism_mask_cached(shape, y_mm.tobytes(), x_mm.tobytes())


def _paint_chunk(
    layers: Sequence[Layer],
    z_mm: npt.NDArray[np.float64],
    y_mm: npt.NDArray[np.float64],
    x_mm: npt.NDArray[np.float64],
    values: Mapping[str, float] = HU,
    lung_gradient: bool = True,
) -> npt.NDArray[np.float32]:
    chunk = np.full((z_mm.size, y_mm.size, x_mm.size), float(values["air"]), dtype=np.float32)
    for layer in layers:
        if layer.shape.z_invariant:  # one cross-section serves every slice
            chunk[:, _prism_mask(layer.shape, y_mm, x_mm)] = np.float32(values[layer.tissue])
            continue
        box = layer.shape.bounds()
        ks = np.flatnonzero((z_mm >= box[0, 2]) & (z_mm <= box[1, 2]))
        js = np.flatnonzero((y_mm >= box[0, 1]) & (y_mm <= box[1, 1]))
        is_ = np.flatnonzero((x_mm >= box[0, 0]) & (x_mm <= box[1, 0]))
        if ks.size == 0 or js.size == 0 or is_.size == 0:
            continue
        prism, rest = _split_prism(layer.shape)
        if prism is not None:  # test the axial prism once per pixel, the rest per voxel
            section = _prism_mask(prism, y_mm, x_mm)
            rows, cols = np.nonzero(section[np.ix_(js, is_)])
            js_in, is_in = js[rows], is_[cols]
            kk = np.repeat(ks, js_in.size)
            jj, ii = np.tile(js_in, ks.size), np.tile(is_in, ks.size)
        else:
            grids = np.meshgrid(ks, js, is_, indexing="ij")
            kk, jj, ii = (g.ravel() for g in grids)
        hit = rest.inside(x_mm[ii], y_mm[jj], z_mm[kk])
        kk, jj, ii = kk[hit], jj[hit], ii[hit]
        value = np.float32(values[layer.tissue])
        if lung_gradient and layer.tissue == "lung":
            gradient = (y_mm[jj] * _LUNG_GRADIENT_HU_PER_MM).astype(np.float32)
            chunk[kk, jj, ii] = value + gradient
        else:
            chunk[kk, jj, ii] = value
    return chunk
