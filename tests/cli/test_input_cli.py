"""Unsafe clinical input on the command line is refused with one line and exit 2 (issue 15 #16)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer.main

from hccrt.cli._input import finite_float
from hccrt.cli.app import app
from tests.cli.test_evaluation_cli import breast
from tests.conftest import invoke


def _parameters(command: Any, path: tuple[str, ...] = ("hccrt",)) -> list[tuple[str, Any]]:
    found = [(" ".join(path), p) for p in command.params]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_parameters(sub, (*path, name)))
    return found


def test_every_float_option_of_every_command_refuses_nan() -> None:
    floats = [
        (where, param)
        for where, param in _parameters(typer.main.get_command(app))
        if "float" in str(param.type_descriptor.annotation)
    ]
    assert len(floats) >= 20
    unchecked = [
        f"{where} {param.opts[0]}"
        for where, param in floats
        if param.type_descriptor.parameter_info.parser is not finite_float
    ]
    assert unchecked == []


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_non_finite_option_is_refused(value: str) -> None:
    result = invoke(["bed", "--dose-per-fraction-gy", value, "--fractions", "5",
                     "--alpha-beta-gy", "10"])  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --dose-per-fraction-gy={value}: must be finite")


def test_child_pugh_d_is_refused(shared_data: Path, tmp_path: Path) -> None:
    # Issue 15 item 16: "--child-pugh D drops the normal-liver constraint and returns PASS".
    files = breast(shared_data)
    out = tmp_path / "eval"
    result = invoke(["evaluate", "--rtstruct", files["rtss"], "--rtdose", files["dose"],
                     "--rtplan", files["plan"], "--child-pugh", "D",
                     "--out", str(out)])  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --child-pugh=D: must be one of A, B, C; see hccrt evaluate --help\n"
    )
    assert not out.exists()


def test_bed_dose_in_cgy_gets_the_hint() -> None:
    # Issue 15 item 16: "bed --dose-per-fraction-gy 1000 gives BED 505 000 Gy".
    result = invoke(["bed", "--dose-per-fraction-gy", "1000", "--fractions", "5",
                     "--alpha-beta-gy", "10"])  # fmt: skip
    assert result.exit_code == 2
    assert "above 30 Gy" in result.stderr
    assert "did you mean cGy? 1000 cGy = 10 Gy" in result.stderr


def test_evaluate_prescription_in_cgy_gets_the_hint(shared_data: Path, tmp_path: Path) -> None:
    files = breast(shared_data)
    out = tmp_path / "eval"
    result = invoke(["evaluate", "--rtstruct", files["rtss"], "--rtdose", files["dose"],
                     "--prescription-gy", "5000", "--fractions", "5",
                     "--out", str(out)])  # fmt: skip
    assert result.exit_code == 2
    assert "prescription_gy=5000" in result.stderr
    assert "did you mean cGy? 5000 cGy = 50 Gy" in result.stderr
    assert not out.exists()


def _write_dvh(path: Path, rows: list[tuple[float, float]]) -> Path:
    path.write_text("dose_gy,volume_cc\n" + "".join(f"{d},{v}\n" for d, v in rows))
    return path


NTCP = ["ntcp", "--child-pugh", "A", "--fractions", "5", "--format", "json"]


def test_ntcp_dvh_in_cgy_gets_the_hint(tmp_path: Path) -> None:
    dvh = _write_dvh(tmp_path / "cgy.csv", [(500.0, 400.0), (1500.0, 600.0), (2500.0, 200.0)])
    result = invoke([*NTCP, "--dvh", str(dvh), "--differential"])
    assert result.exit_code == 2
    assert "dose_gy=2500.0: above 200 Gy" in result.stderr
    assert "did you mean cGy?" in result.stderr


def test_cumulative_dvh_without_the_option_is_refused(tmp_path: Path) -> None:
    # Issue 15 item 16: a cumulative DVH read as differential gave "volume 479 906 cc".
    dvh = _write_dvh(tmp_path / "cum.csv", [(0.0, 1200.0), (10.0, 900.0), (20.0, 300.0),
                                            (30.0, 0.0)])  # fmt: skip
    refused = invoke([*NTCP, "--dvh", str(dvh)])
    assert refused.exit_code == 2
    assert "looks cumulative: the volume starts at 1200 cc" in refused.stderr
    assert "pass --cumulative" in refused.stderr
    cumulative = invoke([*NTCP, "--dvh", str(dvh), "--cumulative"])
    assert cumulative.exit_code == 0, cumulative.stderr
    forced = invoke([*NTCP, "--dvh", str(dvh), "--differential"])
    assert forced.exit_code == 0, forced.stderr
    assert json.loads(forced.stdout)["ntcp"] != json.loads(cumulative.stdout)["ntcp"]


def test_differential_dvh_needs_no_option(tmp_path: Path) -> None:
    dvh = _write_dvh(tmp_path / "diff.csv", [(5.0, 400.0), (15.0, 600.0), (25.0, 200.0)])
    assert invoke([*NTCP, "--dvh", str(dvh)]).exit_code == 0


def test_dvh_csv_feeds_ntcp(shared_data: Path, tmp_path: Path) -> None:
    # Issue 15 item 16: "The CSV that hccrt dvh --csv writes is refused by hccrt ntcp."
    files = breast(shared_data)
    curves = tmp_path / "curves.csv"
    written = invoke(["dvh", "--rtstruct", files["rtss"], "--rtdose", files["dose"],
                      "--structure", "Heart", "--structure", "Lt Lung", "--csv", str(curves),
                      "--format", "json"])  # fmt: skip
    assert written.exit_code == 0, written.stderr
    mean_gy = {r["name"]: r["dmean_gy"] for r in json.loads(written.stdout)["structures"]}
    several = invoke([*NTCP, "--dvh", str(curves), "--cumulative"])
    assert several.exit_code == 2
    assert "holds the DVHs of 2 structures (Heart, Lt Lung); choose one with --structure" in (
        several.stderr
    )
    result = invoke([*NTCP, "--dvh", str(curves), "--structure", "Heart"])
    assert result.exit_code == 2, "the curve is cumulative: it must not be read as differential"
    result = invoke([*NTCP, "--dvh", str(curves), "--structure", "Heart", "--cumulative"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["mean_dose_gy"] == pytest.approx(mean_gy["Heart"], rel=0.01)


def test_typer_parse_errors_are_one_line() -> None:
    cases = {
        ("bed", "--dose-per-fraction-gy", "2", "--fractions", "five", "--alpha-beta-gy", "10"):
            "error: --fractions=five: Input should be a valid integer",
        ("bed", "--fractions", "5", "--alpha-beta-gy", "10"):
            "error: --dose-per-fraction-gy: missing required option; see hccrt bed --help",
        ("run",): "error: CASE_DIR: missing required argument; see hccrt run --help",
        ("bed", "--dose-pre-fraction-gy", "2"):
            "error: --dose-pre-fraction-gy: no such option; did you mean --dose-per-fraction-gy?",
    }  # fmt: skip
    for args, start in cases.items():
        result = invoke(list(args))
        assert result.exit_code == 2, args
        assert result.stderr.startswith(start), result.stderr
        assert result.stderr.count("\n") == 1


def test_unwritable_out_is_a_user_error(shared_data: Path, tmp_path: Path) -> None:
    # Issue 15 item 16: an unwritable --out came out as "internal error ... a bug in hccrt".
    files = breast(shared_data)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = invoke(["evaluate", "--rtstruct", files["rtss"], "--rtdose", files["dose"],
                     "--rtplan", files["plan"], "--out", str(blocker / "eval")])  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert "internal error" not in result.stderr
    assert result.stderr.startswith(f"error: {blocker}")


def test_docstring_examples() -> None:
    import doctest

    import hccrt.cli._input

    result = doctest.testmod(hccrt.cli._input)
    assert result.attempted > 0
    assert result.failed == 0
