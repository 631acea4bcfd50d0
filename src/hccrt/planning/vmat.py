"""VMAT: arcs sampled by static beams, fluence optimisation, arc sequencing and MU re-optimisation.

Two-step arc sequencing (Bzdusek et al. 2009; Craft et al. 2012):

1. Each arc is sampled by ordinary static beams on a coarse gantry grid (every
   ``sample_spacing_deg``, 20 deg by default; arcs with the same couch and collimator share the
   samples), whose beamlet dose-influence matrix is computed once and whose fluence is
   optimised by :func:`hccrt.planning.imrt.optimise_imrt` with the plan's hard constraints.
2. The control points of an arc (every ``control_point_spacing_deg``, 2-4 deg typical) are
   assigned to the nearest sample beam. The control points of one arc near one sample form a
   *sector*; each sector delivers its share of the sample's fluence (shares by control-point
   count when several arcs pass the sample) as a unidirectional leaf sweep (the Bortfeld et al.
   1994 decomposition of :mod:`hccrt.planning.sequencing`, one aperture per control point, the
   leaves of a pair only moving one way across the sector). Consecutive sectors sweep in
   opposite directions, so the leaves do not travel back across the field. Closed pairs keep
   the minimum leaf gap where they stand. The leaf travel between adjacent control points is
   then limited to ``max_leaf_travel_mm_per_deg`` times the gantry step (forward pass, each
   leaf clipped towards its previous position).
3. The MU of each control-point interval are re-optimised (the same objectives and hard
   constraints, :func:`optimise_imrt` on a problem whose columns are the intervals): leaves
   move linearly between control points, and the interval's dose is modelled as half the dose
   of the aperture at each end, each on its own sample beam's beamlets (the dose engine,
   :mod:`hccrt.dose._delivery`, integrates the real motion). Every interval gets at least
   ``min_mu_per_deg`` (per fraction) times its gantry step (with a 25 % margin for the later
   coverage renormalisation). The delivery time of each interval is the largest of the
   gantry-speed, dose-rate and leaf-speed limits, and the arc time their sum.

The machine limits (:class:`ArcMachine`) are generic C-arm linac values, UNCONFIRMED for any
given machine and overridable: a clinic takes them from its linac's specification.

References
----------
Bzdusek K, Friberger H, Eriksson K, Hardemark B, Robinson D, Kaus M. Development and evaluation
of an efficient approach to volumetric arc therapy planning. Med Phys 2009;36:2328-2339.
Craft D, McQuaid D, Wala J, Chen W, Salari E, Bortfeld T. Multicriteria VMAT optimization.
Med Phys 2012;39:686-696.
Otto K. Volumetric modulated arc therapy: IMRT in a single gantry arc. Med Phys 2008;35:310-317.
Bortfeld TR, Kahler DL, Waldron TJ, Boyer AL. X-ray field compensation with multileaf
collimators. Int J Radiat Oncol Biol Phys 1994;28:723-730.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from hccrt.errors import InputError
from hccrt.planning.beams import Beam
from hccrt.planning.dose_operator import DoseOperator
from hccrt.planning.imrt import optimise_imrt
from hccrt.planning.mlc import Aperture, MlcModel, open_fractions
from hccrt.planning.problem import PlanningProblem
from hccrt.planning.sequencing import Segment

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _SegmentLike(Protocol):
    @property
    def mu(self) -> float: ...


class DeliveryLike(Protocol):
    """What the arc summaries read of a finished delivery: its segments' MU."""

    @property
    def segments(self) -> Sequence[_SegmentLike]: ...


__all__ = [
    "FLUENCE_SMOOTHNESS_WEIGHT",
    "Arc",
    "ArcMachine",
    "ArcPlan",
    "ArcSamples",
    "DeliveryLike",
    "VmatArc",
    "arc_beam_on_seconds",
    "arc_samples",
    "arc_summary",
    "default_arcs",
    "sequence_arcs",
]

MIN_MU_MARGIN = 1.25
"""The MU re-optimisation asks for this multiple of the minimum MU per degree, so that the
coverage renormalisation after it (a few per cent down at most) keeps the machine minimum."""

