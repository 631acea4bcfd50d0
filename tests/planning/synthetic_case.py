"""A small synthetic abdomen written as real DICOM (CT series + RTSTRUCT) for planning tests.

Body: elliptic water cylinder (0 HU) in air; liver: ellipse on the patient's right (50 HU); GTV:
sphere in the liver; spinal cord: small circle posterior. 3 mm pixels, 3 mm slices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from hccrt.geometry.grid import Grid
from tests.dicom.factory import CT_CLASS, base_dataset, write_rtstruct

FRAME = "1.2.826.0.1.3680043.8.498.77"
STUDY = "1.2.826.0.1.3680043.8.498.78"
SERIES = "1.2.826.0.1.3680043.8.498.79"
PATIENT = ("SYNTH01", "Synthetic^Abdomen")

SHAPE = (80, 100)  # rows (y), columns (x)
PIXEL_MM = 3.0
SLICES = np.arange(-45.0, 45.1, 3.0)
BODY = (0.0, 0.0, 140.0, 100.0)  # centre x, y, semi-axis x, y (mm)
LIVER = (-60.0, -5.0, 60.0, 55.0)
GTV_CENTRE = (-60.0, -5.0, 0.0)
CORD = (0.0, 75.0, 8.0, 8.0)


def _ellipse(
    spec: tuple[float, float, float, float], z: float, n: int = 72
) -> npt.NDArray[np.float64]:
    cx, cy, ax, ay = spec
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([cx + ax * np.cos(t), cy + ay * np.sin(t), np.full(n, z)])


SECOND_TARGET = ("PTV_2", (-20.0, 25.0, 0.0), 12.0)
"""A second lesion's target (name, centre mm, radius mm) in the liver, 7 mm from the built PTV."""


def write_case(
    folder: Path,
    gtv_radius_mm: float = 20.0,
    spheres: tuple[tuple[str, tuple[float, float, float], float], ...] = (),
) -> Path:
    """Write CT slices into ``folder/CT`` and ``folder/RTSTRUCT.dcm``; return ``folder``.

    ``spheres`` adds ROIs ``(name, centre_mm, radius_mm)``, e.g. :data:`SECOND_TARGET`.
    """
    ct_dir = folder / "CT"
    ct_dir.mkdir(parents=True, exist_ok=True)
    ys = (np.arange(SHAPE[0]) - (SHAPE[0] - 1) / 2) * PIXEL_MM
    xs = (np.arange(SHAPE[1]) - (SHAPE[1] - 1) / 2) * PIXEL_MM
    xx, yy = np.meshgrid(xs, ys)
    inside = lambda s: ((xx - s[0]) / s[2]) ** 2 + ((yy - s[1]) / s[3]) ** 2 <= 1  # noqa: E731
    image = np.full(SHAPE, -1000.0)
    image[inside(BODY)] = 0.0
    image[inside(LIVER)] = 50.0
    image[inside(CORD)] = 30.0
    stored = np.round(image + 1024).astype(np.uint16)
    for n, z in enumerate(SLICES):
        ds = base_dataset(CT_CLASS, "CT", study=STUDY, patient=PATIENT)
        ds.FrameOfReferenceUID = FRAME
        ds.SeriesInstanceUID = SERIES
        ds.ImagePositionPatient = [float(xs[0]), float(ys[0]), float(z)]
        ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        ds.PixelSpacing = [PIXEL_MM, PIXEL_MM]
        ds.SliceThickness = 3.0
        ds.Rows, ds.Columns = SHAPE
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 0
        ds.RescaleSlope = 1.0
        ds.RescaleIntercept = -1024.0
        ds.InstanceNumber = n + 1
        ds.PixelData = stored.tobytes()
        ds.save_as(ct_dir / f"ct_{n:03d}.dcm", enforce_file_format=True)
    rois: dict[str, list[tuple[str, npt.NDArray[np.float64]]]] = {
        "BODY": [],
        "Liver": [],
        "GTV": [],
        "SpinalCord": [],
        **{name: [] for name, _, _ in spheres},
    }
    for z in SLICES:
        rois["BODY"].append(("CLOSED_PLANAR", _ellipse(BODY, z)))
        rois["Liver"].append(("CLOSED_PLANAR", _ellipse(LIVER, z)))
        rois["SpinalCord"].append(("CLOSED_PLANAR", _ellipse(CORD, z, 24)))
        dz = z - GTV_CENTRE[2]
        if abs(dz) < gtv_radius_mm:
            r = float(np.sqrt(gtv_radius_mm**2 - dz**2))
            section = _ellipse((GTV_CENTRE[0], GTV_CENTRE[1], r, r), z, 48)
            rois["GTV"].append(("CLOSED_PLANAR", section))
        for name, (cx, cy, cz), radius in spheres:
            if abs(z - cz) < radius:
                r = float(np.sqrt(radius**2 - (z - cz) ** 2))
                rois[name].append(("CLOSED_PLANAR", _ellipse((cx, cy, r, r), z, 48)))
    write_rtstruct(
        folder / "RTSTRUCT.dcm",
        rois,
        FRAME,
        SERIES,
        study=STUDY,
        patient=PATIENT,
        interpreted_types={"GTV": "PTV"},
    )
    return folder


def water_box_with_organ(
    grid: Grid,
) -> tuple[npt.NDArray[np.float32], dict[str, npt.NDArray[np.bool_]]]:
    """Water density on ``grid`` and the masks of a 24 mm cubic PTV at the origin, an organ
    5 mm beside it (+x) and a BODY filling the grid."""
    density = np.ones(grid.shape, dtype=np.float32)
    z, y, x = grid.axis_coordinates_mm()
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    target = (np.abs(xx) <= 12) & (np.abs(yy) <= 12) & (np.abs(zz) <= 12)
    organ = (xx > 17) & (xx < 35) & (np.abs(yy) <= 12) & (np.abs(zz) <= 12)
    return density, {"PTV": target, "Organ": organ, "BODY": np.ones(grid.shape, dtype=bool)}
