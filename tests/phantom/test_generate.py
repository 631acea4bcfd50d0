"""Generation: determinism, cache, refusal/force, the clinical record, HU values."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pydicom
import pytest

from hccrt.clinical.patient import PortalVeinInvasion, load_patient
from hccrt.errors import InputError
from hccrt.phantom import PhantomOptions, PhantomResult, generate_phantom

TINY = PhantomOptions(seed=3, matrix_size=64, slice_thickness_mm=10.0, tumor_diameter_cm=2.0)


def _bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_same_options_give_identical_files_and_uids(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "notes.txt").write_text("mine")
    first = generate_phantom(tmp_path / "a", TINY, force=True)  # foreign files are kept
    second = generate_phantom(tmp_path / "b", TINY)
    assert (tmp_path / "a" / "notes.txt").read_text() == "mine"
    (tmp_path / "a" / "notes.txt").unlink()
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")
    assert first.summary["series_instance_uid"] == second.summary["series_instance_uid"]
    assert PhantomOptions(seed=4).digest() != PhantomOptions(seed=3).digest()


def test_cache_reuses_identical_folder_and_refuses_other_options(tmp_path: Path) -> None:
    out = tmp_path / "p"
    generate_phantom(out, TINY)
    stamp = os.stat(out / "RTSTRUCT.dcm").st_mtime_ns
    again = generate_phantom(out, TINY)
    assert again.cached
    assert os.stat(out / "RTSTRUCT.dcm").st_mtime_ns == stamp
    bigger = PhantomOptions(**{**TINY.__dict__, "tumor_diameter_cm": 3.0})
    with pytest.raises(InputError, match=r"--out=.*not empty.*--force"):
        generate_phantom(out, bigger)
    redone = generate_phantom(out, bigger, force=True)
    assert not redone.cached
    assert redone.summary["tumors"][0]["diameter_cm"] == 3.0
    manifest = json.loads((out / "phantom.json").read_text())
    assert manifest["parameters"]["tumor_diameter_cm"] == 3.0
    (out / "RTSTRUCT.dcm").write_bytes(b"tampered")
    with pytest.raises(InputError, match="not empty"):
        generate_phantom(out, bigger)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("tumor_diameter_cm", 0.0, "--tumor-diameter-cm=0.0: must be 0.5-10 cm"),
        ("tumor_diameter_cm", 25.0, "--tumor-diameter-cm=25.0"),
        ("tumor_count", 0, "--tumor-count=0: must be 1-8"),
        ("tumor_count", 9, "--tumor-count=9"),
        ("child_pugh", "C", "--child-pugh=C: must be A or B"),
        ("seed", -1, "--seed=-1"),
        ("matrix_size", 8, "matrix_size=8"),
    ],
)
def test_invalid_options(field: str, value: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        PhantomOptions(**{field: value})  # type: ignore[arg-type]


def test_record_matches_options_and_images(small_phantom: PhantomResult) -> None:
    record = load_patient(small_phantom.patient_path)
    assert record.patient_id == "PHANTOM-7"
    assert record.bilirubin_mg_dl == 2.2
    assert record.albumin_g_dl == 3.1
    assert record.vascular_invasion is not None
    assert record.vascular_invasion.portal_vein is PortalVeinInvasion.branch
    assert [t.diameter_cm for t in record.tumors] == [3.0, 3.0]
    assert [t.segment for t in record.tumors] == [
        t["segment"] for t in small_phantom.summary["tumors"]
    ]
    volumes = {s["name"]: s["volume_cc"] for s in small_phantom.summary["structures"]}
    gtv = volumes["GTV"] + volumes["GTV_2"] + volumes["GTV_PVTT"]
    assert record.normal_liver_volume_cc == pytest.approx(volumes["Liver"] - gtv, abs=0.1)


def test_hounsfield_units(small_phantom: PhantomResult) -> None:
    tumor = small_phantom.summary["tumors"][0]
    files = sorted(small_phantom.ct_dir.glob("*.dcm"))
    datasets = [pydicom.dcmread(f) for f in files]
    ds = min(datasets, key=lambda d: abs(float(d.ImagePositionPatient[2]) - tumor["center_mm"][2]))
    hu = ds.pixel_array.astype(float) + float(ds.RescaleIntercept)
    x0, y0 = (float(v) for v in ds.ImagePositionPatient[:2])
    step = float(ds.PixelSpacing[0])

    def at(x: float, y: float) -> float:
        return float(hu[round((y - y0) / step), round((x - x0) / step)])

    cx, cy = tumor["center_mm"][:2]
    assert 25.0 <= at(cx, cy) <= 55.0  # hypodense tumour
    assert at(-240.0, -240.0) <= -960.0  # air
    assert at(0.0, 55.0) > 250.0  # vertebral body
    assert -140.0 < at(0.0, 5.0 - 120.0 + 6.0) < -60.0  # anterior subcutaneous fat


@pytest.mark.slow
def test_generation_reports_four_stages_with_slices_and_rois(tmp_path: Path) -> None:
    from hccrt.progress import RecordedProgress
    from tests.phantom.conftest import SMALL

    recorded = RecordedProgress()
    options = PhantomOptions(seed=3, **SMALL)  # type: ignore[arg-type]
    result = generate_phantom(tmp_path / "p", options, progress=recorded)
    stages = [e[1:] for e in recorded.events if e[0] == "stage"]
    assert [s[1:] for s in stages] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    slices = len(list(result.ct_dir.glob("*.dcm")))
    for number in (1, 2):
        start = recorded.events.index(("stage", *stages[number - 1]))
        end = recorded.events.index(("stage", *stages[number]))
        done = [e[2:] for e in recorded.events[start:end] if e[0] == "step"]
        assert done[-1] == (slices, slices)
    rois = [e[2:] for e in recorded.events if e[0] == "step" and e[1] == "ROIs"]
    assert rois[-1][0] == rois[-1][1] == len(result.summary["structures"])
    cached = RecordedProgress()
    generate_phantom(tmp_path / "p", options, progress=cached)
    assert cached.events == []  # a cached phantom does no work to report