FLUENCE_SMOOTHNESS_WEIGHT = 0.0
"""Weight of the beamlet-smoothness term (:func:`hccrt.planning.imrt.optimise_imrt`) in the
fluence optimisation of the arc samples; off by default. A sample's sweep needs MU in proportion
to the largest total rise of its leaf-pair profiles, so rough fluence costs MU and beam-on
time. The term is not yet scale-free: on the 3 cm dome case (docs/validation/planning.md
section 2e) 1e-5 cuts the MU by 31 % at the same CI, R50 and liver mean and 1e-3 spoils the
plan (R50 3.4 -> 6.9), while on the small test phantom 1e-5 loses coverage and 0.01-0.3 halve
the MU."""


@dataclass(frozen=True)
class ArcMachine:
    """Delivery limits of the linac for arcs (all UNCONFIRMED generic values, overridable).

    Parameters
    ----------
    name
        Label of the limit set.
    max_leaf_speed_mm_s
        Largest MLC leaf speed (mm/s at the isocentre plane); 25 mm/s, the value quoted for the
        Varian Millennium MLC in VMAT work (UNCONFIRMED for a given machine).
    max_gantry_speed_deg_s
        Largest gantry speed (deg/s); 6 deg/s (TrueBeam-class; 4.8 deg/s on C-series), UNCONFIRMED.
    max_dose_rate_mu_min
        Largest dose rate (MU/min); 600 MU/min (6 MV flattened), UNCONFIRMED.
    min_mu_per_deg
        Smallest meterset per degree of gantry rotation (MU/deg, per fraction); 0.1, UNCONFIRMED.
    max_leaf_travel_mm_per_deg
        Largest leaf travel between control points per degree of gantry motion (mm/deg), the
        optimiser's leaf-motion constraint; 5 mm/deg, UNCONFIRMED (planning systems use
        0.3-0.5 cm/deg defaults).
    """

    name: str = "generic C-arm linac (UNCONFIRMED limits)"
    max_leaf_speed_mm_s: float = 25.0
    max_gantry_speed_deg_s: float = 6.0
    max_dose_rate_mu_min: float = 600.0
    min_mu_per_deg: float = 0.1
    max_leaf_travel_mm_per_deg: float = 5.0

    def __post_init__(self) -> None:
        for name, low, high in (
            ("max_leaf_speed_mm_s", 1.0, 100.0),
            ("max_gantry_speed_deg_s", 0.5, 12.0),
            ("max_dose_rate_mu_min", 50.0, 3000.0),
            ("min_mu_per_deg", 0.0, 5.0),
            ("max_leaf_travel_mm_per_deg", 0.5, 20.0),
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and np.isfinite(value) and low <= value <= high):
                raise InputError(
                    name, f"must be {low:g}-{high:g}", value, "take it from the linac specification"
                )


