"""Voxel-wise conversion of a physical dose array (total dose over N fractions) to BED/EQDx.

Each voxel receives its own dose per fraction d = D/N, so the conversion is
BED = D·(1 + D/(N·α/β)) and EQDx = D·(D/N + α/β)/(x + α/β) (LQ). The arithmetic runs in
cache-sized blocks with in-place numpy operations: one output allocation, no temporaries of the
array's size, float32 kept as float32. The input is never modified.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.radiobiology._checks import fraction_count, positive

_BLOCK = 1 << 16  # elements per block (256 kB of float32): stays in L2 cache


def dose_array_to_bed(dose_gy: Any, fractions: int, alpha_beta_gy: float) -> npt.NDArray[Any]:
    """LQ BED (Gy) of every voxel of a total physical dose array delivered in ``fractions``.

    Parameters
    ----------
    dose_gy
        Total physical dose per voxel (Gy), any shape; float32 stays float32, other dtypes give
        float64. Must be finite and >= 0.
    fractions
        Number of fractions the dose was delivered in.
    alpha_beta_gy
        α/β (Gy), > 0.

    Returns
    -------
    numpy.ndarray
        BED per voxel, same shape as ``dose_gy``.
    """
    n = fraction_count("fractions", fractions)
    ab = positive("alpha_beta_gy", alpha_beta_gy)
    return _quadratic_map(dose_gy, 1.0 / (n * ab), 1.0)


def dose_array_to_eqd_x(
    dose_gy: Any, fractions: int, alpha_beta_gy: float, reference_dose_per_fraction_gy: float
) -> npt.NDArray[Any]:
    """EQDx (Gy) of every voxel: D·(D/N + α/β)/(x + α/β), x = reference dose per fraction."""
    n = fraction_count("fractions", fractions)
    ab = positive("alpha_beta_gy", alpha_beta_gy)
    x = positive("reference_dose_per_fraction_gy", reference_dose_per_fraction_gy)
    return _quadratic_map(dose_gy, 1.0 / (n * (x + ab)), ab / (x + ab))


def dose_array_to_eqd2(dose_gy: Any, fractions: int, alpha_beta_gy: float) -> npt.NDArray[Any]:
    """EQD2 (Gy) of every voxel of a total physical dose array delivered in ``fractions``.

    Examples
    --------
    >>> import numpy as np
    >>> dose_array_to_eqd2(np.array([50.0, 60.0], dtype=np.float32), 25, 3.0).tolist()
    [50.0, 64.80000305175781]
    """
    return dose_array_to_eqd_x(dose_gy, fractions, alpha_beta_gy, 2.0)


def _quadratic_map(dose_gy: Any, c1: float, c2: float) -> npt.NDArray[Any]:
    """Return D·(c1·D + c2) blockwise, after checking D is finite and >= 0."""
    array = np.asarray(dose_gy)
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise InputError("dose_gy", "must be a real numeric array", str(array.dtype), "pass Gy")
    dtype = np.float32 if array.dtype == np.float32 else np.float64
    source = np.ascontiguousarray(array, dtype=dtype).reshape(-1)
    out = np.empty(source.shape, dtype=dtype)
    k1, k2 = dtype(c1), dtype(c2)
    for start in range(0, source.size, _BLOCK):
        src = source[start : start + _BLOCK]
        dst = out[start : start + _BLOCK]
        lowest = src.min()
        if not lowest >= 0.0:  # also catches NaN
            _raise_bad_dose(src, start)
        np.multiply(src, k1, out=dst)
        dst += k2
        dst *= src
    return out.reshape(array.shape)


def _raise_bad_dose(block: npt.NDArray[Any], offset: int) -> None:
    bad = ~(block >= 0.0)
    index = offset + int(np.flatnonzero(bad)[0])
    value = float(block[index - offset])
    if np.isnan(value) or np.isinf(value):
        rule = f"contains NaN or infinity (first at flat index {index})"
    else:
        rule = f"must be >= 0 Gy everywhere (first negative at flat index {index})"
    raise InputError("dose_gy", rule, value, "check the dose grid scaling and units")
