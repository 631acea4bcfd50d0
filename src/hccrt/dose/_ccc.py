"""Collapsed-cone transport of released energy on a regular grid (lattice lines).

For each cone direction the grid is swept plane by plane along the axis the direction advances
fastest on; the lines of that direction through the grid are the voxel lattice sheared by
``round(k * t)`` voxels at plane ``k`` (``|t| <= 1``), so every voxel lies on exactly one line
per direction and nothing is interpolated. Along a line, the radiant energy ``R`` of each
exponential kernel component (fraction ``F``, attenuation ``a`` per mm of water-equivalent path)
is carried recursively through each voxel of density ``rho`` and step ``ds`` (Ahnesjö 1989,
eqs. 14-16), with ``x = a rho ds`` and ``g = (1 - exp(-x)) / x``:

* dose in the voxel:   ``R a ds g + T F (1 - g)``
* radiant energy out:  ``R exp(-x) + T rho F g``

where ``T`` is the TERMA. The density enters only through ``x``: distances are radiological,
which is what makes the dose fall in low density (lateral electronic disequilibrium) and the
penumbra widen there.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from hccrt.dose._kernel import ConeKernel

Float32Array = npt.NDArray[np.float32]


def collapse_cones(
    terma: Float32Array,
    density: Float32Array,
    spacing_mm: tuple[float, float, float],
    kernel: ConeKernel,
    progress: Callable[[int, int], None] | None = None,
) -> Float32Array:
    """Dose from TERMA by collapsed-cone superposition.

    Parameters
    ----------
    terma
        ``[w, v, u]`` total energy released per unit mass (any unit; the dose has the same).
    density
        ``[w, v, u]`` relative electron density (water = 1), same shape.
    spacing_mm
        Voxel spacing along ``(w, v, u)`` (mm).
    kernel
        Cone directions, given in ``(u, v, w)`` beam coordinates, and their kernel components.
    progress
        Called with ``(done, total)`` cone directions.

    Returns
    -------
    numpy.ndarray
        ``[w, v, u]`` dose (float32), in the unit of ``terma``.
    """
    spacing = np.asarray(spacing_mm, dtype=np.float64)
    # Directions are grouped by the axis they advance fastest on; for each group the volumes are
    # transposed once into C order with that axis first, so that every plane of the sweep is a
    # contiguous block (strided planes: 2.0 s instead of 1.4 s for the 78 directions on a
    # 140 x 110 x 110 grid).
    by_axis: dict[int, list[int]] = {}
    for index in range(kernel.size):
        du, dv, dw = kernel.directions[index]
        per_voxel = np.array([dw, dv, du]) / spacing
        by_axis.setdefault(int(np.argmax(np.abs(per_voxel))), []).append(index)
    dose = np.zeros(terma.shape, dtype=np.float32)
    done = 0
    for axis, indices in sorted(by_axis.items()):
        others = [a for a in range(3) if a != axis]
        order = [axis, *others]
        t_axis = np.ascontiguousarray(np.transpose(terma, order))
        r_axis = np.ascontiguousarray(np.transpose(density, order))
        d_axis = np.zeros(t_axis.shape, dtype=np.float32)
        for index in indices:
            du, dv, dw = kernel.directions[index]
            # Direction in (w, v, u) array order, in voxels per mm of path.
            per_voxel = np.array([dw, dv, du]) / spacing
            t_view, r_view, d_view = t_axis, r_axis, d_axis
            if per_voxel[axis] < 0:
                t_view, r_view, d_view = t_view[::-1], r_view[::-1], d_view[::-1]
            shear = per_voxel[others] / abs(per_voxel[axis])
            step_mm = float(1.0 / abs(per_voxel[axis]))
            components = (
                (float(kernel.fraction_a[index]), float(kernel.attenuation_a_per_mm[index])),
                (float(kernel.fraction_b[index]), float(kernel.attenuation_b_per_mm[index])),
            )
            _sweep(t_view, r_view, d_view, shear, step_mm, components)
            done += 1
            if progress is not None:
                progress(done, kernel.size)
        dose += np.transpose(d_axis, np.argsort(order))
    return dose


def _sweep(
    terma: Float32Array,
    density: Float32Array,
    dose: Float32Array,
    shear: npt.NDArray[np.float64],
    step_mm: float,
    components: tuple[tuple[float, float], ...],
) -> None:
    planes, n1, n2 = terma.shape
    offsets = np.rint(np.outer(np.arange(planes), shear)).astype(int)
    size = (n1 + int(np.ptp(offsets[:, 0])), n2 + int(np.ptp(offsets[:, 1])))
    base = offsets.max(axis=0)
    states = [np.zeros(size, dtype=np.float32) for _ in components]
    for k in range(planes):
        s1 = int(base[0] - offsets[k, 0])
        s2 = int(base[1] - offsets[k, 1])
        window = (slice(s1, s1 + n1), slice(s2, s2 + n2))
        rho = density[k]
        t_plane = terma[k]
        path = rho * np.float32(step_mm)
        plane_dose = np.zeros((n1, n2), dtype=np.float32)
        for state, (fraction, attenuation) in zip(states, components, strict=True):
            x = np.maximum(path * np.float32(attenuation), np.float32(1e-7))
            absorbed = -np.expm1(-x)
            transmitted = np.float32(1.0) - absorbed
            g = absorbed / x
            radiant = state[window]
            plane_dose += radiant * (np.float32(attenuation * step_mm) * g)
            plane_dose += t_plane * (np.float32(fraction) * (np.float32(1.0) - g))
            state[window] = radiant * transmitted + t_plane * rho * (np.float32(fraction) * g)
        dose[k] += plane_dose