@dataclass(frozen=True)
class Arc:
    """One treatment arc.

    Parameters
    ----------
    start_deg, stop_deg
        IEC 61217 gantry angles where the arc starts and stops (degrees, [0, 360)).
    rotation
        ``CW`` (rising gantry angle) or ``CC``.
    couch_deg, collimator_deg
        Fixed couch and collimator angles of the arc (degrees).
    control_point_spacing_deg
        Largest gantry step between control points (degrees, 1-10; 2-4 is usual).
    name
        Beam label for the RTPLAN.
    """

    start_deg: float
    stop_deg: float
    rotation: Literal["CW", "CC"] = "CW"
    couch_deg: float = 0.0
    collimator_deg: float = 0.0
    control_point_spacing_deg: float = 4.0
    name: str = ""

    def __post_init__(self) -> None:
        for name in ("start_deg", "stop_deg", "couch_deg", "collimator_deg"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and np.isfinite(value)):
                raise InputError(name, "must be a finite angle (degrees)", value, "e.g. 181")
            if not 0.0 <= value < 360.0:
                raise InputError(name, "must be in [0, 360) degrees", value, "e.g. 181")
        if self.rotation not in ("CW", "CC"):
            raise InputError("rotation", "must be CW or CC", self.rotation, "e.g. CW")
        spacing = self.control_point_spacing_deg
        if not (isinstance(spacing, int | float) and np.isfinite(spacing) and 1 <= spacing <= 10):
            raise InputError(
                "control_point_spacing_deg", "must be 1-10 degrees", spacing, "use e.g. 4"
            )
        if self.length_deg <= 0.0:
            raise InputError(
                "arc",
                "has zero length (start equals stop)",
                f"{self.start_deg:g} to {self.stop_deg:g} {self.rotation}",
                "give different start and stop angles, e.g. 181 to 179",
            )
        if not self.name:
            object.__setattr__(
                self, "name", f"ARC_{self.rotation}_{self.start_deg:g}_{self.stop_deg:g}"
            )

    @property
    def sign(self) -> float:
        """+1 for CW (rising gantry angle), -1 for CC."""
        return 1.0 if self.rotation == "CW" else -1.0

    @property
    def length_deg(self) -> float:
        """Gantry travel of the arc (degrees, > 0)."""
        return float((self.sign * (self.stop_deg - self.start_deg)) % 360.0)

    def control_point_angles(self) -> FloatArray:
        """Gantry angle of every control point (degrees, [0, 360)), equally spaced."""
        intervals = int(np.ceil(self.length_deg / self.control_point_spacing_deg - 1e-9))
        offsets = np.linspace(0.0, self.length_deg, intervals + 1)
        result: FloatArray = (self.start_deg + self.sign * offsets) % 360.0
        return result


def default_arcs(count: int = 2, spacing_deg: float = 4.0) -> tuple[Arc, ...]:
    """``count`` (1 or 2) coplanar full arcs: 181 -> 179 CW, then back 179 -> 181 CC.

    Full coplanar arcs (skipping only the 2 deg around 180, the couch-column region) with
    collimator 0; UNCONFIRMED as a clinic's liver-SBRT class solution (partial arcs sparing the
    contralateral side are common): give the arcs explicitly to change it.
    """
    if count not in (1, 2):
        raise InputError("arcs", "must be 1 or 2 default arcs", count, "use 2, or give the arcs")
    arcs = (
        Arc(181.0, 179.0, "CW", control_point_spacing_deg=spacing_deg, name="ARC1_CW"),
        Arc(179.0, 181.0, "CC", control_point_spacing_deg=spacing_deg, name="ARC2_CC"),
    )
    return arcs[:count]


@dataclass(frozen=True, eq=False)
class ArcSamples:
    """The static beams that sample the arcs and, per arc, the sample of every control point."""

    beams: tuple[Beam, ...]
    sample_of_point: tuple[IntArray, ...] = field(repr=False)


def arc_samples(
    arcs: Sequence[Arc],
    isocenter_mm: Sequence[float],
    sample_spacing_deg: float = 20.0,
    sad_mm: float = 1000.0,
) -> ArcSamples:
    """Static beams every ``sample_spacing_deg`` of gantry (a grid from 0 deg shared by all arcs
    with the same couch and collimator) and the nearest one for each control point.

    Raises
    ------
    InputError
        No arc, or a sample spacing outside 4-60 degrees.
    """
    if not arcs:
        raise InputError("arcs", "need at least one arc", 0, "use default_arcs()")
    if not (np.isfinite(sample_spacing_deg) and 4.0 <= sample_spacing_deg <= 60.0):
        raise InputError(
            "sample_spacing_deg", "must be 4-60 degrees", sample_spacing_deg, "use e.g. 20"
        )
    iso = (float(isocenter_mm[0]), float(isocenter_mm[1]), float(isocenter_mm[2]))
    slots = round(360.0 / sample_spacing_deg)
    step = 360.0 / slots
    keys: dict[tuple[int, float, float], int] = {}
    beams: list[Beam] = []
    per_arc = []
    for arc in arcs:
        angles = arc.control_point_angles()
        slot = np.rint(angles / step).astype(np.int64) % slots
        index = np.empty(angles.size, dtype=np.int64)
        for n, s in enumerate(slot.tolist()):
            key = (s, arc.couch_deg, arc.collimator_deg)
            if key not in keys:
                keys[key] = len(beams)
                gantry = round(s * step, 6) % 360.0
                beams.append(
                    Beam(
                        gantry,
                        iso,
                        couch_deg=arc.couch_deg,
                        collimator_deg=arc.collimator_deg,
                        sad_mm=sad_mm,
                        name=f"S{len(beams) + 1}_G{gantry:05.1f}_T{arc.couch_deg:g}",
                    )
                )
            index[n] = keys[key]
        per_arc.append(index)
    return ArcSamples(tuple(beams), tuple(per_arc))


