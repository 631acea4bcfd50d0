"""Several targets, each with its own prescription (issue 13 item 1): ``--prescription ROI=GY``
beside ``--prescription-gy``, and its bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hccrt.dicom import read_ct_series, read_rtstruct
from hccrt.errors import InputError
from hccrt.pipeline import PlanRequest, parse_prescriptions, plan_in_memory
from hccrt.pipeline._plan_case_dir import hccrt_plan_context
from tests.conftest import invoke
from tests.planning.synthetic_case import SECOND_TARGET, write_case


def test_prescription_entries_beside_the_primary_prescription() -> None:
    assert parse_prescriptions(["PTV_Low=40"], 50.0, None) == (50.0, None, (("PTV_Low", 40.0),))
    # Without --prescription-gy the highest-dose entry is the primary target.
    assert parse_prescriptions(["PTV_Low=40", "PTV_High=50"], None, None) == (
        50.0,
        "PTV_High",
        (("PTV_Low", 40.0),),
    )
    assert parse_prescriptions([], 45.0, "PTV") == (45.0, "PTV", ())


@pytest.mark.parametrize(
    ("entries", "target", "match"),
    [
        (["PTV_Low"], None, r"--prescription=PTV_Low: must be ROI=GY; e.g. PTV_Low=40"),
        (["=40"], None, r"--prescription==40: must be ROI=GY"),
        (["PTV_Low=forty"], None, r"--prescription PTV_Low=forty: must be a dose in Gy"),
        (["PTV_Low=nan"], None, r"--prescription PTV_Low"),
        (["PTV_High=50"], "PTV", r"--target=PTV: differs from the highest-dose --prescription"),
    ],
)
def test_unreadable_prescription_entries_are_refused(
    entries: list[str], target: str | None, match: str
) -> None:
    with pytest.raises(InputError, match=match):
        parse_prescriptions(entries, None, target)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ((("PTV_2", 40.0), ("PTV_2", 30.0)), r"--prescription=PTV_2: names a target twice"),
        ((("PTV", 40.0),), r"--prescription=PTV: names a target twice"),
        ((("PTV_2", 4000.0),), r"--prescription PTV_2=4000.0: above 150 Gy.*did you mean cGy"),
        ((("PTV_2", -1.0),), r"--prescription PTV_2=-1.0: must be > 0 Gy"),
        ((("PTV_2", 60.0),), r"--prescription PTV_2=60.0: above the primary prescription \(50"),
    ],
)
def test_bad_extra_prescriptions_are_refused(
    extra: tuple[tuple[str, float], ...], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        PlanRequest(50.0, 25, target="PTV", prescriptions=extra)


def test_an_extra_dose_per_fraction_outside_the_band_is_refused() -> None:
    with pytest.raises(InputError, match=r"PTV_2 / --fractions=40.0: above 30 Gy"):
        PlanRequest(50.0, 1, prescriptions=(("PTV_2", 40.0),))


@pytest.fixture(scope="module")
def two_targets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_case(tmp_path_factory.mktemp("two"), spheres=(SECOND_TARGET,))


def test_an_unknown_prescription_roi_is_refused(two_targets: Path) -> None:
    ct, structures = read_ct_series(two_targets / "CT"), read_rtstruct(two_targets / "RTSTRUCT.dcm")
    request = PlanRequest(50.0, 25, final_dose="pencil_beam", prescriptions=(("PTV_9", 40.0),))
    with pytest.raises(InputError, match=r"--prescription=PTV_9: names an ROI that is not in"):
        plan_in_memory(ct, structures, request, hccrt_plan_context(request))


def test_a_second_target_without_its_prescription_stops_the_plan(two_targets: Path) -> None:
    ct, structures = read_ct_series(two_targets / "CT"), read_rtstruct(two_targets / "RTSTRUCT.dcm")
    request = PlanRequest(50.0, 25, final_dose="pencil_beam")
    with pytest.raises(InputError, match=r"PTV_2 \(0 % of .* cc inside PTV\)"):
        plan_in_memory(ct, structures, request, hccrt_plan_context(request))


@pytest.mark.slow
def test_cli_plans_each_target_at_its_own_prescription(two_targets: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        ["plan", str(two_targets), "--prescription-gy", "50", "--prescription", "PTV_2=40",
         "--fractions", "25", "--technique", "imrt", "--final-dose", "pencil-beam",
         "--gantry-angles", "0,60,120,180,240,300", "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "targets: PTV " in result.stdout
    assert "PTV_2 " in result.stdout
    plan = json.loads((out / "plan.json").read_text())
    targets = {t["structure"]: t for t in plan["plans"][0]["targets"]}
    assert targets["PTV"]["prescription_gy"] == 50.0
    assert targets["PTV"]["on"] == "contour DVH"
    assert targets["PTV_2"]["prescription_gy"] == 40.0
    assert targets["PTV_2"]["on"] == "contour DVH"
    # The re-optimisation for a short extra target reached 95.0 % on one machine and 93.5 % on
    # another (2026-12-03): the verdict must follow the coverage; 95 % is not reached reliably.
    second = targets["PTV_2"]
    assert second["met"] == (second["coverage_pct"] >= second["goal_pct"])
    assert second["coverage_pct"] >= 93.0
    # optimised to its own 40 Gy, not to the primary's 50 Gy
    assert 39.0 < targets["PTV_2"]["d95_gy"] < 44.0
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert [t["structure"] for t in evaluation["plans"][0]["targets"]] == ["PTV", "PTV_2"]
    # The protocol's PTV coverage is read against each PTV's own prescription.
    (v95,) = (
        c
        for c in evaluation["plans"][0]["protocol_evaluation"]["constraints"]
        if c["id"] == "ptv_v95" and c["structure_in_plan"] == ["PTV_2"]
    )
    assert v95["passed"], v95
    assert "PTV_2 read against its own prescription 40 Gy" in v95["note"]


@pytest.mark.slow
def test_a_single_target_plan_reports_one_target(two_targets: Path, tmp_path: Path) -> None:
    folder = write_case(tmp_path)
    ct, structures = read_ct_series(folder / "CT"), read_rtstruct(folder / "RTSTRUCT.dcm")
    request = PlanRequest(
        50.0, 25, technique="3dcrt", gantry_deg=(0.0, 120.0, 240.0), final_dose="pencil_beam"
    )
    planned = plan_in_memory(ct, structures, request, hccrt_plan_context(request))
    (only,) = planned.result.chosen.targets
    assert only.structure == "PTV"
    assert only.coverage_pct == planned.result.chosen.coverage_pct
