"""Beam geometry (IEC 61217 gantry/couch angles) and beam's-eye-view projection.

Patient coordinates are DICOM LPS (mm) for a head-first-supine patient. For gantry 0 the source is
anterior (``-y``), the beam-limiting-device X axis (leaf travel) points to the patient's left
(``+x``) and Y points superior (``+z``). The gantry rotates about the superior axis so that at
gantry 90 the source is on the patient's left. A couch (patient support) angle rotates the patient
about the vertical axis; positive = counter-clockwise seen from above (IEC 61217).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Beam:
    """One static photon beam.

    Parameters
    ----------
    gantry_deg, couch_deg, collimator_deg
        IEC 61217 angles (degrees). Only collimator 0 is modelled.
    isocenter_mm
        Isocentre (LPS, mm).
    sad_mm
        Source-axis distance (mm).
    name
        Beam label for RTPLAN.
    """

    gantry_deg: float
    isocenter_mm: tuple[float, float, float]
    couch_deg: float = 0.0
    collimator_deg: float = 0.0
    sad_mm: float = 1000.0
    name: str = ""
    _frame: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name, value in (("gantry_deg", self.gantry_deg), ("couch_deg", self.couch_deg)):
            if not np.isfinite(value) or not -360.0 <= value <= 360.0:
                raise InputError(name, "must be an angle in [-360, 360] degrees", value, "")
        if self.collimator_deg != 0.0:
            raise InputError(
                "collimator_deg", "only collimator 0 is modelled", self.collimator_deg, "use 0"
            )
        iso = np.asarray(self.isocenter_mm, dtype=np.float64)
        if iso.shape != (3,) or not np.all(np.isfinite(iso)):
            raise InputError("isocenter_mm", "must be three finite LPS coordinates (mm)", iso, "")
        if self.sad_mm <= 0:
            raise InputError("sad_mm", "must be > 0 mm", self.sad_mm, "")
        object.__setattr__(self, "isocenter_mm", tuple(float(v) for v in iso))
        if not self.name:
            object.__setattr__(self, "name", f"G{self.gantry_deg:g}C{self.couch_deg:g}")
        object.__setattr__(self, "_frame", _frame(self.gantry_deg % 360, self.couch_deg % 360))

    @property
    def axes(self) -> FloatArray:
        """Rows: unit vectors ``u`` (BLD X), ``v`` (BLD Y) and ``s`` (isocentre to source), LPS."""
        return self._frame

    @property
    def source_mm(self) -> FloatArray:
        """Position of the source (LPS, mm)."""
        result: FloatArray = np.asarray(self.isocenter_mm) + self.sad_mm * self._frame[2]
        return result

    @property
    def direction(self) -> FloatArray:
        """Unit vector of the central axis, from the source towards the isocentre."""
        result: FloatArray = -self._frame[2]
        return result

    def to_beam(self, points_mm: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Beam coordinates of LPS points.

        Returns
        -------
        u_iso_mm, v_iso_mm
            Positions projected along the diverging ray onto the isocentre plane (mm).
        distance_mm
            Distance from the source along the central axis (mm); the isocentre is at ``sad_mm``.
        """
        rel = np.asarray(points_mm, dtype=np.float64) - self.source_mm
        depth = rel @ self.direction
        safe = np.where(depth > 1e-6, depth, np.nan)
        scale = self.sad_mm / safe
        return (rel @ self._frame[0]) * scale, (rel @ self._frame[1]) * scale, depth

    def from_beam(
        self, u_iso_mm: npt.ArrayLike, v_iso_mm: npt.ArrayLike, distance_mm: npt.ArrayLike
    ) -> FloatArray:
        """LPS points on the rays through ``(u, v)`` at the isocentre plane, at a distance."""
        u = np.asarray(u_iso_mm, dtype=np.float64)
        v = np.asarray(v_iso_mm, dtype=np.float64)
        w = np.asarray(distance_mm, dtype=np.float64)
        scale = w / self.sad_mm
        result: FloatArray = (
            self.source_mm
            + (w[..., None] * self.direction)
            + (u * scale)[..., None] * self._frame[0]
            + (v * scale)[..., None] * self._frame[1]
        )
        return result


def _frame(gantry_deg: float, couch_deg: float) -> FloatArray:
    g = np.deg2rad(gantry_deg)
    u = np.array([np.cos(g), np.sin(g), 0.0])
    v = np.array([0.0, 0.0, 1.0])
    s = np.array([np.sin(g), -np.cos(g), 0.0])
    c = np.deg2rad(couch_deg)
    # Turning the couch by +c about the vertical turns the room, seen from the patient, by -c.
    cos_c, sin_c = np.cos(-c), np.sin(-c)
    # Rotation about the LPS y axis (vertical); the couch turns in the x-z plane.
    rot = np.array([[cos_c, 0.0, sin_c], [0.0, 1.0, 0.0], [-sin_c, 0.0, cos_c]])
    return np.stack([rot @ u, rot @ v, rot @ s])


def equispaced_beams(
    count: int,
    isocenter_mm: Sequence[float],
    start_deg: float = 0.0,
    couch_deg: float = 0.0,
    sad_mm: float = 1000.0,
) -> tuple[Beam, ...]:
    """``count`` coplanar beams at equal gantry spacing starting at ``start_deg``."""
    if count < 1 or count > 36:
        raise InputError("beam_count", "must be 1 to 36 beams", count, "use e.g. 5, 7 or 9")
    iso = (float(isocenter_mm[0]), float(isocenter_mm[1]), float(isocenter_mm[2]))
    return tuple(
        Beam(
            gantry_deg=round((start_deg + k * 360.0 / count) % 360.0, 6),
            isocenter_mm=iso,
            couch_deg=couch_deg,
            sad_mm=sad_mm,
            name=f"B{k + 1}_G{round((start_deg + k * 360.0 / count) % 360.0):03d}",
        )
        for k in range(count)
    )


def bev_projection(beam: Beam, points_mm: npt.ArrayLike) -> FloatArray:
    """Beam's-eye-view ``(u, v)`` (mm, isocentre plane) of LPS points, shape ``(N, 2)``."""
    u, v, _ = beam.to_beam(points_mm)
    result: FloatArray = np.stack([u, v], axis=-1)
    return result