@dataclass(frozen=True, eq=False)
class VmatArc:
    """One sequenced arc: control points, their apertures and the MU of each interval.

    ``interval_mu[k]`` (whole course) is delivered from control point ``k`` to ``k + 1``;
    ``sample_of_point[k]`` is the sample beam whose beamlets model control point ``k``.
    """

    arc: Arc
    gantry_deg: FloatArray = field(repr=False)
    leaves_mm: FloatArray = field(repr=False)
    """``(points, pairs, 2)`` leaf positions at each control point."""
    interval_mu: FloatArray = field(repr=False)
    sample_of_point: IntArray = field(repr=False)

    @property
    def steps_deg(self) -> FloatArray:
        """Gantry travel of each interval (degrees)."""
        result: FloatArray = np.abs((np.diff(self.gantry_deg) * self.arc.sign) % 360.0)
        return result

    @property
    def mu(self) -> float:
        """Total MU of the arc (whole course)."""
        return float(self.interval_mu.sum())

    def leaf_travel_mm(self) -> FloatArray:
        """Largest leaf travel of each interval (mm)."""
        result: FloatArray = np.abs(np.diff(self.leaves_mm, axis=0)).max(axis=(1, 2))
        return result

    def segments(self) -> tuple[Segment, ...]:
        """One segment per control point: its aperture and the MU of the interval after it
        (0 for the last control point)."""
        mu = np.append(self.interval_mu, 0.0)
        return tuple(
            Segment(Aperture(self.leaves_mm[k].copy()), float(mu[k]))
            for k in range(self.gantry_deg.size)
        )

    def interval_seconds(self, machine: ArcMachine, fractions: int) -> FloatArray:
        """Delivery time of each interval (s, per fraction): the slowest of the gantry speed,
        the dose rate and the leaf speed."""
        gantry = self.steps_deg / machine.max_gantry_speed_deg_s
        dose_rate = (self.interval_mu / fractions) / (machine.max_dose_rate_mu_min / 60.0)
        leaves = self.leaf_travel_mm() / machine.max_leaf_speed_mm_s
        result: FloatArray = np.maximum(np.maximum(gantry, dose_rate), leaves)
        return result


@dataclass(frozen=True, eq=False)
class ArcPlan:
    """The sequenced arcs and the beamlet weights (MU) they deliver on the sample beams."""

    arcs: tuple[VmatArc, ...]
    weights_mu: FloatArray = field(repr=False)
    machine: ArcMachine
    fractions: int
    arc_weights_mu: tuple[FloatArray, ...] = field(default=(), repr=False)
    """Each arc's own share of ``weights_mu`` (they add up to it)."""

    @property
    def control_points(self) -> int:
        """Number of control points of all arcs."""
        return int(sum(a.gantry_deg.size for a in self.arcs))

    def seconds(self) -> float:
        """Delivery time of all arcs (s, per fraction; beam-on only)."""
        return float(sum(a.interval_seconds(self.machine, self.fractions).sum() for a in self.arcs))


