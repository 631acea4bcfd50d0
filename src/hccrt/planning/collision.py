"""A simple gantry-head collision check: gantry head against couch and patient body.

The machine is described by a few dimensions (:class:`MachineGeometry`):

* the gantry head (collimator housing) is a cylinder around the beam axis, of radius
  ``head_radius_mm``, whose face is ``head_clearance_mm`` from the isocentre towards the source;
* the couch top is a slab under the patient: ``couch_width_mm`` wide (patient left-right),
  ``couch_thickness_mm`` thick, its upper face at the body's most posterior point, reaching
  ``couch_length_mm / 2`` superior and inferior of the isocentre;
* the patient is the BODY structure (its voxels on the dose grid).

At couch 0 only the body is checked: the gantry of a C-arm linac turns about the couch's long
axis, and its couch top is built to clear a full coplanar rotation with the isocentre in the
patient (the coarse slab of this model would refuse posterior obliques every linac delivers).

In patient coordinates the patient and couch are fixed and the head moves: for each
gantry/couch pair (every control point angle of an arc) the beam axis ``s`` comes from the IEC
61217 chain of :func:`hccrt.geometry.beam_axes.beam_axes`, and the clearance is the distance from
the head face to the nearest couch or body point inside the head's footprint (radial distance
from the axis at most ``head_radius_mm``). A clearance under ``safety_margin_mm`` is refused
with the beam, the angles, the clearance found and the fix.

Sources of the default dimensions (TrueBeam-like; all UNCONFIRMED, overridable):

* ``head_clearance_mm`` 400 and ``head_radius_mm`` 380: UNCONFIRMED, no manufacturer figure
  could be confirmed here (the Varian TrueBeam "Designers' Desk Reference", P/N 100060817-12,
  gives room and couch-arc dimensions, not the collimator-face clearance); a physicist must set
  the measured values of the machine, with its accessories.
* ``couch_width_mm`` 530 and ``couch_thickness_mm`` 50: UNCONFIRMED, of the order of a
  carbon-fibre linac couch top (Varian Exact/IGRT couch top class).
* ``safety_margin_mm`` 30: the 3 cm buffer with which MapRT predicted every collision on a
  TrueBeam (Gonod et al., "Benchmarking MapRT and first clinical experience: A novel solution
  for collision-free non-coplanar treatment planning", J Appl Clin Med Phys 2025, PMC11905235).
  Yu et al. (Med Phys 2015;42:6457, PMC4608969) found model-to-machine discrepancies up to
  0.95 cm (gantry-couch) and 2.97 cm (gantry-phantom) for a detailed CAD model: this coarse
  model is a screen, not a substitute for a dry run.

The body is known only over the CT's length; the couch, which runs past it, stands in for the
legs and head beyond the scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.geometry.beam_axes import beam_axes
from hccrt.planning.beams import Beam

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "DEFAULT_MACHINE",
    "Clearance",
    "CollisionScene",
    "MachineGeometry",
    "check_beams",
    "clearances",
    "collision_scene",
]

_COUCH_STEP_MM = 20.0


@dataclass(frozen=True)
class MachineGeometry:
    """Dimensions (mm) of the collision model; see the module docstring for their sources.

    Parameters
    ----------
    name
        Label of the machine description (shown in refusals).
    head_clearance_mm
        Isocentre to the gantry-head face, along the beam axis.
    head_radius_mm
        Radius of the head's footprint around the beam axis.
    couch_width_mm, couch_thickness_mm, couch_length_mm
        Couch-top slab (left-right width, thickness, length centred on the isocentre).
    safety_margin_mm
        Smallest clearance accepted.
    """

    name: str = "TrueBeam-like (UNCONFIRMED dimensions)"
    head_clearance_mm: float = 400.0
    head_radius_mm: float = 380.0
    couch_width_mm: float = 530.0
    couch_thickness_mm: float = 50.0
    couch_length_mm: float = 2000.0
    safety_margin_mm: float = 30.0

    def __post_init__(self) -> None:
        for name in (
            "head_clearance_mm",
            "head_radius_mm",
            "couch_width_mm",
            "couch_thickness_mm",
            "couch_length_mm",
        ):
            value = getattr(self, name)
            if not (np.isfinite(value) and 0.0 < value <= 5000.0):
                raise InputError(name, "must be in (0, 5000] mm", value, "give the machine's value")
        margin = self.safety_margin_mm
        if not (np.isfinite(margin) and 0.0 <= margin <= 500.0):
            raise InputError("safety_margin_mm", "must be 0-500 mm", margin, "e.g. 30")


DEFAULT_MACHINE = MachineGeometry()
"""The default (TrueBeam-like, UNCONFIRMED) machine description."""


@dataclass(frozen=True, eq=False)
class CollisionScene:
    """What the head may hit, in patient LPS (mm): couch-top and body sample points."""

    isocenter_mm: FloatArray
    couch_points_mm: FloatArray
    body_points_mm: FloatArray
    machine: MachineGeometry


@dataclass(frozen=True)
class Clearance:
    """The smallest clearance of one gantry/couch pair and what limits it."""

    gantry_deg: float
    couch_deg: float
    clearance_mm: float
    obstacle: str


def collision_scene(
    body_points_mm: npt.ArrayLike,
    isocenter_mm: Sequence[float],
    machine: MachineGeometry = DEFAULT_MACHINE,
) -> CollisionScene:
    """The couch slab under a body and the body's points, for :func:`check_beams`.

    Parameters
    ----------
    body_points_mm
        ``(N, 3)`` LPS points of the patient's body (e.g. the BODY voxel centres).
    isocenter_mm
        The beams' isocentre (LPS, mm).
    machine
        Machine dimensions.

    Returns
    -------
    CollisionScene
        The couch top at the body's most posterior point, centred on the body left-right.
    """
    body = np.asarray(body_points_mm, dtype=np.float64).reshape(-1, 3)
    if body.shape[0] == 0:
        raise InputError("BODY", "has no voxels: the collision check needs the body", 0, "")
    iso = np.asarray(isocenter_mm, dtype=np.float64)
    top = float(body[:, 1].max())
    centre_x = 0.5 * float(body[:, 0].min() + body[:, 0].max())
    half_w, half_l = machine.couch_width_mm / 2, machine.couch_length_mm / 2
    x = centre_x + np.linspace(-half_w, half_w, int(np.ceil(2 * half_w / _COUCH_STEP_MM)) + 1)
    y = top + np.linspace(0.0, machine.couch_thickness_mm, 3)
    z = iso[2] + np.linspace(-half_l, half_l, int(np.ceil(2 * half_l / _COUCH_STEP_MM)) + 1)
    couch = np.stack(np.meshgrid(x, y, z, indexing="ij"), axis=-1).reshape(-1, 3)
    return CollisionScene(iso, couch, body, machine)


def _clearance(
    points: FloatArray, iso: FloatArray, s: FloatArray, machine: MachineGeometry
) -> float:
    rel = points - iso
    along = rel @ s
    radial_sq = np.einsum("ij,ij->i", rel, rel) - along**2
    inside = radial_sq <= machine.head_radius_mm**2
    if not np.any(inside):
        return float("inf")
    return machine.head_clearance_mm - float(along[inside].max())


def clearances(scene: CollisionScene, gantry_deg: float, couch_deg: float) -> Clearance:
    """Clearance (mm) of the gantry head at one gantry/couch pair.

    Parameters
    ----------
    scene
        Couch and body (:func:`collision_scene`).
    gantry_deg, couch_deg
        IEC 61217 angles (degrees).

    Returns
    -------
    Clearance
        The smaller of the couch and body clearances (``inf`` when nothing is under the head).
    """
    s = beam_axes(gantry_deg % 360, 0.0, couch_deg % 360)[2]
    machine = scene.machine
    # At couch 0 the gantry turns about the couch's long axis, for which a C-arm linac and its
    # couch top are built (full coplanar rotation with the isocentre in the patient); this
    # coarse couch slab would refuse posterior obliques that every linac delivers.
    coplanar = min(couch_deg % 360.0, 360.0 - couch_deg % 360.0) < 0.5
    couch = (
        float("inf")
        if coplanar
        else _clearance(scene.couch_points_mm, scene.isocenter_mm, s, machine)
    )
    body = _clearance(scene.body_points_mm, scene.isocenter_mm, s, machine)
    if couch <= body:
        return Clearance(gantry_deg, couch_deg, couch, "couch")
    return Clearance(gantry_deg, couch_deg, body, "patient body")


def check_beams(
    scene: CollisionScene,
    beams: Sequence[Beam],
    arc_gantry_deg: Sequence[Sequence[float]] | None = None,
) -> tuple[Clearance, ...]:
    """Refuse beams whose gantry head would come closer than the safety margin.

    Parameters
    ----------
    scene
        Couch and body (:func:`collision_scene`).
    beams
        The beams; a static beam is checked at its gantry angle.
    arc_gantry_deg
        Per beam, every control-point gantry angle (arcs); ``None`` (or an empty entry):
        the beam's own gantry angle.

    Returns
    -------
    tuple of Clearance
        The smallest clearance of each beam.

    Raises
    ------
    InputError
        The first beam with a clearance under the safety margin, naming the beam, the angles,
        the clearance and the fix.
    """
    machine = scene.machine
    result = []
    for n, beam in enumerate(beams):
        angles = (arc_gantry_deg[n] if arc_gantry_deg is not None else ()) or (beam.gantry_deg,)
        worst = min(
            (clearances(scene, float(g), beam.couch_deg) for g in angles),
            key=lambda c: c.clearance_mm,
        )
        if worst.clearance_mm < machine.safety_margin_mm:
            raise InputError(
                f"beam {beam.name}",
                f"the gantry head would hit the {worst.obstacle} at gantry "
                f"{worst.gantry_deg:g} deg, couch {worst.couch_deg:g} deg: clearance "
                f"{worst.clearance_mm:.0f} mm < {machine.safety_margin_mm:g} mm safety margin "
                f"({machine.name})",
                f"gantry {worst.gantry_deg:g}, couch {worst.couch_deg:g}",
                "choose another couch angle for this beam (e.g. 0) or a gantry angle nearer the "
                "couch axis (closer to 0 at couch 90/270), or plan with a measured machine "
                "description",
            )
        result.append(worst)
    return tuple(result)
