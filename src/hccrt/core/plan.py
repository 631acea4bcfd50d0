"""The treatment plan as plain, validated records: beams, control points, jaws and leaves.

This is the one description of a photon plan in hccrt, below every file format: the RTPLAN
reader returns it, the RTPLAN writer takes it, the planner produces it and the dose engine's
delivery layer reads it. Angles follow IEC 61217 (degrees); jaw and leaf positions are in mm at
the isocentre plane in beam-limiting-device coordinates; the isocentre is LPS, mm. Monitor units
are per fraction, as in the RTPLAN FractionGroupSequence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "Beam",
    "ControlPoint",
    "LeafBank",
    "MlcGeometry",
    "Plan",
    "RotationDirection",
]

RotationDirection = Literal["NONE", "CW", "CC"]
_ROTATIONS = ("NONE", "CW", "CC")


def _finite(name: str, value: object, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InputError(name, "must be a number", value, "give a finite number")
    number = float(value)
    if not np.isfinite(number):
        raise InputError(name, "must be finite", value, "give a finite number")
    if low is not None and number < low:
        raise InputError(name, f"must be >= {low:g}", value, "check the plan")
    if high is not None and number > high:
        raise InputError(name, f"must be <= {high:g}", value, "check the plan")
    return number


@dataclass(frozen=True, eq=False)
class MlcGeometry:
    """Leaf-pair boundaries of a multileaf collimator.

    Parameters
    ----------
    device_type
        ``"MLCX"`` (leaves travel along the beam-limiting-device X axis) or ``"MLCY"``.
    boundaries_mm
        ``pairs + 1`` increasing leaf-pair boundaries across the leaf travel (mm, isocentre
        plane), as in DICOM LeafPositionBoundaries.
    name
        Model name (e.g. ``"Millennium 120"``).
    """

    device_type: Literal["MLCX", "MLCY"]
    boundaries_mm: FloatArray = field(repr=False)
    name: str = ""

    def __post_init__(self) -> None:
        if self.device_type not in ("MLCX", "MLCY"):
            raise InputError("device_type", "must be MLCX or MLCY", self.device_type, "")
        edges = np.asarray(self.boundaries_mm, dtype=np.float64)
        if edges.ndim != 1 or edges.size < 2 or not np.all(np.isfinite(edges)):
            raise InputError("boundaries_mm", "need >= 2 finite boundaries", edges.shape, "")
        if np.any(np.diff(edges) <= 0):
            raise InputError("boundaries_mm", "must increase", edges[:5].tolist(), "")
        edges.setflags(write=False)
        object.__setattr__(self, "boundaries_mm", edges)

    @property
    def pairs(self) -> int:
        """Number of leaf pairs."""
        return int(self.boundaries_mm.size - 1)


@dataclass(frozen=True, eq=False)
class LeafBank:
    """Leaf positions of one control point: ``(pairs, 2)`` = (bank A/-side, bank B/+side), mm.

    DICOM stores the first bank's positions, then the second's; a closed pair has equal
    positions (or a gap no wider than the machine's minimum).
    """

    positions_mm: FloatArray = field(repr=False)

    def __post_init__(self) -> None:
        positions = np.asarray(self.positions_mm, dtype=np.float64)
        if positions.ndim != 2 or positions.shape[1] != 2 or not np.all(np.isfinite(positions)):
            raise InputError("leaf_positions_mm", "must be finite (pairs, 2)", positions.shape, "")
        if np.any(positions[:, 1] < positions[:, 0] - 1e-6):
            pair = int(np.flatnonzero(positions[:, 1] < positions[:, 0] - 1e-6)[0])
            raise InputError(
                "leaf_positions_mm",
                "bank B must not be behind bank A (leaves overlap)",
                f"pair {pair + 1}: {positions[pair].tolist()}",
                "check the MLC positions",
            )
        positions.setflags(write=False)
        object.__setattr__(self, "positions_mm", positions)


@dataclass(frozen=True, eq=False)
class ControlPoint:
    """One control point with every value resolved (DICOM omits unchanged ones; we do not).

    Parameters
    ----------
    cumulative_meterset_weight
        Fraction (0-1) of the beam's meterset delivered when this control point is reached.
    gantry_deg, collimator_deg, couch_deg
        IEC 61217 angles (degrees, [0, 360)).
    gantry_rotation
        Direction of gantry rotation from this control point on (``NONE`` for static beams).
    jaw_x_mm, jaw_y_mm
        Jaw positions ``(X1, X2)`` and ``(Y1, Y2)`` (mm, isocentre plane); ``None`` when the
        machine has no such jaw.
    leaves
        MLC positions, ``None`` without an MLC.
    """

    cumulative_meterset_weight: float
    gantry_deg: float
    collimator_deg: float = 0.0
    couch_deg: float = 0.0
    gantry_rotation: RotationDirection = "NONE"
    jaw_x_mm: tuple[float, float] | None = None
    jaw_y_mm: tuple[float, float] | None = None
    leaves: LeafBank | None = None

    def __post_init__(self) -> None:
        _finite("cumulative_meterset_weight", self.cumulative_meterset_weight, 0.0, 1.0 + 1e-9)
        for name in ("gantry_deg", "collimator_deg", "couch_deg"):
            angle = _finite(name, getattr(self, name), -360.0, 360.0)
            object.__setattr__(self, name, angle % 360.0)
        if self.gantry_rotation not in _ROTATIONS:
            raise InputError("gantry_rotation", "must be NONE, CW or CC", self.gantry_rotation, "")
        for name in ("jaw_x_mm", "jaw_y_mm"):
            jaws = getattr(self, name)
            if jaws is None:
                continue
            low = _finite(name, jaws[0], -400.0, 400.0)
            high = _finite(name, jaws[1], -400.0, 400.0)
            if high < low:
                raise InputError(name, "second jaw must not be behind the first", jaws, "")
            object.__setattr__(self, name, (low, high))


@dataclass(frozen=True, eq=False)
class Beam:
    """One treatment beam.

    Parameters
    ----------
    number, name
        BeamNumber and BeamName.
    machine
        TreatmentMachineName (selects the beam model).
    energy
        Nominal energy label, e.g. ``"6MV"``, ``"6FFF"``, ``"10MV"``.
    beam_type
        ``STATIC`` (fixed gantry; step-and-shoot segments allowed) or ``DYNAMIC`` (arcs,
        sliding window).
    isocenter_mm
        Isocentre (LPS, mm).
    control_points
        At least two, cumulative meterset weights non-decreasing from 0 to 1.
    monitor_units
        BeamMeterset per fraction (MU).
    sad_mm
        Source-axis distance (mm).
    mlc
        Leaf geometry, ``None`` without an MLC.
    ssd_mm
        Source-to-surface distance at the first control point (mm), if known.
    beam_dose_gy
        BeamDose per fraction at the dose reference point (Gy), if known.
    """

    number: int
    name: str
    machine: str
    energy: str
    beam_type: Literal["STATIC", "DYNAMIC"]
    isocenter_mm: tuple[float, float, float]
    control_points: tuple[ControlPoint, ...]
    monitor_units: float
    sad_mm: float = 1000.0
    mlc: MlcGeometry | None = None
    ssd_mm: float | None = None
    beam_dose_gy: float | None = None

    def __post_init__(self) -> None:
        if self.beam_type not in ("STATIC", "DYNAMIC"):
            raise InputError("beam_type", "must be STATIC or DYNAMIC", self.beam_type, "")
        iso = tuple(_finite("isocenter_mm", v) for v in self.isocenter_mm)
        if len(iso) != 3:
            raise InputError("isocenter_mm", "must be 3 LPS values (mm)", self.isocenter_mm, "")
        object.__setattr__(self, "isocenter_mm", iso)
        _finite("monitor_units", self.monitor_units, 0.0)
        _finite("sad_mm", self.sad_mm, 1.0)
        points = tuple(self.control_points)
        if len(points) < 2:
            raise InputError(
                f"beam {self.name!r} control_points",
                "a beam needs at least 2 control points",
                len(points),
                "check the RTPLAN",
            )
        weights = np.array([p.cumulative_meterset_weight for p in points])
        if abs(weights[0]) > 1e-6 or abs(weights[-1] - 1.0) > 1e-6 or np.any(np.diff(weights) < 0):
            raise InputError(
                f"beam {self.name!r} cumulative_meterset_weight",
                "must rise monotonically from 0 to 1",
                np.round(weights, 4).tolist()[:8],
                "check the control points of the RTPLAN",
            )
        if self.mlc is not None:
            for index, point in enumerate(points):
                if (
                    point.leaves is not None
                    and point.leaves.positions_mm.shape[0] != self.mlc.pairs
                ):
                    raise InputError(
                        f"beam {self.name!r} control point {index} leaves",
                        f"must give {self.mlc.pairs} leaf pairs",
                        point.leaves.positions_mm.shape[0],
                        "check the MLC definition",
                    )
        object.__setattr__(self, "control_points", points)

    @property
    def is_arc(self) -> bool:
        """True when the gantry moves during the beam."""
        return any(p.gantry_rotation != "NONE" for p in self.control_points[:-1])


@dataclass(frozen=True, eq=False)
class Plan:
    """A photon treatment plan.

    Parameters
    ----------
    beams
        Treatment beams (setup beams are not part of the plan model).
    fractions
        NumberOfFractionsPlanned.
    frame_of_reference_uid
        Frame of Reference of the isocentres (``""`` when the RTPLAN stores none).
    prescription_gy
        Target prescription dose for the whole course (Gy), if known.
    target_roi
        ROI name of the prescription target, if known.
    sop_instance_uid, label, name
        Identification (empty for a plan not yet written).
    referenced_structure_set_uid
        SOPInstanceUID of the RTSTRUCT the plan references, if any.
    """

    beams: tuple[Beam, ...]
    fractions: int
    frame_of_reference_uid: str = ""
    prescription_gy: float | None = None
    target_roi: str | None = None
    sop_instance_uid: str = ""
    label: str = ""
    name: str = ""
    referenced_structure_set_uid: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.fractions, bool) or not isinstance(self.fractions, int):
            raise InputError("fractions", "must be an integer", self.fractions, "e.g. 5 or 25")
        if not 1 <= self.fractions <= 100:
            raise InputError("fractions", "must be 1-100", self.fractions, "check the plan")
        if self.prescription_gy is not None:
            _finite("prescription_gy", self.prescription_gy, 0.0, 200.0)
        if not self.beams:
            raise InputError("beams", "a plan needs at least one beam", 0, "check the RTPLAN")
        numbers = [b.number for b in self.beams]
        if len(set(numbers)) != len(numbers):
            raise InputError("beams", "beam numbers must be unique", numbers, "renumber")
        object.__setattr__(self, "beams", tuple(self.beams))

    @property
    def total_monitor_units(self) -> float:
        """MU per fraction, all beams."""
        return float(sum(b.monitor_units for b in self.beams))