def _sweep(
    mlc: MlcModel,
    u_mm: FloatArray,
    v_mm: FloatArray,
    weights_mu: FloatArray,
    bixel_mm: float,
    count: int,
) -> FloatArray:
    """``(count, pairs, 2)`` apertures of a left-to-right leaf sweep delivering the fluence in
    ``count`` equal-MU steps (NaN for pairs without beamlets).

    The fluence is quantised into units (at first the largest total rise of a pair's profile
    over ``count``) so that no pair needs more than ``count`` openings
    (Bortfeld sweep: the k-th rise opens the left leaf, the k-th fall closes the right leaf);
    a pair with fewer openings stays closed at its first left edge before them and at its last
    right edge after them, so every leaf moves only left to right.
    """
    result = np.full((count, mlc.pairs, 2), np.nan)
    w = np.clip(np.asarray(weights_mu, dtype=np.float64), 0.0, None)
    peak = float(w.max(initial=0.0))
    cols = np.rint(u_mm / bixel_mm - 0.5).astype(np.int64)
    pairs = mlc.pair_of(v_mm)
    if np.any(pairs < 0):
        raise InputError(
            "beamlets", "lie outside the MLC field", int(np.sum(pairs < 0)), "reduce the target"
        )
    if cols.size == 0:
        return result
    c0 = int(cols.min())
    n_cols = int(cols.max()) - c0 + 1
    profiles = {}
    for p in np.unique(pairs).tolist():
        in_pair = pairs == p
        rows = np.unique(np.rint(v_mm[in_pair] / bixel_mm - 0.5))
        profile = np.zeros(n_cols + 2)
        np.add.at(profile, cols[in_pair] - c0 + 1, w[in_pair])
        profiles[p] = profile / rows.size
    if peak <= 0:
        levels_of = {p: np.zeros(n_cols + 2, dtype=np.int64) for p in profiles}
    else:
        variation = max(float(np.clip(np.diff(prof), 0, None).sum()) for prof in profiles.values())
        unit = max(peak, variation) / count
        for _ in range(200):
            levels_of = {p: np.rint(prof / unit).astype(np.int64) for p, prof in profiles.items()}
            most = max(int(np.clip(np.diff(lv), 0, None).sum()) for lv in levels_of.values())
            if most <= count:
                break
            unit *= 1.05
    for p, levels_p in levels_of.items():
        rises = np.clip(np.diff(levels_p), 0, None)
        falls = np.clip(-np.diff(levels_p), 0, None)
        lefts = (np.repeat(np.arange(n_cols + 1), rises) + c0) * bixel_mm
        rights = (np.repeat(np.arange(n_cols + 1), falls) + c0) * bixel_mm
        if lefts.size == 0:
            centre = (c0 + n_cols / 2.0) * bixel_mm
            result[:, p] = centre
            continue
        before = (count - lefts.size) // 2
        result[:before, p] = lefts[0]
        result[before : before + lefts.size, p, 0] = lefts
        result[before : before + lefts.size, p, 1] = rights
        result[before + lefts.size :, p] = rights[-1]
    return result


def _fill(leaves: FloatArray) -> FloatArray:
    """Pairs without a position (NaN) hold the last known one (the next one at the start;
    0 when a pair is never set)."""
    result = leaves.copy()
    for p in range(result.shape[1]):
        column = result[:, p, 0]
        known = np.flatnonzero(~np.isnan(column))
        if known.size == 0:
            result[:, p] = 0.0
            continue
        index = np.maximum.accumulate(np.where(~np.isnan(column), np.arange(column.size), -1))
        index[index < 0] = known[0]
        result[:, p] = result[index, p]
    return result


def _limit_travel(leaves: FloatArray, max_mm: FloatArray, gap_mm: float) -> FloatArray:
    """Leaf positions with every pair at least ``gap_mm`` open and no leaf moving more than
    ``max_mm[k]`` from control point ``k`` to ``k + 1`` (forward pass, each leaf clipped
    towards its previous position, then the pair widened about its centre)."""
    result = leaves.copy()

    def widen(one: FloatArray) -> FloatArray:
        narrow = one[:, 1] - one[:, 0] < gap_mm
        centre = one[narrow].mean(axis=1)
        one[narrow] = np.stack([centre - gap_mm / 2, centre + gap_mm / 2], axis=1)
        return one

    result[0] = widen(result[0])
    for k in range(1, result.shape[0]):
        reach = max(float(max_mm[k - 1]) - gap_mm, 0.0)
        previous = result[k - 1]
        result[k] = widen(np.clip(result[k], previous - reach, previous + reach))
    return result


