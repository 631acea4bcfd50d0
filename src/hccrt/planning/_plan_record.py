"""The planner's beams and segments as a :class:`hccrt.core.Plan` (what the RTPLAN writer takes).

Each MLC segment becomes two control points (cumulative meterset weights before and after it),
with the jaws set once per beam to the union of its open leaves; monitor units are per fraction,
as in the RTPLAN FractionGroupSequence.

Leaf positions are made deliverable for the MLC model: every pair at least
``mlc.min_leaf_gap_mm`` apart; on an MLC that allows interdigitation closed pairs are parked
under the X1 jaw; on one that does not (e.g. Elekta MLCi2) segments that would need it are split
first (:func:`hccrt.planning.sequencing.split_interdigitating`, same fluence) and closed pairs
are closed at the centre of the nearest open pair, so that no leaf passes the opposing leaf of
its neighbour (pairs outside the Y jaws stay under them). A segment that still interdigitates
is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hccrt.core import Beam, ControlPoint, LeafBank, MlcGeometry, Plan
from hccrt.errors import InputError
from hccrt.planning.mlc import MlcModel, interdigitation_violations
from hccrt.planning.outcomes import BeamDelivery
from hccrt.planning.sequencing import Segment, split_interdigitating

__all__ = ["plan_record"]


PARK_BEHIND_JAW_MM = 5.0
"""Closed leaf pairs are parked this far behind the X1 jaw edge (under the jaw)."""


def _deliverable_leaves(segment: Segment, mlc: MlcModel, x1_jaw_mm: float) -> np.ndarray:
    """Leaf positions a linac accepts: every pair at least ``mlc.min_leaf_gap_mm`` apart,
    closed pairs parked under the X1 jaw (interdigitating MLC) or closed at the nearest open
    pair's centre (MLC without interdigitation) instead of abutting at 0 inside the field."""
    leaves = np.array(segment.aperture.leaves_mm, dtype=np.float64)
    gap = mlc.min_leaf_gap_mm
    closed = np.ones(leaves.shape[0], dtype=bool)
    open_pairs = segment.aperture.open_pairs
    closed[open_pairs] = False
    narrow = ~closed & (leaves[:, 1] - leaves[:, 0] < gap)
    centre = leaves[narrow].mean(axis=1)
    leaves[narrow] = np.stack([centre - gap / 2, centre + gap / 2], axis=1)
    if mlc.interdigitation or open_pairs.size == 0:
        park = x1_jaw_mm - PARK_BEHIND_JAW_MM
        leaves[closed] = (park - gap, park)
        return leaves
    pairs = np.arange(leaves.shape[0])
    nearest = open_pairs[np.abs(pairs[:, None] - open_pairs[None, :]).argmin(axis=1)]
    middle = leaves[nearest].mean(axis=1)
    leaves[closed] = np.stack([middle - gap / 2, middle + gap / 2], axis=1)[closed]
    bad = interdigitation_violations(mlc, leaves)
    if bad.size:
        raise InputError(
            "leaf positions",
            f"interdigitate on the {mlc.name}, which does not allow it",
            f"leaf pairs {int(bad[0]) + 1} and {int(bad[0]) + 2}",
            "sequence with split_interdigitating or choose an interdigitating MLC model",
        )
    return leaves


def _static_points(delivery: BeamDelivery, mlc: MlcModel) -> tuple[tuple[ControlPoint, ...], float]:
    """Two control points per MLC segment, jaws on the union of the open leaves; total MU."""
    beam = delivery.beam
    segments = split_interdigitating(mlc, delivery.segments)
    if not segments:
        raise InputError(
            "beam", "has no MLC segment (zero MU)", beam.name, "remove the beam or re-plan"
        )
    opened = np.concatenate([s.aperture.leaves_mm[s.aperture.open_pairs] for s in segments])
    pairs_open = np.unique(np.concatenate([s.aperture.open_pairs for s in segments]))
    x_jaw = (float(opened[:, 0].min()), float(opened[:, 1].max()))
    y_jaw = (
        float(mlc.boundaries_mm[pairs_open.min()]),
        float(mlc.boundaries_mm[pairs_open.max() + 1]),
    )
    total_mu = float(sum(s.mu for s in segments))  # split segments add MU, not fluence
    points: list[ControlPoint] = []
    cumulative = 0.0
    for segment in segments:
        leaves = LeafBank(_deliverable_leaves(segment, mlc, x_jaw[0]))
        for edge in (0, 1):
            if edge == 1:
                cumulative += segment.mu / total_mu
            is_last = len(points) == 2 * len(segments) - 1
            points.append(
                ControlPoint(
                    cumulative_meterset_weight=1.0 if is_last else min(cumulative, 1.0),
                    gantry_deg=beam.gantry_deg,
                    collimator_deg=beam.collimator_deg,
                    couch_deg=beam.couch_deg,
                    jaw_x_mm=x_jaw,
                    jaw_y_mm=y_jaw,
                    leaves=leaves,
                )
            )
    return tuple(points), total_mu


