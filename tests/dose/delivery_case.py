"""A small water-phantom case for the dose check: CT slices, an RTSTRUCT and an RTPLAN on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydicom.uid import generate_uid

from tests.dicom.factory import CT_CLASS, base_dataset, circle, write_rtplan, write_rtstruct

FRAME = "1.2.826.0.1.3680043.8.498.77"
SHAPE = (24, 48, 48)  # slices, rows, columns
SPACING_MM = 5.0
JAWS_10X10 = {"ASYMX": (-50.0, 50.0), "ASYMY": (-50.0, 50.0)}


def write_water_ct(
    folder: Path, *, frame: str = FRAME, rescale: bool = True, shape: tuple[int, ...] = SHAPE
) -> Path:
    """A water cylinder (0 HU, radius 100 mm) in air, centred on the origin, 5 mm voxels."""
    folder.mkdir(parents=True, exist_ok=True)
    slices, rows, cols = shape
    series = generate_uid()
    yy, xx = np.mgrid[0:rows, 0:cols]
    x = (xx - (cols - 1) / 2) * SPACING_MM
    y = (yy - (rows - 1) / 2) * SPACING_MM
    pixels = np.where(np.hypot(x, y) <= 100.0, 1024, 24).astype(np.uint16)
    for k in range(slices):
        ds = base_dataset(CT_CLASS, "CT")
        ds.SeriesInstanceUID = series
        ds.FrameOfReferenceUID = frame
        z = (k - (slices - 1) / 2) * SPACING_MM
        ds.ImagePositionPatient = [float(x[0, 0]), float(y[0, 0]), z]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [SPACING_MM, SPACING_MM]
        ds.SliceThickness = SPACING_MM
        ds.Rows, ds.Columns = rows, cols
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 0
        if rescale:
            ds.RescaleSlope = 1
            ds.RescaleIntercept = -1024
        ds.PixelData = pixels.tobytes()
        ds.save_as(folder / f"ct_{k:03d}.dcm", enforce_file_format=True)
    return folder


def write_target_rtstruct(path: Path, frame: str = FRAME) -> Path:
    """A 30 mm-radius target cylinder at the isocentre, over the middle 60 mm."""
    contours = [("CLOSED_PLANAR", circle(30.0, z)) for z in np.arange(-30.0, 30.1, 5.0)]
    return write_rtstruct(path, {"TARGET": contours}, frame=frame, series=None)


def open_field_plan(
    path: Path, *, energy: float = 6.0, frame: str | None = FRAME, **beam: Any
) -> Path:
    """One open 10 x 10 cm field at gantry 0, 100 MU per fraction, 2 fractions, isocentre 0."""
    spec = {
        "energy": energy,
        "mu": 100.0,
        "points": [{"weight": 0.0, "positions": JAWS_10X10}, {"weight": 1.0}],
        **beam,
    }
    return write_rtplan(path, [spec], frame=frame, fractions=2)