def sequence_arcs(
    problem: PlanningProblem,
    arcs: Sequence[Arc],
    samples: ArcSamples,
    mlc: MlcModel,
    weights_mu: FloatArray,
    *,
    machine: ArcMachine | None = None,
    fractions: int = 1,
    inner_iterations: int = 60,
) -> ArcPlan:
    """Arc sequencing of optimised sample-beam fluence, then MU re-optimisation per interval.

    Parameters
    ----------
    problem
        The planning problem on the sample beams' dose influence (``samples.beams``).
    arcs, samples
        The arcs and their sample beams (:func:`arc_samples`).
    mlc
        The collimator; it must allow interdigitation (the sweep does not restrict it).
    weights_mu
        Optimised beamlet weights of the sample beams (MU, whole course).
    machine
        Delivery limits (:class:`ArcMachine`, UNCONFIRMED defaults).
    fractions
        Number of fractions (the machine limits are per fraction; MU here are whole course).

    Returns
    -------
    ArcPlan
        The arcs with leaves and interval MU, and the beamlet weights they deliver.

    Raises
    ------
    InputError
        An MLC without interdigitation, fractions < 1, or weights of the wrong length.
    hccrt.planning.objectives.InfeasiblePlanError
        When the MU re-optimisation cannot keep a hard constraint.
    """
    limits = machine or ArcMachine()
    dij = problem.dij
    if not mlc.interdigitation:
        raise InputError(
            "mlc",
            "VMAT sequencing needs an MLC that allows interdigitation",
            mlc.name,
            "choose e.g. the Millennium 120 or Agility model",
        )
    if isinstance(fractions, bool) or not isinstance(fractions, int) or fractions < 1:
        raise InputError("fractions", "must be a whole number >= 1", fractions, "e.g. 5")
    w = np.asarray(weights_mu, dtype=np.float64)
    if w.shape != (dij.bixels.count,):
        raise InputError(
            "weights_mu", f"must have one weight per beamlet ({dij.bixels.count})", w.shape, ""
        )
    bixels = dij.bixels
    # How many control points (all arcs) each sample stands for: the fluence is shared by them.
    points_of_sample = np.zeros(len(samples.beams), dtype=np.int64)
    for index in samples.sample_of_point:
        np.add.at(points_of_sample, index, 1)
    sequenced = []
    for arc, index in zip(arcs, samples.sample_of_point, strict=True):
        leaves = np.full((index.size, mlc.pairs, 2), np.nan)
        starts = np.flatnonzero(np.diff(index, prepend=-1) != 0)
        ends = np.append(starts[1:], index.size)
        for n, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            s = int(index[a])
            cols = bixels.of_beam(s)
            share = (b - a) / points_of_sample[s]
            sweep = _sweep(
                mlc, bixels.u_mm[cols], bixels.v_mm[cols], w[cols] * share, bixels.bixel_mm, b - a
            )
            leaves[a:b] = sweep if n % 2 == 0 else sweep[::-1]
        angles = arc.control_point_angles()
        steps = np.abs((np.diff(angles) * arc.sign) % 360.0)
        leaves = _limit_travel(
            _fill(leaves), steps * limits.max_leaf_travel_mm_per_deg, mlc.min_leaf_gap_mm
        )
        sequenced.append((arc, angles, leaves, steps, index))
    # MU re-optimisation: one column per interval, half the dose of each end's aperture.
    point_columns = []
    for _arc, _angles, leaves, _steps, index in sequenced:
        for k in range(index.size):
            cols = bixels.of_beam(int(index[k]))
            x = open_fractions(
                mlc, Aperture(leaves[k]), bixels.u_mm[cols], bixels.v_mm[cols], bixels.bixel_mm
            )
            point_columns.append(sp.csc_matrix((x, (cols, np.zeros(cols.size))), (bixels.count, 1)))
    apertures = sp.hstack(point_columns, format="csc")  # (beamlets, points)
    blocks, lower = [], []
    for _arc, _angles, _leaves, steps, index in sequenced:
        n = index.size
        half = sp.diags([np.full(n - 1, 0.5), np.full(n - 1, 0.5)], [0, -1], shape=(n, n - 1))
        blocks.append(half)
        lower.append(steps * limits.min_mu_per_deg * fractions * MIN_MU_MARGIN)
    to_points = sp.block_diag(blocks, format="csc")  # (points, intervals)
    interval_fluence = sp.csc_matrix(apertures @ to_points)  # (beamlets, intervals)
    reduced = _interval_problem(problem, interval_fluence)
    result = optimise_imrt(
        reduced,
        inner_iterations=inner_iterations,
        require_coverage=False,
        lower_bounds_mu=np.concatenate(lower),
    )
    mu = result.weights_mu
    arcs_out, start = [], 0
    for arc, angles, leaves, _steps, index in sequenced:
        count = angles.size - 1
        arcs_out.append(VmatArc(arc, angles, leaves, mu[start : start + count].copy(), index))
        start += count
    delivered = np.asarray(interval_fluence @ mu, dtype=np.float64).ravel()
    own, start = [], 0
    for arc_out in arcs_out:
        count = arc_out.interval_mu.size
        part = interval_fluence[:, start : start + count] @ mu[start : start + count]
        own.append(np.asarray(part, dtype=np.float64).ravel())
        start += count
    return ArcPlan(tuple(arcs_out), delivered, limits, fractions, tuple(own))


