"""The fixed frame of the phantom trunk: body wall, diaphragm, spine, great vessels, kidneys.

These solids do not depend on the options; :func:`frame` builds them once. The liver is given
as its tumour-free shape and as the space it may grow into (for large, exophytic tumours).
Coordinates are LPS mm; z = 0 is about the top of the right hemidiaphragm (T10).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from hccrt.phantom.csg import Difference, Intersection, Offset, Union
from hccrt.phantom.shapes import Capsule, Ellipsoid, EllipticCylinder, HalfSpace, Shape


def _body() -> tuple[Shape, Shape, Shape]:
    outer = EllipticCylinder((0.0, 5.0), (165.0, 120.0), exponent=2.4)
    return outer, Offset(outer, -15.0), Offset(outer, -25.0)


def _diaphragm_domes() -> Shape:
    """Everything below the diaphragm (its lower surface): three domes and the lower abdomen."""
    return Union(
        (
            Ellipsoid((-65.0, 15.0, -95.0), (110.0, 135.0, 100.0)),
            Ellipsoid((65.0, 15.0, -110.0), (110.0, 135.0, 95.0)),
            Ellipsoid((0.0, 0.0, -100.0), (60.0, 135.0, 90.0)),
            HalfSpace(2, -70.0),
        )
    )


@dataclass(frozen=True)
class Frame:
    """The option-independent solids that the organs are built from and carved by (LPS mm)."""

    body: Shape
    inner_fat: Shape
    cavity: Shape
    below_diaphragm: Shape
    diaphragm_top: Shape
    vertebral_body: Shape
    canal: Shape
    arch: Shape
    cord: Shape
    paraspinal: Shape
    psoas: Shape
    spine: Shape
    retro: Shape
    aorta: Shape
    ivc: Shape
    vessels: Shape
    portal_vein: Shape
    kidney_r: Shape
    kidney_l: Shape
    kidneys: Shape
    fixed: Shape
    liver_base: Shape
    liver_envelope: Shape


@lru_cache(maxsize=1)
def frame() -> Frame:
    body, inner_fat, cavity = _body()
    below_diaphragm = _diaphragm_domes()
    diaphragm_top = Offset(below_diaphragm, 4.0)

    vertebral_body = EllipticCylinder((0.0, 55.0), (24.0, 19.0))
    canal = EllipticCylinder((0.0, 86.0), (11.0, 9.0))
    arch = Union(
        (
            Difference(EllipticCylinder((0.0, 88.0), (19.0, 17.0)), (canal,)),
            EllipticCylinder((0.0, 106.0), (4.0, 9.0)),
            EllipticCylinder((-27.0, 80.0), (12.0, 4.0)),
            EllipticCylinder((27.0, 80.0), (12.0, 4.0)),
        )
    )
    cord = EllipticCylinder((0.0, 86.0), (5.5, 4.5))
    paraspinal = Union(
        tuple(EllipticCylinder((side * 40.0, 92.0), (30.0, 20.0)) for side in (-1.0, 1.0))
    )
    # The psoas widens downwards: semi_axes_mm is its inferior end.
    psoas = Union(
        tuple(
            EllipticCylinder((side * 32.0, 50.0), (18.0, 15.0), -215.0, -100.0, 2.0, (8.0, 8.0))
            for side in (-1.0, 1.0)
        )
    )
    spine = Union((vertebral_body, arch, canal))
    retro = EllipticCylinder((0.0, 60.0), (50.0, 38.0))

    aorta = Union(
        (
            Capsule((14.0, 24.0, -215.0), (14.0, 24.0, -30.0), 12.0),
            Capsule((14.0, 24.0, -30.0), (28.0, 42.0, 50.0), 12.0),
            Capsule((28.0, 42.0, 50.0), (28.0, 42.0, 115.0), 12.0),
        )
    )
    ivc = Union(
        (
            Capsule((-24.0, 28.0, -215.0), (-24.0, 28.0, -20.0), 11.0),
            Capsule((-24.0, 28.0, -20.0), (-12.0, 5.0, 12.0), 13.0),
        )
    )
    vessels = Union((aorta, ivc))
    portal_vein = Union(
        (
            Capsule((5.0, 5.0, -125.0), (-30.0, 0.0, -88.0), 8.0),
            Capsule((-30.0, 0.0, -88.0), (-75.0, 5.0, -80.0), 6.5),
            Capsule((-30.0, 0.0, -88.0), (10.0, -25.0, -65.0), 5.0),
        )
    )

    kidney_r = Difference(
        Ellipsoid((-80.0, 55.0, -140.0), (30.0, 22.0, 55.0), (-30.0, 0.0, 0.0)),
        (Offset(psoas, 2.0), Offset(paraspinal, 2.0)),
    )
    kidney_l = Difference(
        Ellipsoid((80.0, 55.0, -125.0), (30.0, 22.0, 55.0), (30.0, 0.0, 0.0)),
        (Offset(psoas, 2.0), Offset(paraspinal, 2.0)),
    )
    kidneys = Union((kidney_r, kidney_l))
    fixed = Union((spine, paraspinal, vessels))

    liver_raw = Union(
        (
            Ellipsoid((-76.0, 8.0, -58.0), (70.0, 80.0, 70.0), exponent=2.2),
            Ellipsoid((5.0, -38.0, -45.0), (70.0, 38.0, 32.0), (-15.0, 0.0, 0.0)),
        )
    )
    liver_envelope = Difference(
        Intersection((below_diaphragm, Offset(cavity, -1.0))),
        (Offset(kidneys, 3.0), Offset(retro, 2.0), Offset(fixed, 2.0)),
    )
    return Frame(
        body=body,
        inner_fat=inner_fat,
        cavity=cavity,
        below_diaphragm=below_diaphragm,
        diaphragm_top=diaphragm_top,
        vertebral_body=vertebral_body,
        canal=canal,
        arch=arch,
        cord=cord,
        paraspinal=paraspinal,
        psoas=psoas,
        spine=spine,
        retro=retro,
        aorta=aorta,
        ivc=ivc,
        vessels=vessels,
        portal_vein=portal_vein,
        kidney_r=kidney_r,
        kidney_l=kidney_l,
        kidneys=kidneys,
        fixed=fixed,
        liver_base=Intersection((liver_raw, liver_envelope)),
        liver_envelope=liver_envelope,
    )


def liver_space() -> tuple[Shape, Shape]:
    """The tumour-free liver and the space it may grow into (below the diaphragm, clear of the
    kidneys, spine and great vessels)."""
    solids = frame()
    return solids.liver_base, solids.liver_envelope
