"""The contract between beam delivery and dose calculation: one beam direction's fluence.

A :class:`BeamFluence` is what the delivery layer (RTPLAN control points, jaws, MLC) hands the
dose engine for one gantry/couch/collimator position: the sharp, MU-weighted primary fluence
at the isocentre plane, before the beam model adds the source size, head scatter and phantom
scatter. A static or step-and-shoot beam gives one; an arc gives one per gantry sample.

Beam coordinates follow IEC 61217 as in :mod:`hccrt.planning.beams`: ``u`` is the beam-limiting
device X axis (leaf travel), ``v`` its Y axis, both at the isocentre plane after collimator and
couch rotation, and ``s`` points from the isocentre to the source. Positions are LPS, mm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError

FloatArray = npt.NDArray[np.float64]

__all__ = ["BeamFluence", "CollimatorParameters"]


@dataclass(frozen=True)
class CollimatorParameters:
    """What the delivery layer needs from a commissioned beam model to build a fluence.

    Parameters
    ----------
    mlc_transmission
        Fraction of the open fluence that passes through closed leaves (0-0.1), averaged over
        leaf and interleaf leakage.
    dosimetric_leaf_gap_mm
        Dosimetric leaf gap (mm at the isocentre plane): rounded leaf ends transmit as if each
        leaf tip stood half this gap further back.
    tongue_and_groove_mm
        Width (mm at the isocentre plane) of the tongue-and-groove shadow between adjacent
        leaves when only one of the two leaves blocks.
    jaw_transmission
        Fraction of the open fluence that passes through the jaws (0-0.05).
    source
        Where the values come from (measurement, publication).
    """

    mlc_transmission: float
    dosimetric_leaf_gap_mm: float
    tongue_and_groove_mm: float
    jaw_transmission: float
    source: str

    def __post_init__(self) -> None:
        bands = (
            ("mlc_transmission", self.mlc_transmission, 0.0, 0.1),
            ("dosimetric_leaf_gap_mm", self.dosimetric_leaf_gap_mm, 0.0, 5.0),
            ("tongue_and_groove_mm", self.tongue_and_groove_mm, 0.0, 5.0),
            ("jaw_transmission", self.jaw_transmission, 0.0, 0.05),
        )
        for name, value, low, high in bands:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(name, "must be a number", value, f"use a value in [{low}, {high}]")
            if not np.isfinite(value) or not low <= value <= high:
                raise InputError(name, f"must be in [{low}, {high}]", value, "check the beam model")


@dataclass(frozen=True, eq=False)
class BeamFluence:
    """Sharp, MU-weighted primary fluence of one beam direction at the isocentre plane.

    Parameters
    ----------
    name
        Beam name (with the gantry sample for arcs, e.g. ``"Arc1 @ 182.0"``).
    machine, energy
        Treatment machine name and nominal energy label (``"6MV"``) that select the beam model.
    isocenter_mm
        Isocentre (LPS, mm).
    axes
        ``(3, 3)`` rows ``u``, ``v``, ``s`` (unit vectors, LPS) after gantry, collimator and
        couch rotation.
    sad_mm
        Source-axis distance (mm); the source is at ``isocenter_mm + sad_mm * s``.
    u_mm, v_mm
        Pixel centres of the fluence map along ``u`` (columns) and ``v`` (rows) at the isocentre
        plane (mm), equally spaced and increasing.
    fluence_mu
        ``[len(v_mm), len(u_mm)]`` fluence in MU-equivalents: an open pixel irradiated with
        ``m`` MU holds ``m``; a pixel under closed leaves holds ``m * mlc_transmission``.
    monitor_units
        Total MU delivered from this direction.
    """

    name: str
    machine: str
    energy: str
    isocenter_mm: FloatArray
    axes: FloatArray
    sad_mm: float
    u_mm: FloatArray
    v_mm: FloatArray
    fluence_mu: FloatArray = field(repr=False)
    monitor_units: float

    def __post_init__(self) -> None:
        iso = np.asarray(self.isocenter_mm, dtype=np.float64)
        axes = np.asarray(self.axes, dtype=np.float64)
        u = np.asarray(self.u_mm, dtype=np.float64)
        v = np.asarray(self.v_mm, dtype=np.float64)
        fluence = np.asarray(self.fluence_mu, dtype=np.float64)
        if iso.shape != (3,) or not np.all(np.isfinite(iso)):
            raise InputError("isocenter_mm", "must be 3 finite LPS values (mm)", iso, "")
        if axes.shape != (3, 3) or not np.allclose(axes @ axes.T, np.eye(3), atol=1e-6):
            raise InputError("axes", "rows u, v, s must be orthonormal", axes.round(4), "")
        if not (np.isfinite(self.sad_mm) and self.sad_mm > 0):
            raise InputError("sad_mm", "must be > 0 mm", self.sad_mm, "e.g. 1000")
        for name, centres in (("u_mm", u), ("v_mm", v)):
            steps = np.diff(centres)
            if centres.ndim != 1 or centres.size < 2 or not np.all(steps > 0):
                raise InputError(name, "must be >= 2 increasing pixel centres", centres[:4], "")
            if not np.allclose(steps, steps[0], rtol=1e-6, atol=1e-9):
                raise InputError(name, "pixel centres must be equally spaced", steps[:4], "")
        if fluence.shape != (v.size, u.size):
            raise InputError("fluence_mu", f"shape must be {(v.size, u.size)}", fluence.shape, "")
        if not np.all(np.isfinite(fluence)) or np.any(fluence < 0):
            raise InputError("fluence_mu", "must be finite and >= 0", "negative or NaN", "")
        if not (np.isfinite(self.monitor_units) and self.monitor_units > 0):
            raise InputError("monitor_units", "must be > 0 MU", self.monitor_units, "")
        for array in (iso, axes, u, v, fluence):
            array.setflags(write=False)
        for name, array in (
            ("isocenter_mm", iso),
            ("axes", axes),
            ("u_mm", u),
            ("v_mm", v),
            ("fluence_mu", fluence),
        ):
            object.__setattr__(self, name, array)

    @property
    def source_mm(self) -> FloatArray:
        """Position of the source (LPS, mm)."""
        result: FloatArray = self.isocenter_mm + self.sad_mm * self.axes[2]
        return result

    @property
    def pixel_mm(self) -> tuple[float, float]:
        """Fluence pixel size ``(u, v)`` at the isocentre plane (mm)."""
        return float(self.u_mm[1] - self.u_mm[0]), float(self.v_mm[1] - self.v_mm[0])
