"""Leaf sequencing of optimised fluence maps into step-and-shoot MLC segments.

The fluence of each leaf pair is quantised into ``levels`` equal MU steps and decomposed with
the unidirectional sweep of Bortfeld et al. (1994): every unit rise of the profile opens a
left leaf, every unit fall closes a right leaf, and the k-th left edge is paired with the k-th
right edge. Pairs then form segment k of the beam. The sequenced fluence equals the quantised
fluence exactly (10 mm leaf pairs deliver the mean of their two 5 mm beamlet rows).

For an MLC without interdigitation (:attr:`hccrt.planning.mlc.MlcModel.interdigitation`
false, e.g. Elekta MLCi2) a segment whose neighbouring open pairs would need a leaf to pass the
opposing leaf of the next pair is split (:func:`split_interdigitating`) into runs of pairs that
need none, each delivered with the segment's MU: the fluence is unchanged, the segment count
grows.

References
----------
Bortfeld TR, Kahler DL, Waldron TJ, Boyer AL. X-ray field compensation with multileaf
collimators. Int J Radiat Oncol Biol Phys 1994;28:723-730.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.planning.mlc import Aperture, MlcModel, open_fractions

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Segment:
    """One MLC shape and its monitor units (whole course)."""

    aperture: Aperture = field(repr=False)
    mu: float


def sequence_beam(
    mlc: MlcModel,
    u_mm: FloatArray,
    v_mm: FloatArray,
    weights_mu: FloatArray,
    bixel_mm: float,
    levels: int = 10,
) -> tuple[Segment, ...]:
    """Step-and-shoot segments delivering the beam's beamlet weights (MU).

    Parameters
    ----------
    mlc
        The collimator (leaf boundaries).
    u_mm, v_mm, weights_mu
        Beamlet centres (isocentre plane) and optimised weights of one beam.
    bixel_mm
        Beamlet size (mm); must divide the leaf widths.
    levels
        Number of intensity levels of the quantisation.
    """
    if levels < 1:
        raise InputError("levels", "must be >= 1", levels, "use e.g. 10")
    w = np.clip(np.asarray(weights_mu, dtype=np.float64), 0.0, None)
    peak = float(w.max(initial=0.0))
    if peak <= 0:
        return ()
    unit = peak / levels
    cols = np.rint(u_mm / bixel_mm - 0.5).astype(np.int64)
    c0 = int(cols.min())
    n_cols = int(cols.max()) - c0 + 1
    pairs = mlc.pair_of(v_mm)
    if np.any(pairs < 0):
        raise InputError(
            "beamlets", "lie outside the MLC field", int(np.sum(pairs < 0)), "reduce the target"
        )
    per_pair: dict[int, list[tuple[int, int]]] = {}
    for p in np.unique(pairs):
        in_pair = pairs == p
        rows = np.unique(np.rint(v_mm[in_pair] / bixel_mm - 0.5))
        profile = np.zeros(n_cols + 2)
        np.add.at(profile, cols[in_pair] - c0 + 1, w[in_pair])
        levels_p = np.rint(profile / rows.size / unit).astype(np.int64)
        rises = np.clip(np.diff(levels_p), 0, None)
        lefts = np.repeat(np.arange(n_cols + 1), rises)  # first open column (index in profile)
        falls = np.clip(-np.diff(levels_p), 0, None)
        rights = np.repeat(np.arange(n_cols + 1), falls)  # first closed column
        per_pair[int(p)] = list(zip(lefts.tolist(), rights.tolist(), strict=True))
    count = max((len(v) for v in per_pair.values()), default=0)
    segments = []
    for k in range(count):
        leaves = np.zeros((mlc.pairs, 2))
        for p, edges in per_pair.items():
            if k < len(edges):
                left, right = edges[k]
                leaves[p] = ((left + c0) * bixel_mm, (right + c0) * bixel_mm)
        segments.append(Segment(Aperture(leaves), unit))
    return split_interdigitating(mlc, tuple(segments))


def split_interdigitating(mlc: MlcModel, segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """Segments an MLC without interdigitation can deliver, with the same fluence.

    Parameters
    ----------
    mlc
        The collimator; when it allows interdigitation the segments are returned unchanged.
    segments
        Step-and-shoot segments.

    Returns
    -------
    tuple of Segment
        Each segment split into runs of consecutive open leaf pairs whose neighbouring leaves
        stay at least ``mlc.min_leaf_gap_mm`` short of the opposing leaf of the next pair; every
        run keeps the segment's MU (pairs outside the run closed), so the delivered fluence is
        the same.
    """
    if mlc.interdigitation:
        return segments
    gap = mlc.min_leaf_gap_mm - 1e-6
    result: list[Segment] = []
    for segment in segments:
        leaves = segment.aperture.leaves_mm
        open_pairs = segment.aperture.open_pairs
        if open_pairs.size == 0:
            continue
        runs: list[list[int]] = [[int(open_pairs[0])]]
        for p in open_pairs[1:].tolist():
            q = runs[-1][-1]
            joined = (
                p == q + 1
                and leaves[p, 1] - leaves[q, 0] >= gap
                and leaves[q, 1] - leaves[p, 0] >= gap
            )
            if joined:
                runs[-1].append(p)
            else:
                runs.append([p])
        if len(runs) == 1:
            result.append(segment)
            continue
        for run in runs:
            part = np.zeros_like(leaves)
            part[run] = leaves[run]
            result.append(Segment(Aperture(part), segment.mu))
    return tuple(result)


def delivered_weights(
    mlc: MlcModel,
    segments: tuple[Segment, ...],
    u_mm: FloatArray,
    v_mm: FloatArray,
    bixel_mm: float,
) -> FloatArray:
    """Beamlet weights (MU) the segments deliver (area-weighted open fractions times MU)."""
    total = np.zeros(u_mm.size)
    for seg in segments:
        total += seg.mu * open_fractions(mlc, seg.aperture, u_mm, v_mm, bixel_mm)
    return total
