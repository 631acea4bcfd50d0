"""Accuracy on published data: the Nelms analytic DVH benchmark and the breast plan's stored DVHs.

The fast subset runs in every test session; the full Nelms set is ``slow`` (it is also run by
``benchmarks/bench_dvh.py``, whose numbers are in docs/validation/dvh.md).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hccrt.dicom import read_rtdose, read_rtstruct
from hccrt.dvh.engine import compute_dvh, compute_dvhs
from hccrt.dvh.plan import compare_with_stored, stored_to_histogram
from hccrt.dvh.sampling import DvhSettings

NELMS_DOSE_METRICS = ("Dmin", "Dmax", "D99", "D95", "D5", "D1", "D0.03cc")


def nelms_rows(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / "nelms_dvh_benchmark/analytical/endpoints.csv").open() as handle:
        return [r for r in csv.DictReader(handle) if "x" not in r["Dose Voxel (mm)"]]


def nelms_case(
    shared_data: Path, row: dict[str, str], settings: DvhSettings | None = None
) -> dict[str, tuple[float, float]]:
    root = shared_data / "nelms_dvh_benchmark"
    gradient = "AntPost" if "AP" in row["Gradient direction"] else "SupInf"
    dose = read_rtdose(
        root / f"DOSE_GRIDS/Linear_{gradient}_{row['Dose Voxel (mm)']}mm_Aligned.dcm"
    )
    structures = read_rtstruct(root / f"STRUCTURES/{row['Structure name']}.dcm").structures
    structure = next(s for s in structures if not s.is_empty)
    dvh = compute_dvh(structure, dose.dose_gy, dose.grid, settings=settings)
    ours = {
        "Total Volume (cc)": dvh.volume_cc,
        "Dmean": 100 * dvh.dmean_gy,
        "Dmin": 100 * dvh.dmin_gy,
        "Dmax": 100 * dvh.dmax_gy,
        "D99": 100 * dvh.dose_at_percent(99),
        "D95": 100 * dvh.dose_at_percent(95),
        "D5": 100 * dvh.dose_at_percent(5),
        "D1": 100 * dvh.dose_at_percent(1),
        "D0.03cc": 100 * dvh.dose_at_volume_cc(0.03),
    }
    return {key: (value, float(row[key])) for key, value in ours.items()}


FAST_CASES = (
    ("Sphere_10_0", "Y(SI)"),
    ("Cylinder_20_X10", "Z(AP)"),
    ("Cone_30_X15Z15", "Y(SI)"),
    ("RtCone_10_X05Z05", "Y(SI)"),
    ("Cylinder_02_0", "Z(AP)"),
)


@pytest.mark.parametrize(("name", "gradient"), FAST_CASES)
def test_nelms_subset_within_tolerance(shared_data: Path, name: str, gradient: str) -> None:
    rows = [
        r for r in nelms_rows(shared_data)
        if r["Structure name"] == name and r["Gradient direction"] == gradient
    ]  # fmt: skip
    row = (
        rows[0] if name != "Cylinder_02_0" else next(r for r in rows if r["Dose Voxel (mm)"] == "2")
    )
    for key, (ours, analytic) in nelms_case(shared_data, row).items():
        tolerance = 1.0 if key in ("Total Volume (cc)", "Dmean") else 3.0
        assert abs(ours - analytic) / analytic * 100 <= tolerance, (key, ours, analytic)


@pytest.mark.slow
def test_nelms_full_set_meets_the_quality_bar(shared_data: Path) -> None:
    misses, endpoints = 0, 0
    for row in nelms_rows(shared_data):
        for key, (ours, analytic) in nelms_case(shared_data, row).items():
            error = abs(ours - analytic) / analytic * 100
            if key == "Dmean":
                assert error <= 1.0, (row["Structure name"], key, ours, analytic)
            if key in NELMS_DOSE_METRICS:
                endpoints += 1
                misses += error > 3.0
    assert endpoints == 630
    assert misses / endpoints <= 0.03


SMOOTH = DvhSettings(between_planes="smooth")
# the rows the slab model misses on volume (true solid vs contours as drawn), and a sideways cone
SMOOTH_CASES = (
    ("Sphere_30_0", "3", "Y(SI)"),
    ("RtCylinder_30_X15", "3", "Z(AP)"),
    ("RtCylinder_20_0", "2", "Y(SI)"),
    ("RtCone_30_X15Z15", "3", "Y(SI)"),
)


@pytest.mark.parametrize(("name", "voxel", "gradient"), SMOOTH_CASES)
def test_nelms_smooth_model_meets_every_bar(
    shared_data: Path, name: str, voxel: str, gradient: str
) -> None:
    row = next(
        r for r in nelms_rows(shared_data)
        if (r["Structure name"], r["Dose Voxel (mm)"], r["Gradient direction"])
        == (name, voxel, gradient)
    )  # fmt: skip
    for key, (ours, analytic) in nelms_case(shared_data, row, SMOOTH).items():
        tolerance = 1.0 if key in ("Total Volume (cc)", "Dmean") else 3.0
        assert abs(ours - analytic) / analytic * 100 <= tolerance, (key, ours, analytic)


@pytest.mark.slow
def test_nelms_full_set_smooth_model_volume_and_dmean_within_1_percent(shared_data: Path) -> None:
    misses, endpoints = 0, 0
    for row in nelms_rows(shared_data):
        for key, (ours, analytic) in nelms_case(shared_data, row, SMOOTH).items():
            error = abs(ours - analytic) / analytic * 100
            if key in ("Total Volume (cc)", "Dmean"):
                assert error <= 1.0, (row["Structure name"], key, ours, analytic)
            else:
                endpoints += 1
                misses += error > 3.0
    assert endpoints == 630
    assert misses <= 3  # 2 of 630 measured (D99 of RtCone_30, AP gradient)


@pytest.fixture(scope="module")
def breast(shared_data: Path) -> dict[str, object]:
    root = shared_data / "breast_boost_plan"
    dose = read_rtdose(root / "rtdose.dcm")
    structure_set = read_rtstruct(root / "rtss.dcm")
    wanted = [structure_set.get(n) for n in ("Breast", "Heart", "Tumor Bed", "Tumor Bed Block")]
    dvhs = compute_dvhs(wanted, dose.dose_gy, dose.grid)
    stored = {s.referenced_roi_numbers[0]: s for s in dose.stored_dvhs}
    return {"dvhs": dvhs, "stored": stored, "structures": {s.name: s for s in wanted}}


@pytest.mark.parametrize("name", ["Breast", "Heart", "Tumor Bed", "Tumor Bed Block"])
def test_breast_plan_matches_stored_dvhs(breast: dict[str, object], name: str) -> None:
    dvhs, stored, structures = breast["dvhs"], breast["stored"], breast["structures"]
    assert isinstance(dvhs, dict)
    assert isinstance(stored, dict)
    assert isinstance(structures, dict)
    record = stored[structures[name].number]
    theirs = stored_to_histogram(name, record.bin_edges, record.cumulative_volume)
    comparison = compare_with_stored(dvhs[name], theirs)
    for metric in ("Dmean[Gy]", "D2cc[Gy]", "D95%[Gy]"):
        ours, reference = comparison.ours[metric], comparison.stored[metric]
        # 1 % of the value, or 1 % of the 14 Gy prescription for near-zero doses
        assert abs(ours - reference) <= max(0.01 * reference, 0.01 * 14.0), (
            metric,
            ours,
            reference,
        )


@pytest.mark.parametrize("spacing_mm", [1, 2, 3])
def test_nelms_sphere_gap_is_the_trapezoid_error_of_the_area_profile(
    shared_data: Path, spacing_mm: int
) -> None:
    """The Nelms sphere volume is the true solid; the contours as slabs hold less.

    With half-slice end caps, the slab volume is the trapezoidal integral of the plane areas
    A(z) = pi (r^2 - z^2) plus the caps; for this concave A(z) the trapezoid rule misses
    L s^2 / 12 * |A''| = 2 r s^2 pi / 6 (r = 12 mm). See docs/validation/dvh.md.
    """
    from hccrt.geometry.rasterize import structure_volume_cc_from_polygons

    root = shared_data / "nelms_dvh_benchmark"
    name = f"Sphere_{spacing_mm}0_0"
    structure = next(
        s for s in read_rtstruct(root / f"STRUCTURES/{name}.dcm").structures if not s.is_empty
    )
    analytic = next(
        float(r["Total Volume (cc)"])
        for r in nelms_rows(shared_data)
        if r["Structure name"] == name
    )
    radius_mm = 12.0
    gap_cc = 2 * radius_mm * spacing_mm**2 * 3.141592653589793 / 6 / 1000
    slab_cc = structure_volume_cc_from_polygons(structure)
    assert analytic == pytest.approx(4 / 3 * 3.141592653589793 * radius_mm**3 / 1000, rel=5e-5)
    # (the analytic value also holds tiny caps on the 0.05 mm2 pole polygons: rel=5e-5);
    # the polygons approximate the circles, hence 0.1 %
    assert slab_cc == pytest.approx(analytic - gap_cc, rel=1e-3)
    assert analytic - slab_cc > 0.9 * gap_cc
