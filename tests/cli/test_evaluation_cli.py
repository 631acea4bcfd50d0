"""``hccrt dvh`` and ``hccrt evaluate`` on real DICOM (breast plan, Nelms set)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import invoke


def breast(shared_data: Path) -> dict[str, str]:
    root = shared_data / "breast_boost_plan"
    return {k: str(root / f) for k, f in
            (("rtss", "rtss.dcm"), ("dose", "rtdose.dcm"), ("plan", "rtplan.dcm"))}  # fmt: skip


def test_dvh_json_contract_and_csv(shared_data: Path, tmp_path: Path) -> None:
    files = breast(shared_data)
    out_csv = tmp_path / "curves.csv"
    result = invoke([
        "dvh", "--rtstruct", files["rtss"], "--rtdose", files["dose"], "--structure", "Tumor Bed",
        "--metric", "D95%[Gy]", "--metric", "D2cc[Gy]", "--metric", "V95%[%]",
        "--prescription-gy", "14", "--csv", str(out_csv), "--format", "json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    row = payload["structures"][0]
    assert {"name", "volume_cc", "dmin_gy", "dmax_gy", "dmean_gy", "metrics"} <= set(row)
    assert abs(row["dmean_gy"] - 14.29) < 0.05
    assert set(row["metrics"]) == {"D95%[Gy]", "D2cc[Gy]", "V95%[%]"}
    with out_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["structure"] == "Tumor Bed"
    assert len(rows) == 1000


def test_dvh_compares_with_the_stored_dvh(shared_data: Path) -> None:
    files = breast(shared_data)
    result = invoke([
        "dvh", "--rtstruct", files["rtss"], "--rtdose", files["dose"], "--structure", "Heart",
        "--compare-stored", "--format", "json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    comparison = json.loads(result.stdout)["structures"][0]["stored_comparison"]
    assert abs(comparison["differences_percent"]["Dmean[Gy]"]) < 1.0
    assert abs(comparison["differences_percent"]["D2cc[Gy]"]) < 1.0


def test_dvh_in_eqd2(shared_data: Path) -> None:
    files = breast(shared_data)
    base = ["dvh", "--rtstruct", files["rtss"], "--rtdose", files["dose"], "--structure",
            "Tumor Bed", "--format", "json"]  # fmt: skip
    physical = json.loads(invoke(base).stdout)["structures"][0]
    result = invoke([*base, "--eqd2-alpha-beta-gy", "3", "--fractions", "7"])
    assert result.exit_code == 0, result.stderr
    row = json.loads(result.stdout)["structures"][0]
    assert row["dose_quantity"] == "EQD2 (alpha/beta 3 Gy, 7 fx)"
    d = physical["dmax_gy"] / 7  # EQD2 = D (d + a/b) / (2 + a/b)
    assert abs(row["dmax_gy"] - physical["dmax_gy"] * (d + 3) / 5) < 1e-6
    missing = invoke([*base, "--eqd2-alpha-beta-gy", "3"])
    assert missing.exit_code == 2
    assert "EQD2 needs the number of fractions" in missing.stderr


def test_unknown_metric_is_exit_2_with_the_forms(shared_data: Path) -> None:
    files = breast(shared_data)
    result = invoke(["dvh", "--rtstruct", files["rtss"], "--rtdose", files["dose"],
                     "--metric", "D95"])  # fmt: skip
    assert result.exit_code == 2
    assert "use one of the forms D95%[Gy]" in result.stderr


def test_relative_metric_without_prescription_is_exit_2(shared_data: Path) -> None:
    files = breast(shared_data)
    result = invoke(["dvh", "--rtstruct", files["rtss"], "--rtdose", files["dose"],
                     "--metric", "V95%[%]"])  # fmt: skip
    assert result.exit_code == 2
    assert "--prescription-gy" in result.stderr


def test_different_frames_of_reference_are_refused(shared_data: Path) -> None:
    nelms = shared_data / "nelms_dvh_benchmark/STRUCTURES/Sphere_10_0.dcm"
    result = invoke(["dvh", "--rtstruct", str(nelms), "--rtdose", breast(shared_data)["dose"]])
    assert result.exit_code == 2
    assert "share one Frame of Reference" in result.stderr


@pytest.mark.slow
def test_evaluate_writes_the_report(shared_data: Path, tmp_path: Path) -> None:
    files = breast(shared_data)
    out = tmp_path / "eval"
    result = invoke([
        "evaluate", "--rtstruct", files["rtss"], "--rtdose", files["dose"], "--rtplan",
        files["plan"], "--technique", "3dcrt", "--child-pugh", "A", "--out", str(out),
        "--format", "json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["protocol"] == "hcc_hypofractionated_5x10"  # 7 fractions
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["verdict"] == "fail"  # a breast plan has no liver to evaluate
    assert evaluation["plan"]["fractions"] == 7
    assert evaluation["plan"]["prescription_gy"] == 14.0
    stored = {c["structure"]: c for c in evaluation["stored_dvh_comparison"]}
    assert abs(stored["Tumor Bed"]["differences_percent"]["Dmean[Gy]"]) < 1.0
    assert "stored DVHs" in (out / "report.html").read_text()
    digest = evaluation["protocol"]["sha256"]  # issue 15 item 1: identity is the content hash
    assert evaluation["protocol"]["origin"] == "packaged"
    assert digest in (out / "report.html").read_text()
    assert (out / "report.html").is_file()
    assert (out / "report.pdf").is_file()


def test_evaluate_without_inputs_is_exit_2() -> None:
    result = invoke(["evaluate", "--out", "nowhere"])
    assert result.exit_code == 2
    assert "give a CASE_DIR or --rtstruct and --rtdose" in result.stderr


def test_dvh_between_planes_smooth_and_an_unknown_model(shared_data: Path, tmp_path: Path) -> None:
    files = breast(shared_data)
    base = ["dvh", "--rtstruct", files["rtss"], "--rtdose", files["dose"], "--structure",
            "Tumor Bed", "--format", "json"]  # fmt: skip
    slab = json.loads(invoke(base).stdout)["structures"][0]
    result = invoke([*base, "--between-planes", "smooth"])
    assert result.exit_code == 0, result.stderr
    smooth = json.loads(result.stdout)["structures"][0]
    # another model of the tissue between the planes: a different, close volume
    assert smooth["volume_cc"] != slab["volume_cc"]
    assert abs(smooth["volume_cc"] / slab["volume_cc"] - 1) < 0.03
    wrong = invoke([*base, "--between-planes", "round"])
    assert wrong.exit_code == 2
    assert "--between-planes=round: must be one of slab, smooth" in wrong.stderr
    out = tmp_path / "report"
    refused = invoke(["evaluate", "--rtstruct", files["rtss"], "--rtdose", files["dose"],
                      "--fractions", "7", "--between-planes", "round",
                      "--out", str(out)])  # fmt: skip
    assert refused.exit_code == 2
    assert "--between-planes=round: must be one of slab, smooth" in refused.stderr
    assert not out.exists()


def test_evaluate_with_a_protocol_file_names_the_file(shared_data: Path, tmp_path: Path) -> None:
    from importlib import resources

    files = breast(shared_data)
    text = resources.files("hccrt.evaluation").joinpath("protocols/hcc_sbrt_5fx.json").read_text()
    planted = json.loads(text)
    planted["constraints"] = planted["constraints"][:1]
    path = tmp_path / "planted.json"
    path.write_text(json.dumps(planted))
    out = tmp_path / "eval"
    result = invoke(["evaluate", "--rtstruct", files["rtss"], "--rtdose", files["dose"],
                     "--rtplan", files["plan"], "--protocol", str(path), "--out", str(out),
                     "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["protocol"] == f"file {path.resolve()}"
    stored = json.loads((out / "evaluation.json").read_text())["protocol"]
    assert stored["claimed_id"] == "hcc_sbrt_5fx"
    assert str(path.resolve()) in (out / "report.html").read_text()


def test_dvh_keeps_reader_warnings_and_checks_stored_dose_units(
    shared_data: Path, tmp_path: Path
) -> None:
    # Issue 14 item 5: `hccrt dvh` dropped the RTDOSE reader's warnings and compared stored DVHs
    # without the dose-unit check that `hccrt evaluate` makes.
    import pydicom

    files = breast(shared_data)
    dataset = pydicom.dcmread(files["dose"])
    for item in dataset.DVHSequence:
        if int(item.DVHReferencedROISequence[0].ReferencedROINumber) == 5:  # Heart
            item.DoseUnits = "RELATIVE"
    del dataset.DoseGridScaling  # the reader warns that 1.0 is assumed
    changed = tmp_path / "rtdose.dcm"
    dataset.save_as(changed)
    result = invoke(["dvh", "--rtstruct", files["rtss"], "--rtdose", str(changed),
                     "--structure", "Heart", "--compare-stored", "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert "rtdose.dcm: no DoseGridScaling; 1.0 assumed" in payload["warnings"]
    assert payload["structures"][0]["stored_comparison"] is None
