"""Beam axes in patient coordinates for any gantry, collimator and couch angle (IEC 61217).

The chain is the standard's: the beam-limiting device (BLD) system turns about the beam axis by
the collimator angle, the gantry system about the room's Y axis (the patient's superior axis at
couch 0) by the gantry angle, and the patient support about the room's vertical axis by the
couch angle. Patient coordinates are DICOM LPS (mm) of a head-first-supine patient, which at
couch 0 are the room axes: IEC fixed ``X`` = patient left (LPS ``+x``), ``Y`` (towards the
gantry) = superior (``+z``), ``Z`` (up) = anterior (``-y``).

Positive angles turn counter-clockwise seen from the positive end of the axis: the gantry from
the foot of the couch looking at the gantry is clockwise for rising angles (gantry 90 puts the
source on the patient's left), the couch counter-clockwise seen from above, the collimator
counter-clockwise seen from the source. The rows of the result are ``u`` (BLD X, MLCX leaf
travel), ``v`` (BLD Y) and ``s`` (isocentre towards the source), as in
:class:`hccrt.dose.fluence.BeamFluence` and of the planner's
:class:`hccrt.planning.beams.Beam` (one chain for both engines).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = ["beam_axes"]

_ROOM_X = np.array([1.0, 0.0, 0.0])
_ROOM_Y = np.array([0.0, 0.0, 1.0])
_ROOM_Z = np.array([0.0, -1.0, 0.0])


def _rotation(axis: FloatArray, angle_deg: float) -> FloatArray:
    """Right-handed rotation by ``angle_deg`` about the unit vector ``axis`` (Rodrigues)."""
    angle = np.deg2rad(angle_deg)
    k = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    result: FloatArray = np.eye(3) + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)
    return result


def beam_axes(gantry_deg: float, collimator_deg: float = 0.0, couch_deg: float = 0.0) -> FloatArray:
    """Unit vectors ``u``, ``v``, ``s`` of a beam in patient LPS coordinates (HFS).

    Parameters
    ----------
    gantry_deg, collimator_deg, couch_deg
        IEC 61217 angles (degrees).

    Returns
    -------
    numpy.ndarray
        ``(3, 3)``: rows ``u`` (BLD X), ``v`` (BLD Y), ``s`` (isocentre to source).

    Notes
    -----
    The gantry turns about room ``Y`` clockwise seen from the foot end, i.e. right-handed about
    ``+Y``; the collimator turns right-handed about ``s``; the couch turns the patient
    right-handed about room ``Z`` (counter-clockwise from above), so in patient coordinates the
    beam turns the opposite way.
    """
    gantry = _rotation(_ROOM_Y, gantry_deg)
    u, v, s = gantry @ _ROOM_X, gantry @ _ROOM_Y, gantry @ _ROOM_Z
    collimator = _rotation(s, collimator_deg)
    u, v = collimator @ u, collimator @ v
    couch = _rotation(_ROOM_Z, -couch_deg)
    result: FloatArray = np.stack([couch @ u, couch @ v, couch @ s])
    return result
