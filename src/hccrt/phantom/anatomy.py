"""The analytic anatomy of the synthetic liver patient (adult trunk, supine, LPS mm).

Organs are super-ellipsoids, tubes and their unions, carved so that no two contoured organs
overlap: each organ is cut out of the lower-priority ones with a fat plane of 2-4 mm
(vertebrae, great vessels > kidneys > liver > stomach > duodenum > small bowel; heart > lungs).
The origin is on the midline; z = 0 is about the level of the top of the right hemidiaphragm
(T10), the kidneys lie at about T12-L3 (z -85 to -195 mm), the scan covers z -210 to +110 mm.

Hounsfield units are those of a portal-venous-phase CT (liver 60 HU, tumour 40 HU, i.e.
slightly hypodense; contrast-filled portal vein 130 HU, aorta and IVC 110 HU). The heart is
given 40 HU (blood and myocardium without contrast) and the kidneys 30 HU, as specified for
this phantom; they are contouring targets, not an enhancement study.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from hccrt.phantom.csg import Difference, Intersection, Offset, Union
from hccrt.phantom.shapes import (
    Capsule,
    Ellipsoid,
    EllipticCylinder,
    HalfSpace,
    PeriodicBands,
    Shape,
    Sphere,
)
from hccrt.phantom.trunk import frame, liver_space
from hccrt.phantom.tumors import PlacedTumor

__all__ = ["HU", "Anatomy", "Layer", "Organ", "build_anatomy", "liver_space"]

NECROSIS_MIN_DIAMETER_MM = 50.0
"""Tumours at least this large get a central necrotic core (diameter 60 %, 20 HU)."""

SCAN_Z_RANGE_MM = (-210.0, 110.0)
"""Inferior and superior limits of the scanned region (slice centres stay inside)."""

HU = {
    "air": -1000,
    "lung": -840,
    "fat": -100,
    "visceral_fat": -90,
    "muscle": 45,
    "diaphragm": 40,
    "liver": 60,
    "tumour": 40,
    "necrosis": 20,
    "tumour_thrombus": 45,
    "portal_vein": 130,
    "great_vessel": 110,
    "heart": 40,
    "kidney": 30,
    "spleen": 50,
    "stomach": 25,
    "gas": -900,
    "duodenum": 30,
    "bowel": 35,
    "cortical_bone": 1000,
    "cancellous_bone": 400,
    "rib": 700,
    "disc": 90,
    "csf": 10,
    "spinal_cord": 35,
    "lipiodol": 900,
}
"""Tissue values in HU (portal-venous phase; see the module docstring)."""


_ABOVE_DIAPHRAGM_FLOOR = HalfSpace(2, -80.0, below=False)
"""Everything below z = -74 mm (the floor of the domes + 4 mm diaphragm) is abdomen."""

_BOWEL_LOOPS_XY_MM = (
    (-62.0, -60.0),
    (-30.0, -68.0),
    (2.0, -62.0),
    (34.0, -68.0),
    (64.0, -58.0),
    (50.0, -32.0),
    (18.0, -36.0),
    (-14.0, -30.0),
    (-46.0, -34.0),
)
"""Axial positions of the cranio-caudal small-bowel loops (LPS mm)."""


@dataclass(frozen=True)
class Organ:
    """A contoured organ: its RTSTRUCT name, solid, display colour and RT ROI type."""

    name: str
    shape: Shape
    color_rgb: tuple[int, int, int]
    interpreted_type: str = "ORGAN"


@dataclass(frozen=True)
class Layer:
    """A region painted with one HU value; later layers paint over earlier ones."""

    tissue: str
    shape: Shape


@dataclass(frozen=True)
class Anatomy:
    """The patient: contoured organs (RTSTRUCT order), painting layers and landmark solids."""

    organs: dict[str, Organ]
    layers: tuple[Layer, ...]
    below_diaphragm: Shape
    vessels: Shape
    bowel: Shape
    tumors: tuple[PlacedTumor, ...]


def build_anatomy(tumors: Sequence[PlacedTumor] = (), thrombus: Shape | None = None) -> Anatomy:
    """Build the organs and tissue layers of the patient with its tumours.

    A tumour that reaches beyond the tumour-free liver enlarges the liver by a 2 mm rim of
    parenchyma around it (exophytic growth), within the liver envelope, so every GTV stays
    inside the Liver ROI. The portal-vein tumour thrombus is an extra GTV ROI (``GTV_PVTT``).
    """
    f = frame()
    body, inner_fat, cavity = f.body, f.inner_fat, f.cavity
    below_diaphragm, diaphragm_top = f.below_diaphragm, f.diaphragm_top
    vertebral_body, canal, arch, cord = f.vertebral_body, f.canal, f.arch, f.cord
    paraspinal, psoas, spine, aorta, ivc = f.paraspinal, f.psoas, f.spine, f.aorta, f.ivc
    vessels, portal_vein, kidney_l, kidneys, fixed = (
        f.vessels,
        f.portal_vein,
        f.kidney_l,
        f.kidneys,
        f.fixed,
    )
    retro, kidney_r = f.retro, f.kidney_r
    tumor_shapes = [tumor.shape for tumor in tumors]
    liver: Shape = f.liver_base
    if tumor_shapes:
        rim = Intersection((Offset(Union(tuple(tumor_shapes)), 2.0), f.liver_envelope))
        liver = Union((f.liver_base, rim))
    stomach = Difference(
        Intersection(
            (
                Union(
                    (
                        Ellipsoid((68.0, 0.0, -55.0), (42.0, 50.0, 52.0), (-30.0, 0.0, 0.0)),
                        Capsule((60.0, -35.0, -95.0), (5.0, -48.0, -100.0), 20.0),
                    )
                ),
                below_diaphragm,
                Offset(cavity, -1.0),
            )
        ),
        (Offset(liver, 3.0), Offset(kidney_l, 4.0), Offset(fixed, 3.0), Offset(retro, 2.0)),
    )
    spleen = Difference(
        Intersection(
            (
                Ellipsoid((100.0, 50.0, -70.0), (22.0, 55.0, 50.0), (-35.0, 0.0, 0.0)),
                below_diaphragm,
                cavity,
            )
        ),
        (Offset(stomach, 3.0), Offset(kidney_l, 3.0), Offset(fixed, 2.0)),
    )
    duodenum = Difference(
        Union(
            (
                Capsule((2.0, -48.0, -102.0), (-32.0, -25.0, -108.0), 13.0),
                Capsule((-32.0, -25.0, -108.0), (-42.0, -5.0, -150.0), 13.0),
                Capsule((-42.0, -5.0, -150.0), (-35.0, -2.0, -168.0), 12.0),
                Capsule((-35.0, -2.0, -168.0), (30.0, -5.0, -172.0), 11.0),
                Capsule((30.0, -5.0, -172.0), (35.0, -15.0, -150.0), 11.0),
            )
        ),
        (
            Offset(liver, 2.0),
            Offset(stomach, 2.0),
            Offset(kidneys, 3.0),
            Offset(fixed, 2.0),
            Offset(psoas, 2.0),
        ),
    )
    # Jejunal/ileal loops run mostly cranio-caudally, so axial slices cut them as round lumens.
    loop_points: list[tuple[float, float, float]] = []
    for index, (x, y) in enumerate(_BOWEL_LOOPS_XY_MM):
        top, bottom = (-152.0, -206.0) if index % 2 == 0 else (-206.0, -152.0)
        loop_points += [(x, y, top), (x, y, bottom)]
    small_bowel = Difference(
        Intersection(
            (
                Union(tuple(Capsule(a, b, 11.0) for a, b in pairwise(loop_points))),
                Offset(cavity, -2.0),
            )
        ),
        (Offset(Union((liver, stomach, duodenum, kidneys, fixed, psoas)), 3.0),),
    )

    mediastinum = EllipticCylinder((0.0, 25.0), (26.0, 75.0), z_min_mm=-60.0)
    heart: Shape = Intersection(
        (
            Ellipsoid((28.0, -22.0, 52.0), (58.0, 48.0, 52.0), (30.0, 0.0, 0.0)),
            Offset(cavity, -2.0),
        )
    )
    heart = Difference(heart, (diaphragm_top, Offset(aorta, 3.0), Offset(spine, 3.0)))
    thorax = Difference(
        Intersection((Offset(cavity, -2.0), _ABOVE_DIAPHRAGM_FLOOR)), (diaphragm_top,)
    )
    lung_cuts = (
        Offset(heart, 3.0),
        Offset(mediastinum, 0.0),
        Offset(fixed, 3.0),
        Offset(ivc, 3.0),
    )
    lung_r = Difference(Intersection((thorax, HalfSpace(0, -3.0))), lung_cuts)
    lung_l = Difference(Intersection((thorax, HalfSpace(0, 3.0, below=False))), lung_cuts)

    organs = {
        "BODY": Organ("BODY", body, (0, 255, 0), "EXTERNAL"),
        "Liver": Organ("Liver", liver, (165, 80, 40)),
        "Stomach": Organ("Stomach", stomach, (255, 180, 100)),
        "Duodenum": Organ("Duodenum", duodenum, (220, 160, 60)),
        "Bowel_Small": Organ("Bowel_Small", small_bowel, (240, 200, 120)),
        "Kidney_L": Organ("Kidney_L", kidney_l, (190, 60, 110)),
        "Kidney_R": Organ("Kidney_R", kidney_r, (160, 40, 90)),
        "SpinalCord": Organ("SpinalCord", cord, (255, 255, 0)),
        "Lung_L": Organ("Lung_L", lung_l, (90, 160, 255)),
        "Lung_R": Organ("Lung_R", lung_r, (60, 120, 230)),
        "Heart": Organ("Heart", heart, (230, 30, 60)),
    }
    organs.update({t.name: Organ(t.name, t.shape, (255, 0, 0), "GTV") for t in tumors})
    if thrombus is not None:
        organs["GTV_PVTT"] = Organ("GTV_PVTT", thrombus, (255, 60, 0), "GTV")
    ribs = Intersection(
        (
            Difference(Offset(body, -15.0), (Offset(body, -22.0),)),
            PeriodicBands((0.0, 5.0), 30.0, 8.0, -100.0, 110.0, drop_mm=60.0, max_angle_deg=150),
        )
    )
    discs = Intersection(
        (vertebral_body, PeriodicBands((0.0, 55.0), 33.0, 8.0, -215.0 + 33.0 / 2, 115.0))
    )
    layers: list[Layer] = [
        Layer("fat", body),
        Layer("muscle", inner_fat),
        Layer("visceral_fat", cavity),
        # Below z = -74 mm the diaphragm layers would repaint the cavity with itself: skip.
        Layer("diaphragm", Intersection((cavity, diaphragm_top, _ABOVE_DIAPHRAGM_FLOOR))),
        Layer("visceral_fat", Intersection((cavity, below_diaphragm, _ABOVE_DIAPHRAGM_FLOOR))),
        Layer("rib", ribs),
        Layer("muscle", paraspinal),
        Layer("muscle", psoas),
        Layer("cortical_bone", Union((vertebral_body, arch))),
        Layer("cancellous_bone", Offset(vertebral_body, -2.5)),
        Layer("disc", discs),
        Layer("csf", canal),
        Layer("spinal_cord", cord),
        Layer("great_vessel", vessels),
        Layer("lung", lung_r),
        Layer("lung", lung_l),
        Layer("heart", heart),
        Layer("spleen", spleen),
        Layer("kidney", kidneys),
        Layer("liver", liver),
        Layer("portal_vein", portal_vein),
        Layer("stomach", stomach),
        Layer("gas", Intersection((stomach, HalfSpace(1, -28.0)))),
        Layer("duodenum", duodenum),
        Layer("bowel", small_bowel),
    ]
    for tumor in tumors:
        layers.append(Layer("tumour", tumor.shape))
        if tumor.diameter_mm >= NECROSIS_MIN_DIAMETER_MM:
            layers.append(Layer("necrosis", Sphere(tumor.center_mm, 0.3 * tumor.diameter_mm)))
    if thrombus is not None:
        layers.append(Layer("tumour_thrombus", thrombus))
    return Anatomy(
        organs=organs,
        layers=tuple(layers),
        below_diaphragm=below_diaphragm,
        vessels=Union((vessels, portal_vein)),
        bowel=Union((stomach, duodenum, small_bowel)),
        tumors=tuple(tumors),
    )
