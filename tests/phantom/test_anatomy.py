"""Anatomical plausibility of the generated phantom, read back from its own DICOM files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from matplotlib.path import Path as PolygonPath

from hccrt.phantom import PhantomResult
from hccrt.phantom.anatomy import build_anatomy

EXPECTED_ROIS = [
    "BODY",
    "Liver",
    "GTV",
    "GTV_2",
    "GTV_PVTT",
    "Stomach",
    "Duodenum",
    "Bowel_Small",
    "Kidney_L",
    "Kidney_R",
    "SpinalCord",
    "Lung_L",
    "Lung_R",
    "Heart",
]


def _contours(rtstruct: Path) -> dict[str, list[np.ndarray]]:
    ds = pydicom.dcmread(rtstruct)
    names = {int(r.ROINumber): str(r.ROIName) for r in ds.StructureSetROISequence}
    return {
        names[int(rc.ReferencedROINumber)]: [
            np.asarray(c.ContourData, dtype=float).reshape(-1, 3) for c in rc.ContourSequence
        ]
        for rc in ds.ROIContourSequence
    }


def _area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _volume_and_centroid(
    polygons: list[np.ndarray], thickness_mm: float
) -> tuple[float, np.ndarray]:
    areas = np.array([_area(p) for p in polygons])
    centres = np.array([p.mean(axis=0) for p in polygons])
    return float(areas.sum() * thickness_mm / 1000.0), (areas[:, None] * centres).sum(
        0
    ) / areas.sum()


@pytest.fixture(scope="module")
def rois(small_phantom: PhantomResult) -> dict[str, list[np.ndarray]]:
    return _contours(small_phantom.rtstruct_path)


def test_roi_names(rois: dict[str, list[np.ndarray]]) -> None:
    assert list(rois) == EXPECTED_ROIS


def test_organ_positions_in_lps(rois: dict[str, list[np.ndarray]]) -> None:
    stats = {name: _volume_and_centroid(polys, 6.0) for name, polys in rois.items()}
    liver_cc, liver = stats["Liver"]
    assert 1200.0 <= liver_cc <= 1800.0
    assert liver[0] < -30.0  # patient right is -x
    for kidney in ("Kidney_L", "Kidney_R"):
        assert stats[kidney][1][1] > liver[1] + 30.0  # posterior is +y
        assert 100.0 < stats[kidney][0] < 250.0
    assert stats["Kidney_L"][1][0] > 40.0
    assert stats["Kidney_R"][1][0] < -40.0
    assert stats["Stomach"][1][0] > liver[0] + 80.0  # left of the liver
    assert liver[0] < stats["Duodenum"][1][0] < 20.0  # medial to the liver
    assert stats["Bowel_Small"][1][2] < liver[2] - 60.0  # inferior
    assert stats["Bowel_Small"][1][1] < 0.0  # anterior
    heart = stats["Heart"][1]
    assert heart[0] > 0.0
    assert heart[1] < 0.0
    assert heart[2] > liver[2] + 80.0
    liver_top = max(p[0, 2] for p in rois["Liver"])
    for lung in ("Lung_L", "Lung_R"):
        assert stats[lung][1][2] > liver_top
    lung_bottom = min(p[0, 2] for p in rois["Lung_R"] if p[:, 0].mean() < -50)
    assert lung_bottom <= liver_top + 6.0  # the dome reaches the lung base


def test_tumours_inside_the_liver_at_their_diameter(
    rois: dict[str, list[np.ndarray]], small_phantom: PhantomResult
) -> None:
    for name in ("GTV", "GTV_2", "GTV_PVTT"):
        for polygon in rois[name]:
            same_plane = [p for p in rois["Liver"] if abs(p[0, 2] - polygon[0, 2]) < 1e-3]
            hits = sum(PolygonPath(p[:, :2]).contains_points(polygon[:, :2]) for p in same_plane)
            assert np.all(np.asarray(hits) % 2 == 1), name  # even-odd rule
    for tumor in small_phantom.summary["tumors"]:
        widest = max(
            float(np.max(np.linalg.norm(p[:, None, :2] - p[None, :, :2], axis=2)))
            for p in rois[tumor["name"]]
        )
        assert widest == pytest.approx(tumor["diameter_cm"] * 10.0, abs=1.0)


def test_spinal_cord_is_enclosed_by_bone(small_phantom: PhantomResult) -> None:
    files = sorted(small_phantom.ct_dir.glob("*.dcm"))
    ds = pydicom.dcmread(files[len(files) // 2])
    hu = ds.pixel_array.astype(float) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    x0, y0 = (float(v) for v in ds.ImagePositionPatient[:2])
    step = float(ds.PixelSpacing[0])
    cord = np.array([0.0, 86.0])
    for angle in np.linspace(0.0, 2 * np.pi, 12, endpoint=False):
        ray = cord + np.outer(np.arange(0.0, 30.0, step / 2), [np.cos(angle), np.sin(angle)])
        cols = np.rint((ray[:, 0] - x0) / step).astype(int)
        rows = np.rint((ray[:, 1] - y0) / step).astype(int)
        assert hu[rows, cols].max() > 300.0, f"no bone around the cord at {angle:.2f} rad"


def test_contoured_organs_do_not_overlap() -> None:
    organs = build_anatomy().organs
    rng = np.random.default_rng(4)
    points = rng.uniform([-170, -120, -210], [170, 130, 110], size=(200000, 3))
    inside = {n: o.shape.contains(points) for n, o in organs.items() if n != "BODY"}
    total = sum(mask.astype(int) for mask in inside.values())
    assert total.max() == 1
    body = organs["BODY"].shape.contains(points)
    for name, mask in inside.items():
        assert not np.any(mask & ~body), name
