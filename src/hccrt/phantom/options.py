"""Options of the synthetic liver patient, validated on construction, and their cache key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from hccrt.errors import InputError
from hccrt.phantom.tumors import SEGMENT_ANCHORS_MM

GENERATOR_VERSION = "1"
"""Changes whenever the same options would give different files (invalidates caches)."""

MR_FIELDS_OF_VIEW = ("trunk", "liver")
_LATER_OPTIONS: dict[str, Any] = {
    "mr": False,
    "mr_field_of_view": "trunk",
    "mr_deformable": False,
    "lipiodol": False,
    "tumor_segment": None,
    "pet": False,
    "pet_tumor_to_liver": 2.0,
    "cbct": False,
}


@dataclass(frozen=True)
class PhantomOptions:
    """What to generate.

    Parameters
    ----------
    seed
        Seed (>= 0) of tumour placement, image noise and UIDs.
    tumor_diameter_cm
        Diameter of every tumour, 0.5-10 cm.
    tumor_count
        Number of tumours, 1-8.
    child_pugh
        Child-Pugh class of the clinical record, ``"A"`` or ``"B"``.
    portal_vein_thrombus
        Add a right portal vein tumour thrombus (ROI ``GTV_PVTT``).
    tumor_segment
        Couinaud segment of the first tumour (2-8; ``None``: chosen from the seed).
    matrix_size
        Pixels per row/column (512 for the clinical-like series; smaller for tests).
    slice_thickness_mm
        Slice thickness and spacing, 1-10 mm.
    noise_sd_hu
        Standard deviation of the image noise, HU.
    mr
        Also write a T1-weighted MR series of the same patient in its own Frame of Reference,
        moved by a known rigid transform (:mod:`hccrt.phantom.mr`).
    mr_field_of_view
        ``"trunk"`` (the CT's cranio-caudal extent) or ``"liver"`` (upper abdomen only, 180 mm).
    mr_deformable
        Add a known smooth deformation to the MR (on top of the rigid transform).
    lipiodol
        Write the post-TACE CT: lipiodol deposits inside each tumour
        (:mod:`hccrt.phantom.lipiodol`).
    pet
        Also write an FDG PET series (Bq/ml, SUV attributes) in its own Frame of Reference,
        moved by a known rigid transform (:mod:`hccrt.phantom.pet`).
    pet_tumor_to_liver
        Tumour/liver FDG uptake ratio of the PET, 0.5-10 (default 2, UNCONFIRMED: HCC is often
        only mildly FDG avid).
    cbct
        Also write a small-field-of-view cone-beam CT (Modality CT) in its own Frame of
        Reference, moved by a known rigid transform (:mod:`hccrt.phantom.cbct`).
    """

    seed: int = 1
    tumor_diameter_cm: float = 4.0
    tumor_count: int = 1
    child_pugh: str = "A"
    portal_vein_thrombus: bool = False
    tumor_segment: int | None = None
    matrix_size: int = 512
    slice_thickness_mm: float = 3.0
    noise_sd_hu: float = 8.0
    mr: bool = False
    mr_field_of_view: str = "trunk"
    mr_deformable: bool = False
    lipiodol: bool = False
    pet: bool = False
    pet_tumor_to_liver: float = 2.0
    cbct: bool = False

    def __post_init__(self) -> None:
        checks: list[tuple[bool, str, str, Any, str]] = [
            (self.seed >= 0, "--seed", "must be >= 0", self.seed, "use a non-negative integer"),
            (
                0.5 <= self.tumor_diameter_cm <= 10.0,
                "--tumor-diameter-cm",
                "must be 0.5-10 cm (the phantom liver holds at most a 10 cm tumour)",
                self.tumor_diameter_cm,
                "give the largest tumour diameter in cm, e.g. 4",
            ),
            (
                1 <= self.tumor_count <= 8,
                "--tumor-count",
                "must be 1-8",
                self.tumor_count,
                "give the number of liver tumours",
            ),
            (
                self.child_pugh in ("A", "B"),
                "--child-pugh",
                "must be A or B (the phantom's record models RT candidates)",
                self.child_pugh,
                "use A or B",
            ),
            (
                self.tumor_segment is None
                or (type(self.tumor_segment) is int and self.tumor_segment in SEGMENT_ANCHORS_MM),
                "--tumor-segment",
                "must be a Couinaud segment of the phantom liver (2-8; 1, the caudate, is not "
                "modelled)",
                self.tumor_segment,
                "e.g. 8 (dome), 2 (left lobe), 3 (near the stomach), 5 (near the duodenum)",
            ),
            (
                64 <= self.matrix_size <= 1024,
                "matrix_size",
                "must be 64-1024 pixels",
                self.matrix_size,
                "use 512",
            ),
            (
                1.0 <= self.slice_thickness_mm <= 10.0,
                "slice_thickness_mm",
                "must be 1-10 mm",
                self.slice_thickness_mm,
                "use 3",
            ),
            (
                0.0 <= self.noise_sd_hu <= 100.0,
                "noise_sd_hu",
                "must be 0-100 HU",
                self.noise_sd_hu,
                "use 8",
            ),
            (
                self.mr_field_of_view in MR_FIELDS_OF_VIEW,
                "--mr-fov",
                f"must be one of {', '.join(MR_FIELDS_OF_VIEW)}",
                self.mr_field_of_view,
                "use trunk (whole scan length) or liver (upper abdomen only)",
            ),
            (
                self.mr or not self.mr_deformable,
                "--mr-deformable",
                "needs --mr",
                self.mr_deformable,
                "add --mr",
            ),
            (
                0.5 <= self.pet_tumor_to_liver <= 10.0,
                "--pet-tumor-to-liver",
                "must be 0.5-10 (tumour/liver FDG uptake ratio)",
                self.pet_tumor_to_liver,
                "e.g. 2 (mildly avid HCC); 1 makes the tumour invisible on the PET",
            ),
            (
                self.pet or self.pet_tumor_to_liver == 2.0,
                "--pet-tumor-to-liver",
                "needs --pet",
                self.pet_tumor_to_liver,
                "add --pet",
            ),
        ]
        for ok, name, rule, value, fix in checks:
            if not ok:
                raise InputError(name, rule, value, fix)

    def key(self) -> str:
        """Canonical text of the options (with the generator version), hashed for UIDs/cache.

        Options added after version 1 enter the key only when they differ from their default,
        so the files of a phantom without them stay byte-identical.
        """
        values = asdict(self)
        for name, default in _LATER_OPTIONS.items():
            if values[name] == default:
                del values[name]
        return json.dumps({"generator": GENERATOR_VERSION, **values}, sort_keys=True)

    def digest(self) -> str:
        """SHA-256 of :meth:`key`."""
        return hashlib.sha256(self.key().encode()).hexdigest()
