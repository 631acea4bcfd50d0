"""Voxel-wise conversion of a physical dose array (total dose over N fractions) to BED/EQDx.

Each voxel receives its own dose per fraction d = D/N, so the conversion is
BED = D·(1 + D/(N·α/β)) and EQDx = D·(D/N + α/β)/(x + α/β) (LQ). With a high-dose model
(LQ-L or USC, transition dose T, slope s above it) the voxel BED is
M·(1 + M/(N·α/β)) + s·max(D − N·T, 0) with M = min(D, N·T), i.e. LQ up to T per fraction and
linear above. The arithmetic runs in cache-sized blocks with in-place numpy operations: one
output allocation, no temporaries of the array's size, float32 kept as float32. The input is
never modified.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.radiobiology._checks import fraction_count, positive
from hccrt.radiobiology.highdose import LqlParameters, UscParameters

HighDoseModel = LqlParameters | UscParameters

_BLOCK = 1 << 16  # elements per block (256 kB of float32): stays in L2 cache


def dose_array_to_bed(
    dose_gy: npt.ArrayLike,
    fractions: int,
    alpha_beta_gy: float,
    *,
    high_dose_model: HighDoseModel | None = None,
) -> npt.NDArray[Any]:
    """BED (Gy) of every voxel of a total physical dose array delivered in ``fractions``.

    Parameters
    ----------
    dose_gy
        Total physical dose per voxel (Gy), any shape; float32 stays float32, other dtypes give
        float64. Must be finite and >= 0.
    fractions
        Number of fractions the dose was delivered in.
    alpha_beta_gy
        α/β (Gy), > 0.
    high_dose_model
        ``None`` for plain LQ, or :class:`LqlParameters` / :class:`UscParameters` (their α/β
        must equal ``alpha_beta_gy``) to continue linearly above the transition dose.

    Returns
    -------
    numpy.ndarray
        BED per voxel, same shape as ``dose_gy``.
    """
    return _convert(dose_gy, fractions, alpha_beta_gy, None, high_dose_model)


def dose_array_to_eqd_x(
    dose_gy: npt.ArrayLike,
    fractions: int,
    alpha_beta_gy: float,
    reference_dose_per_fraction_gy: float,
    *,
    high_dose_model: HighDoseModel | None = None,
) -> npt.NDArray[Any]:
    """EQDx (Gy) of every voxel: BED/(1 + x/(α/β)), x = reference dose per fraction (<= the
    model's transition dose when a high-dose model is given). LQ: D·(D/N + α/β)/(x + α/β)."""
    x = positive("reference_dose_per_fraction_gy", reference_dose_per_fraction_gy)
    return _convert(dose_gy, fractions, alpha_beta_gy, x, high_dose_model)


def dose_array_to_eqd2(
    dose_gy: npt.ArrayLike,
    fractions: int,
    alpha_beta_gy: float,
    *,
    high_dose_model: HighDoseModel | None = None,
) -> npt.NDArray[Any]:
    """EQD2 (Gy) of every voxel of a total physical dose array delivered in ``fractions``.

    Examples
    --------
    >>> import numpy as np
    >>> dose_array_to_eqd2(np.array([50.0, 60.0], dtype=np.float32), 25, 3.0).tolist()
    [50.0, 64.80000305175781]
    """
    return dose_array_to_eqd_x(
        dose_gy, fractions, alpha_beta_gy, 2.0, high_dose_model=high_dose_model
    )


def _convert(
    dose_gy: npt.ArrayLike,
    fractions: int,
    alpha_beta_gy: float,
    reference_dose_per_fraction_gy: float | None,
    model: HighDoseModel | None,
) -> npt.NDArray[Any]:
    n = fraction_count("fractions", fractions)
    ab = positive("alpha_beta_gy", alpha_beta_gy)
    x = reference_dose_per_fraction_gy
    scale = 1.0 if x is None else ab / (x + ab)  # BED -> EQDx
    if model is None:
        return _blockwise(dose_gy, scale / (n * ab), scale, None, 0.0)
    if not math.isclose(model.alpha_beta_gy, ab, rel_tol=1e-6):
        raise InputError(
            "high_dose_model",
            f"α/β {model.alpha_beta_gy:.6g} Gy differs from alpha_beta_gy {ab:.6g} Gy",
            type(model).__name__,
            "build the model with the same α/β",
        )
    if x is not None and x > model.transition_dose_gy:
        raise InputError(
            "reference_dose_per_fraction_gy",
            f"must not exceed the model's transition dose {model.transition_dose_gy:.4g} Gy",
            x,
            "use a reference dose per fraction in the LQ region (e.g. 2 Gy)",
        )
    return _blockwise(
        dose_gy,
        scale / (n * ab),
        scale,
        n * model.transition_dose_gy,
        scale * model.slope_above_transition,
    )


def _blockwise(
    dose_gy: npt.ArrayLike, k1: float, k2: float, cap_gy: float | None, k3: float
) -> npt.NDArray[Any]:
    """Return M·(k1·M + k2) + k3·max(D − cap, 0), M = min(D, cap), blockwise (D finite, >= 0)."""
    array = np.asarray(dose_gy)
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise InputError("dose_gy", "must be a real numeric array", str(array.dtype), "pass Gy")
    dtype = np.float32 if array.dtype == np.float32 else np.float64
    source = np.ascontiguousarray(array, dtype=dtype).reshape(-1)
    out = np.empty(source.shape, dtype=dtype)
    c1, c2, c3 = dtype(k1), dtype(k2), dtype(k3)
    scratch = np.empty(min(_BLOCK, source.size), dtype=dtype) if cap_gy is not None else None
    for start in range(0, source.size, _BLOCK):
        src = source[start : start + _BLOCK]
        dst = out[start : start + _BLOCK]
        if not (src.min() >= 0.0 and src.max() < np.inf):  # NaN fails both comparisons
            _raise_bad_dose(src, start)
        if cap_gy is None or scratch is None:
            np.multiply(src, c1, out=dst)
            dst += c2
            dst *= src
            continue
        cap = dtype(cap_gy)
        tmp = scratch[: src.size]
        np.minimum(src, cap, out=dst)
        np.multiply(dst, c1, out=tmp)
        np.add(tmp, c2, out=tmp)
        dst *= tmp
        np.subtract(src, cap, out=tmp)
        np.maximum(tmp, 0, out=tmp)
        np.multiply(tmp, c3, out=tmp)
        dst += tmp
    return out.reshape(array.shape)


def _raise_bad_dose(block: npt.NDArray[Any], offset: int) -> None:
    bad = ~((block >= 0.0) & (block < np.inf))
    index = offset + int(np.flatnonzero(bad)[0])
    value = float(block[index - offset])
    if np.isnan(value) or np.isinf(value):
        rule = f"contains NaN or infinity (first at flat index {index})"
    else:
        rule = f"must be >= 0 Gy everywhere (first negative at flat index {index})"
    raise InputError("dose_gy", rule, value, "check the dose grid scaling and units")
