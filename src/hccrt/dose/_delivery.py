"""Plan delivery to fluence: control points, jaws and leaves to MU-weighted sharp fluence maps.

Each beam direction gets one :class:`~hccrt.dose.fluence.BeamFluence` on a fine grid at the
isocentre plane covering every jaw (or MLC) opening of the beam plus a margin. Between two
control points the meterset weight is delivered while leaves and jaws move linearly (DICOM's
model for dynamic beams; step-and-shoot segments are intervals with equal positions), so each
interval is integrated with sub-steps that move no edge more than half a pixel. An arc is cut
into gantry samples of at most ``arc_step_deg``, each with its share of the MU.

The instantaneous transmission of one aperture is the product of a jaw factor and an MLC factor:

- jaws: ``T_jaw + (1 - T_jaw) * open``, ``open`` the pixel's area fraction inside both jaw pairs;
- MLC: ``T_mlc + (1 - T_mlc) * open``, ``open`` from the leaf pairs: each leaf tip stands half the
  dosimetric leaf gap (DLG) further back than its nominal position (rounded leaf ends), except in
  a closed pair (gap 0), which transmits only; in a strip of the tongue-and-groove width centred on
  each boundary between two pairs, the field is open only where both pairs are open.

Pixel area fractions are exact along both axes for a given aperture. Leaf positions are at the
isocentre plane (DICOM). MU are per fraction, as in the plan.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hccrt.core.plan import Beam, ControlPoint, Plan
from hccrt.dose.fluence import BeamFluence, CollimatorParameters
from hccrt.errors import InputError
from hccrt.geometry.beam_axes import beam_axes

FloatArray = npt.NDArray[np.float64]

__all__ = ["beam_fluences", "delivery_kind", "plan_fluences"]

_CLOSED_GAP_MM = 1e-3
_MAX_ARC_STEP_DEG = 2.0


@dataclass(frozen=True)
class _Aperture:
    """Jaws (``None``: no such jaw) and leaves ``(pairs, 2)`` of one instant, MLC frame.

    ``along`` is the leaf-travel axis (``u`` for MLCX), ``across`` the other one.
    """

    jaw_along: FloatArray | None
    jaw_across: FloatArray | None
    leaves: FloatArray | None


def plan_fluences(
    plan: Plan,
    collimator: CollimatorParameters | Callable[[Beam], CollimatorParameters],
    *,
    pixel_mm: float = 1.0,
    arc_step_deg: float = _MAX_ARC_STEP_DEG,
    margin_mm: float = 10.0,
) -> tuple[BeamFluence, ...]:
    """Fluence of every beam direction of a plan (MU per fraction).

    Parameters
    ----------
    plan
        The plan (control points resolved).
    collimator
        MLC/jaw transmission, DLG and tongue-and-groove, one for all beams or chosen per beam
        (by machine and energy) by a function.
    pixel_mm
        Fluence pixel size at the isocentre plane (mm, 0.25-5).
    arc_step_deg
        Largest gantry interval one arc sample stands for (degrees, <= 2).
    margin_mm
        Border around the largest opening (mm); the fluence there is the transmission.

    Returns
    -------
    tuple of BeamFluence
        One per static beam, one per gantry sample of an arc; their MU add up to the plan's.
    """
    choose = collimator if callable(collimator) else (lambda _beam: collimator)
    result: list[BeamFluence] = []
    for beam in plan.beams:
        result.extend(
            beam_fluences(
                beam,
                choose(beam),
                pixel_mm=pixel_mm,
                arc_step_deg=arc_step_deg,
                margin_mm=margin_mm,
            )
        )
    return tuple(result)


def beam_fluences(
    beam: Beam,
    parameters: CollimatorParameters,
    *,
    pixel_mm: float = 1.0,
    arc_step_deg: float = _MAX_ARC_STEP_DEG,
    margin_mm: float = 10.0,
) -> tuple[BeamFluence, ...]:
    """Fluence of one beam: one map for a fixed gantry, one per gantry sample of an arc.

    Parameters are those of :func:`plan_fluences`.
    """
    if not 0.25 <= pixel_mm <= 5.0:
        raise InputError("pixel_mm", "must be 0.25-5 mm", pixel_mm, "use e.g. 1 mm")
    if not 0.1 <= arc_step_deg <= _MAX_ARC_STEP_DEG:
        raise InputError("arc_step_deg", "must be 0.1-2 degrees", arc_step_deg, "use e.g. 2")
    if beam.monitor_units <= 0:
        raise InputError(f"beam {beam.name!r} monitor_units", "must be > 0 MU", 0.0, "")
    points = beam.control_points
    swap = beam.mlc is not None and beam.mlc.device_type == "MLCY"
    u_mm, v_mm = _pixel_centres(points, beam, pixel_mm, margin_mm)
    along, across = (v_mm, u_mm) if swap else (u_mm, v_mm)
    weights = _band_weights(beam, across, pixel_mm, parameters.tongue_and_groove_mm)
    apertures = [_aperture(p, swap) for p in points]
    samples: list[tuple[float, float, FloatArray]] = []
    for index in range(len(points) - 1):
        share = (
            points[index + 1].cumulative_meterset_weight - points[index].cumulative_meterset_weight
        )
        if share <= 0:
            continue
        travel = _gantry_travel(points[index], points[index + 1])
        pieces = max(1, int(np.ceil(abs(travel) / arc_step_deg - 1e-9)))
        for piece in range(pieces):
            start, stop = piece / pieces, (piece + 1) / pieces
            fluence = _integrate(
                apertures[index],
                apertures[index + 1],
                start,
                stop,
                along,
                across,
                weights,
                parameters,
                pixel_mm,
            )
            gantry = (points[index].gantry_deg + travel * (start + stop) / 2.0) % 360.0
            mu = share * beam.monitor_units / pieces
            samples.append((gantry, mu, mu * fluence))
    if not beam.is_arc:
        total = sum(f for _, _, f in samples)
        samples = [(points[0].gantry_deg, beam.monitor_units, np.asarray(total))]
    point = points[0]
    return tuple(
        BeamFluence(
            name=beam.name if not beam.is_arc else f"{beam.name} @ {gantry:.1f}",
            machine=beam.machine,
            energy=beam.energy,
            isocenter_mm=np.asarray(beam.isocenter_mm),
            axes=beam_axes(gantry, point.collimator_deg, point.couch_deg),
            sad_mm=beam.sad_mm,
            u_mm=u_mm,
            v_mm=v_mm,
            fluence_mu=fluence.T if swap else fluence,
            monitor_units=mu,
        )
        for gantry, mu, fluence in samples
    )


def delivery_kind(beam: Beam) -> str:
    """How a beam is delivered: ``arc``, ``sliding window``, ``step-and-shoot``, ``MLC field``
    or ``open field`` (jaws only)."""
    points = beam.control_points
    apertures = []
    moving = False
    for now, after in itertools.pairwise(points):
        if after.cumulative_meterset_weight <= now.cumulative_meterset_weight:
            continue
        key = (now.jaw_x_mm, now.jaw_y_mm, _leaf_key(now))
        moving |= key != (after.jaw_x_mm, after.jaw_y_mm, _leaf_key(after))
        apertures.append(key)
    if beam.is_arc:
        return "arc"
    if moving:
        return "sliding window"
    if len(set(apertures)) > 1:
        return "step-and-shoot"
    return "MLC field" if beam.mlc is not None else "open field"


def _leaf_key(point: ControlPoint) -> bytes:
    return b"" if point.leaves is None else np.round(point.leaves.positions_mm, 3).tobytes()


def _gantry_travel(now: ControlPoint, after: ControlPoint) -> float:
    """Signed gantry travel (degrees) from one control point to the next (CW = rising angle)."""
    if now.gantry_rotation == "CW":
        return (after.gantry_deg - now.gantry_deg) % 360.0
    if now.gantry_rotation == "CC":
        return -((now.gantry_deg - after.gantry_deg) % 360.0)
    return 0.0


def _aperture(point: ControlPoint, swap: bool) -> _Aperture:
    x = None if point.jaw_x_mm is None else np.asarray(point.jaw_x_mm, dtype=np.float64)
    y = None if point.jaw_y_mm is None else np.asarray(point.jaw_y_mm, dtype=np.float64)
    leaves = None if point.leaves is None else np.asarray(point.leaves.positions_mm)
    return _Aperture(y, x, leaves) if swap else _Aperture(x, y, leaves)


def _pixel_centres(
    points: tuple[ControlPoint, ...], beam: Beam, pixel_mm: float, margin_mm: float
) -> tuple[FloatArray, FloatArray]:
    """Pixel centres (multiples of the pixel size) covering every opening plus the margin."""
    extents: dict[str, list[float]] = {"x": [], "y": []}
    for point in points:
        for key, jaws in (("x", point.jaw_x_mm), ("y", point.jaw_y_mm)):
            if jaws is not None:
                extents[key].extend(jaws)
    if beam.mlc is not None:
        leaf_key, edge_key = ("x", "y") if beam.mlc.device_type == "MLCX" else ("y", "x")
        if not extents[leaf_key]:
            for point in points:
                if point.leaves is not None:
                    extents[leaf_key].extend(
                        [
                            float(point.leaves.positions_mm.min()),
                            float(point.leaves.positions_mm.max()),
                        ]
                    )
        if not extents[edge_key]:
            edges = beam.mlc.boundaries_mm
            extents[edge_key].extend([float(edges[0]), float(edges[-1])])
    centres = []
    for key in ("x", "y"):
        if not extents[key]:
            raise InputError(
                f"beam {beam.name!r} jaws",
                f"no {key.upper()} jaw or MLC limits the field",
                None,
                "export the beam-limiting devices with the plan",
            )
        low = np.floor((min(extents[key]) - margin_mm) / pixel_mm)
        high = np.ceil((max(extents[key]) + margin_mm) / pixel_mm)
        centres.append(np.arange(low, high + 1) * pixel_mm)
    return centres[0], centres[1]


def _band_weights(
    beam: Beam, across: FloatArray, pixel_mm: float, tongue_mm: float
) -> FloatArray | None:
    """``(len(across), bands)`` area fraction of each pixel row in each band across the leaves.

    Bands: below the MLC, then per pair its interior and the tongue-and-groove strip to the next
    pair, then above the MLC. Rows sum to 1.
    """
    if beam.mlc is None:
        return None
    edges = beam.mlc.boundaries_mm
    half = min(tongue_mm / 2.0, float(np.diff(edges).min()) / 2.0)
    cuts = [-np.inf]
    for index, edge in enumerate(edges):
        inner = 0 < index < edges.size - 1
        cuts.extend([edge - half, edge + half] if inner else [edge])
    cuts.append(np.inf)
    bounds = np.asarray(cuts)
    return _overlap(bounds[:-1], bounds[1:], across, pixel_mm).T


def _overlap(low: FloatArray, high: FloatArray, centres: FloatArray, pixel_mm: float) -> FloatArray:
    """``(len(low), len(centres))`` fraction of each pixel inside ``[low, high]``."""
    lo = np.maximum(low[:, None], centres[None, :] - pixel_mm / 2.0)
    hi = np.minimum(high[:, None], centres[None, :] + pixel_mm / 2.0)
    result: FloatArray = np.clip(hi - lo, 0.0, pixel_mm) / pixel_mm
    return result


def _integrate(
    first: _Aperture,
    second: _Aperture,
    start: float,
    stop: float,
    along: FloatArray,
    across: FloatArray,
    weights: FloatArray | None,
    parameters: CollimatorParameters,
    pixel_mm: float,
) -> FloatArray:
    """Mean relative transmission ``(len(across), len(along))`` over ``t`` in [start, stop]."""
    moves = [
        np.abs(b - a)
        for a, b in (
            (first.jaw_along, second.jaw_along),
            (first.jaw_across, second.jaw_across),
            (first.leaves, second.leaves),
        )
        if a is not None and b is not None
    ]
    travel = (stop - start) * max((float(m.max()) for m in moves), default=0.0)
    steps = max(1, int(np.ceil(travel / (pixel_mm / 2.0))))
    total = np.zeros((across.size, along.size))
    for step in range(steps):
        t = start + (stop - start) * (step + 0.5) / steps
        total += _transmission(
            _blend(first, second, t), along, across, weights, parameters, pixel_mm
        )
    result: FloatArray = total / steps
    return result


def _blend(first: _Aperture, second: _Aperture, t: float) -> _Aperture:
    def mix(a: FloatArray | None, b: FloatArray | None) -> FloatArray | None:
        return None if a is None or b is None else (1.0 - t) * a + t * b

    return _Aperture(
        mix(first.jaw_along, second.jaw_along),
        mix(first.jaw_across, second.jaw_across),
        mix(first.leaves, second.leaves),
    )


def _transmission(
    aperture: _Aperture,
    along: FloatArray,
    across: FloatArray,
    weights: FloatArray | None,
    parameters: CollimatorParameters,
    pixel_mm: float,
) -> FloatArray:
    """Relative fluence ``(len(across), len(along))`` of one aperture (open = 1)."""
    open_along = np.ones(along.size)
    if aperture.jaw_along is not None:
        open_along = _overlap(aperture.jaw_along[:1], aperture.jaw_along[1:], along, pixel_mm)[0]
    open_across = np.ones(across.size)
    if aperture.jaw_across is not None:
        open_across = _overlap(aperture.jaw_across[:1], aperture.jaw_across[1:], across, pixel_mm)[
            0
        ]
    jaw_t = parameters.jaw_transmission
    result: FloatArray = jaw_t + (1.0 - jaw_t) * np.outer(open_across, open_along)
    if weights is None or aperture.leaves is None:
        return result
    leaves = aperture.leaves
    gap = parameters.dosimetric_leaf_gap_mm / 2.0
    closed = leaves[:, 1] - leaves[:, 0] <= _CLOSED_GAP_MM
    low = np.where(closed, np.inf, leaves[:, 0] - gap)
    high = np.where(closed, -np.inf, leaves[:, 1] + gap)
    # Bands: outside, then (pair interior, strip shared with the next pair) per pair, outside.
    band_low = np.concatenate([[-np.inf], np.repeat(low, 2)[:-1], [-np.inf]])
    band_high = np.concatenate([[np.inf], np.repeat(high, 2)[:-1], [np.inf]])
    band_low[2:-1:2] = np.maximum(low[:-1], low[1:])
    band_high[2:-1:2] = np.minimum(high[:-1], high[1:])
    open_bands = _overlap(band_low, band_high, along, pixel_mm)
    mlc_t = parameters.mlc_transmission
    result = result * (mlc_t + (1.0 - mlc_t) * (weights @ open_bands))
    return result