def _with_delivered_mu(arc_plan: ArcPlan, segments_mu: Sequence[FloatArray]) -> ArcPlan:
    """The arcs with the interval MU of the finished plan (after its renormalisations)."""
    arcs = tuple(
        VmatArc(
            a.arc, a.gantry_deg, a.leaves_mm, np.asarray(mu[:-1], dtype=float), a.sample_of_point
        )
        for a, mu in zip(arc_plan.arcs, segments_mu, strict=True)
    )
    return ArcPlan(arcs, arc_plan.weights_mu, arc_plan.machine, arc_plan.fractions)


def arc_beam_on_seconds(arc_plan: ArcPlan, deliveries: Sequence[DeliveryLike]) -> float:
    """Beam-on time (s per fraction) of the arcs with the MU of the finished ``deliveries``."""
    final = _with_delivered_mu(arc_plan, [np.array([s.mu for s in d.segments]) for d in deliveries])
    return final.seconds()


def arc_summary(arc_plan: ArcPlan, deliveries: Sequence[DeliveryLike]) -> str:
    """One line on the finished arcs: control points, spacing, MU per degree, leaf travel per
    degree and beam-on time against the machine limits."""
    final = _with_delivered_mu(arc_plan, [np.array([s.mu for s in d.segments]) for d in deliveries])
    limits = final.machine
    steps = np.concatenate([a.steps_deg for a in final.arcs])
    mu_deg = np.concatenate([a.interval_mu for a in final.arcs]) / final.fractions / steps
    travel = np.concatenate([a.leaf_travel_mm() for a in final.arcs]) / steps
    below = int(np.sum(mu_deg < limits.min_mu_per_deg - 1e-9))
    return (
        f"{len(final.arcs)} arc(s), {final.control_points} control points every <= "
        f"{steps.max():.1f} deg; MU/deg per fraction >= {mu_deg.min():.2f} (machine minimum "
        f"{limits.min_mu_per_deg:g}{'' if below == 0 else f', {below} intervals below it'}); "
        f"leaf travel <= {travel.max():.2f} mm/deg (limit {limits.max_leaf_travel_mm_per_deg:g});"
        f" beam-on {final.seconds():.0f} s per fraction ({limits.name})"
    )


def _interval_problem(problem: PlanningProblem, fluence: sp.csc_matrix) -> PlanningProblem:
    """The planning problem whose columns are arc intervals: ``fluence`` maps interval MU to
    beamlet weights; each column's dose on the problem's rows is computed once."""
    op = problem.operator
    dense = op.columns_dose(fluence)  # (rows, intervals)
    operator = DoseOperator(sp.csc_matrix(dense.astype(np.float32)), ())
    return PlanningProblem(
        problem.dij,
        problem.target,
        problem.constraints,
        operator,
        problem.rows,
        problem.target_voxels,
        problem.extra_targets,
    )