def _arc_points(delivery: BeamDelivery, mlc: MlcModel) -> tuple[tuple[ControlPoint, ...], float]:
    """One control point per segment of an arc, at its gantry angle, with its leaves as
    sequenced (already at the minimum gap and within the leaf travel per degree:
    :mod:`hccrt.planning.vmat`; closed pairs are not parked, which would move them across the
    field between control points) and the jaws fixed to the union of the open leaves."""
    beam = delivery.beam
    segments = delivery.segments
    if len(segments) != len(delivery.gantry_deg) or len(segments) < 2:
        raise InputError(
            "arc", "needs one gantry angle per control point (at least 2)", beam.name, "re-plan"
        )
    total_mu = float(sum(s.mu for s in segments))
    if total_mu <= 0:
        raise InputError("beam", "has zero MU", beam.name, "remove the arc or re-plan")
    gap = mlc.min_leaf_gap_mm + 1e-6
    leaves = [np.asarray(s.aperture.leaves_mm, dtype=np.float64) for s in segments]
    opened = [np.flatnonzero(leaf[:, 1] - leaf[:, 0] > gap) for leaf in leaves]
    pairs_open = np.unique(np.concatenate(opened))
    if pairs_open.size == 0:
        raise InputError("arc", "never opens a leaf pair", beam.name, "re-plan")
    lows = [float(leaf[o, 0].min()) for leaf, o in zip(leaves, opened, strict=True) if o.size]
    highs = [float(leaf[o, 1].max()) for leaf, o in zip(leaves, opened, strict=True) if o.size]
    x_jaw = (min(lows), max(highs))
    y_jaw = (
        float(mlc.boundaries_mm[pairs_open.min()]),
        float(mlc.boundaries_mm[pairs_open.max() + 1]),
    )
    cumulative = np.concatenate([[0.0], np.cumsum([s.mu for s in segments[:-1]]) / total_mu])
    cumulative[-1] = 1.0
    points = tuple(
        ControlPoint(
            cumulative_meterset_weight=float(min(weight, 1.0)),
            gantry_deg=float(gantry),
            collimator_deg=beam.collimator_deg,
            couch_deg=beam.couch_deg,
            gantry_rotation=delivery.rotation if k < len(segments) - 1 else "NONE",
            jaw_x_mm=x_jaw,
            jaw_y_mm=y_jaw,
            leaves=LeafBank(leaf),
        )
        for k, (weight, gantry, leaf) in enumerate(
            zip(cumulative, delivery.gantry_deg, leaves, strict=True)
        )
    )
    return points, total_mu


def _beam(
    number: int,
    delivery: BeamDelivery,
    mlc: MlcModel,
    fractions: int,
    machine: str,
    energy: str,
    ssd_mm: float | None,
) -> Beam:
    points, total_mu = (_arc_points if delivery.is_arc else _static_points)(delivery, mlc)
    return Beam(
        number=number,
        name=delivery.beam.name,
        machine=machine,
        energy=energy,
        beam_type="DYNAMIC" if delivery.is_arc else "STATIC",
        isocenter_mm=delivery.beam.isocenter_mm,
        control_points=points,
        monitor_units=total_mu / fractions,
        sad_mm=delivery.beam.sad_mm,
        mlc=MlcGeometry("MLCX", mlc.boundaries_mm, mlc.name),
        ssd_mm=ssd_mm,
        beam_dose_gy=None
        if delivery.isocenter_dose_gy is None
        else round(delivery.isocenter_dose_gy / fractions, 5),
    )


def plan_record(
    deliveries: Sequence[BeamDelivery],
    mlc: MlcModel,
    prescription_gy: float,
    fractions: int,
    frame_of_reference_uid: str,
    *,
    label: str = "HCC",
    machine: str = "GENERIC_6MV",
    energy: str = "6MV",
    ssd_mm: Mapping[str, float] | None = None,
    target_roi: str | None = None,
) -> Plan:
    """The plan of ``deliveries`` as a core :class:`~hccrt.core.Plan` record.

    Parameters
    ----------
    deliveries
        Beams with their MLC segments; segment MU are for the whole course.
    mlc
        The MLC the segments were sequenced for.
    prescription_gy, fractions
        Whole-course target prescription (Gy) and number of fractions.
    frame_of_reference_uid
        Frame of Reference of the isocentres (the planning CT's).
    label, machine, energy
        RTPlanLabel, TreatmentMachineName and nominal energy.
    ssd_mm
        Source-to-surface distance (mm) per beam name, ray-traced along the central axis
        (:func:`hccrt.planning.beam_block.central_ssd`); written as SourceToSurfaceDistance.
    target_roi
        The prescription's target ROI (the RTPLAN's dose reference refers to it).

    Returns
    -------
    Plan
        One beam per delivery, two control points per segment (an arc: one DYNAMIC beam, one
        control point per segment at its gantry angle), MU per fraction, BeamDose per
        fraction at the isocentre when the delivery carries it.

    Raises
    ------
    InputError
        A beam without segments (zero MU), or fractions outside 1-100.
    """
    if isinstance(fractions, bool) or not isinstance(fractions, int) or fractions < 1:
        raise InputError("fractions", "must be >= 1", fractions, "")
    beams = tuple(
        _beam(n, d, mlc, fractions, machine, energy, (ssd_mm or {}).get(d.beam.name))
        for n, d in enumerate(deliveries, start=1)
    )
    return Plan(
        beams=beams,
        fractions=fractions,
        frame_of_reference_uid=frame_of_reference_uid,
        prescription_gy=float(prescription_gy),
        target_roi=target_roi,
        label=label,
    )
