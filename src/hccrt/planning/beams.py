"""Beam geometry (IEC 61217 gantry, collimator and couch angles) and beam's-eye-view projection.

Patient coordinates are DICOM LPS (mm) for a head-first-supine patient. For gantry 0 the source is
anterior (``-y``), the beam-limiting-device X axis (leaf travel) points to the patient's left
(``+x``) and Y points superior (``+z``). The chain is the one of IEC 61217 and of the dose engine
(:func:`hccrt.geometry.beam_axes.beam_axes`, shared by both): the collimator turns the
BLD axes right-handed about ``s`` (counter-clockwise seen from the source), the gantry turns
right-handed about the room's ``Y`` axis (the patient's superior axis at couch 0: gantry 90 puts
the source on the patient's left), and the couch turns the patient right-handed about the room's
vertical ``Z`` (counter-clockwise seen from above), so in patient coordinates the beam turns the
opposite way: at gantry 90 and couch 90 the beam enters from the patient's feet.

Apertures, beamlets and leaf positions are in BLD coordinates ``(u, v)`` at the isocentre plane,
so a collimator angle turns the whole MLC with its beamlet grid, as on the machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.geometry.beam_axes import beam_axes

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Beam:
    """One static photon beam.

    Parameters
    ----------
    gantry_deg, couch_deg, collimator_deg
        IEC 61217 angles (degrees, each in [-360, 360]).
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
        for name, value in (
            ("gantry_deg", self.gantry_deg),
            ("couch_deg", self.couch_deg),
            ("collimator_deg", self.collimator_deg),
        ):
            if not np.isfinite(value) or not -360.0 <= value <= 360.0:
                raise InputError(name, "must be an angle in [-360, 360] degrees", value, "e.g. 30")
        iso = np.asarray(self.isocenter_mm, dtype=np.float64)
        if iso.shape != (3,) or not np.all(np.isfinite(iso)):
            raise InputError("isocenter_mm", "must be three finite LPS coordinates (mm)", iso, "")
        if self.sad_mm <= 0:
            raise InputError("sad_mm", "must be > 0 mm", self.sad_mm, "")
        object.__setattr__(self, "isocenter_mm", tuple(float(v) for v in iso))
        if not self.name:
            object.__setattr__(self, "name", f"G{self.gantry_deg:g}C{self.couch_deg:g}")
        frame = beam_axes(self.gantry_deg % 360, self.collimator_deg % 360, self.couch_deg % 360)
        object.__setattr__(self, "_frame", frame)

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


def equispaced_beams(
    count: int,
    isocenter_mm: Sequence[float],
    start_deg: float = 0.0,
    couch_deg: float = 0.0,
    sad_mm: float = 1000.0,
    collimator_deg: float = 0.0,
) -> tuple[Beam, ...]:
    """``count`` beams at equal gantry spacing starting at ``start_deg`` (one couch and
    collimator angle for all)."""
    if count < 1 or count > 36:
        raise InputError("beam_count", "must be 1 to 36 beams", count, "use e.g. 5, 7 or 9")
    iso = (float(isocenter_mm[0]), float(isocenter_mm[1]), float(isocenter_mm[2]))
    return tuple(
        Beam(
            gantry_deg=round((start_deg + k * 360.0 / count) % 360.0, 6),
            isocenter_mm=iso,
            couch_deg=couch_deg,
            collimator_deg=collimator_deg,
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
