"""CLI contract of ``hccrt bed``, ``hccrt fractionation compare`` and ``hccrt ntcp``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke


def run_json(args: list[str]) -> object:
    result = invoke([*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_bed_json_contract() -> None:
    payload = run_json(
        ["bed", "--dose-per-fraction-gy", "20", "--fractions", "3", "--alpha-beta-gy", "10"]
    )
    assert isinstance(payload, dict)
    assert {"bed_gy", "eqd2_gy", "model", "parameters", "warnings"} <= payload.keys()
    assert payload["bed_gy"] == pytest.approx(180.0)
    assert payload["eqd2_gy"] == pytest.approx(150.0)
    assert payload["model"] == "lq"
    assert payload["warnings"][0]["code"] == "lq_high_dose_per_fraction"


def test_bed_lql_usc_and_time_options() -> None:
    base = ["bed", "--dose-per-fraction-gy", "20", "--fractions", "3", "--alpha-beta-gy", "10"]
    lql = run_json([*base, "--model", "lq-l", "--transition-dose-gy", "6"])
    assert isinstance(lql, dict)
    assert lql["bed_gy"] == pytest.approx(121.2)
    assert lql["parameters"]["transition_dose_gy"] == 6.0
    usc = run_json([*base, "--model", "usc", "--d0-gy", "1.25", "--dq-gy", "1.8"])
    assert isinstance(usc, dict)
    assert usc["model"] == "usc"
    assert usc["bed_gy"] < 180.0
    assert usc["warnings"] == []
    timed = run_json(
        [
            "bed",
            "--dose-per-fraction-gy",
            "2",
            "--fractions",
            "25",
            "--alpha-beta-gy",
            "15",
            "--treatment-days",
            "33",
            "--tk-days",
            "21",
            "--dprolif-gy-per-day",
            "0.5",
        ]
    )
    assert isinstance(timed, dict)
    assert timed["bed_gy"] == pytest.approx(50 * (1 + 2 / 15) - 0.5 * 12)
    assert timed["parameters"]["tk_days"] == 21.0


def test_bed_incomplete_repair_options() -> None:
    payload = run_json(
        [
            "bed",
            "--dose-per-fraction-gy",
            "15",
            "--fractions",
            "3",
            "--alpha-beta-gy",
            "10",
            "--repair-half-time-h",
            "0.5",
            "--fraction-duration-min",
            "45",
        ]
    )
    assert isinstance(payload, dict)
    assert payload["parameters"]["fraction_duration_h"] == pytest.approx(0.75)
    assert payload["bed_gy"] < 112.5


def test_bed_text_output_names_model_and_warning() -> None:
    result = invoke(
        ["bed", "--dose-per-fraction-gy", "15", "--fractions", "3", "--alpha-beta-gy", "10"]
    )
    assert result.exit_code == 0
    assert "BED  112.50 Gy" in result.stdout
    assert "model lq" in result.stdout
    assert "warning: plain LQ used at 15 Gy per fraction" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--dose-per-fraction-gy", "-2", "--fractions", "5", "--alpha-beta-gy", "10"],
            "--dose-per-fraction-gy=-2.0: must be > 0 Gy",
        ),
        (
            ["--dose-per-fraction-gy", "2", "--fractions", "0", "--alpha-beta-gy", "10"],
            "fractions=0: must be a whole number >= 1",
        ),
        (
            ["--dose-per-fraction-gy", "2", "--fractions", "5", "--alpha-beta-gy", "0"],
            "alpha_beta_gy=0.0: must be > 0",
        ),
        (
            [
                "--dose-per-fraction-gy",
                "2",
                "--fractions",
                "5",
                "--alpha-beta-gy",
                "3",
                "--tk-days",
                "21",
            ],
            "--tk-days/--dprolif-gy-per-day",
        ),
    ],
)
def test_bed_bad_input_exits_2(args: list[str], message: str) -> None:
    result = invoke(["bed", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_fractionation_compare_json_list() -> None:
    payload = run_json(
        [
            "fractionation",
            "compare",
            "--scheme",
            "2Gyx25",
            "--scheme",
            "5Gyx10",
            "--scheme",
            "20Gyx3",
            "--alpha-beta-gy",
            "10",
            "--alpha-beta-gy",
            "2.5",
        ]
    )
    assert isinstance(payload, list)
    assert [row["scheme"] for row in payload] == ["2Gyx25", "5Gyx10", "20Gyx3"]
    five_by_ten = payload[1]
    assert five_by_ten["total_dose_gy"] == 50.0
    by_ab = {entry["alpha_beta_gy"]: entry for entry in five_by_ten["by_alpha_beta"]}
    assert by_ab[10.0]["eqd2_gy"] == pytest.approx(62.5)
    assert by_ab[2.5]["bed_gy"] == pytest.approx(150.0)
    assert payload[2]["by_alpha_beta"][0]["warnings"][0]["code"] == "lq_high_dose_per_fraction"


def test_fractionation_compare_text_table() -> None:
    result = invoke(
        [
            "fractionation",
            "compare",
            "--scheme",
            "5Gyx10",
            "--scheme",
            "20Gyx3",
            "--alpha-beta-gy",
            "10",
            "--model",
            "lq-l",
        ]
    )
    assert result.exit_code == 0
    assert "BED10" in result.stdout
    assert "model: lq-l" in result.stdout
    assert "121.2" in result.stdout
    # one warning line for the UNCONFIRMED dT default, naming both schemes
    assert "warning (5Gyx10, 20Gyx3): LQ-L transition dose dT = 6.0 Gy" in result.stdout


@pytest.mark.parametrize("bad", ["2*25", "abc"])
def test_fractionation_compare_bad_scheme(bad: str) -> None:
    result = invoke(["fractionation", "compare", "--scheme", bad, "--alpha-beta-gy", "10"])
    assert result.exit_code == 2
    assert f"--scheme={bad}" in result.stderr
    assert "expected DOSEGyxFRACTIONS or TOTAL/FRACTIONS" in result.stderr


def test_fractionation_compare_requires_alpha_beta() -> None:
    result = invoke(["fractionation", "compare", "--scheme", "5Gyx10"])
    assert result.exit_code == 2
    assert "--alpha-beta-gy: at least one α/β is required" in result.stderr


@pytest.fixture
def cumulative_csv(tmp_path: Path) -> Path:
    path = tmp_path / "liver_dvh.csv"
    path.write_text("dose_gy,volume_cc\n0,1200\n10,800\n20,500\n30,100\n40,0\n", encoding="utf-8")
    return path


def test_ntcp_json_contract(cumulative_csv: Path) -> None:
    payload = run_json(
        [
            "ntcp",
            "--dvh",
            str(cumulative_csv),
            "--cumulative",
            "--parameter-set",
            "tai2009_child_pugh_a",
            "--fractions",
            "5",
        ]
    )
    assert isinstance(payload, dict)
    assert {"ntcp", "geud_gy", "mean_dose_gy", "eqd2_mean_dose_gy", "parameter_set"} <= set(payload)
    assert payload["parameter_set"]["name"] == "tai2009_child_pugh_a"
    assert payload["parameter_set"]["status"] == "UNCONFIRMED"
    assert payload["mean_dose_gy"] == pytest.approx(16.6667, abs=1e-3)
    assert 0.0 < payload["ntcp"] < 1.0


def test_ntcp_child_pugh_default_and_logit(cumulative_csv: Path) -> None:
    by_class = run_json(
        [
            "ntcp",
            "--dvh",
            str(cumulative_csv),
            "--cumulative",
            "--child-pugh",
            "B",
            "--fractions",
            "5",
        ]
    )
    assert isinstance(by_class, dict)
    assert by_class["parameter_set"]["name"] == "tai2009_child_pugh_b"
    logit = run_json(
        [
            "ntcp",
            "--dvh",
            str(cumulative_csv),
            "--cumulative",
            "--child-pugh",
            "B",
            "--fractions",
            "5",
            "--logit",
        ]
    )
    assert isinstance(logit, dict)
    assert logit["model"] == "logit"


def test_ntcp_list_parameter_sets_with_sources() -> None:
    listing = run_json(["ntcp", "--list-parameter-sets"])
    assert isinstance(listing, list)
    names = {item["name"] for item in listing}
    assert {"dawson2002_primary", "tai2009_child_pugh_b", "xu2006_child_pugh_a"} <= names
    assert all(item["source"] and item["status"] for item in listing)
    text = invoke(["ntcp", "--list-parameter-sets"])
    assert "xu2006_child_pugh_a" in text.stdout
    assert "UNCONFIRMED" in text.stdout


def test_ntcp_bad_inputs(tmp_path: Path, cumulative_csv: Path) -> None:
    nan_csv = tmp_path / "nan.csv"
    nan_csv.write_text("dose_gy,volume_cc\n5,100\nnan,50\n", encoding="utf-8")
    rising = tmp_path / "rising.csv"
    rising.write_text("dose_gy,volume_cc\n0,100\n10,120\n", encoding="utf-8")
    no_header = tmp_path / "noheader.csv"
    no_header.write_text("5,100\n10,50\n", encoding="utf-8")
    text_cell = tmp_path / "text.csv"
    text_cell.write_text("dose_gy,volume_cc\n5,lots\n", encoding="utf-8")
    cases = [
        (
            ["--dvh", str(nan_csv), "--parameter-set", "tai2009_child_pugh_a", "--fractions", "5"],
            "dose_gy=nan: is not a finite number",
        ),
        (
            ["--dvh", str(rising), "--cumulative", "--child-pugh", "A", "--fractions", "5"],
            "cumulative volume increases with dose",
        ),
        (
            ["--dvh", str(no_header), "--child-pugh", "A", "--fractions", "5"],
            "CSV needs a header with columns dose_gy and volume_cc",
        ),
        (
            ["--dvh", str(text_cell), "--child-pugh", "A", "--fractions", "5"],
            "line 2 volume_cc=lots: is not a finite number",
        ),
        (
            ["--dvh", str(tmp_path / "missing.csv"), "--child-pugh", "A", "--fractions", "5"],
            "file not found",
        ),
        (
            ["--dvh", str(cumulative_csv), "--child-pugh", "C", "--fractions", "5"],
            "no validated RILD NTCP parameter set exists for Child-Pugh C",
        ),
        (["--dvh", str(cumulative_csv), "--fractions", "5"], "give exactly one of them"),
        (["--dvh", str(cumulative_csv), "--child-pugh", "A"], "--fractions: is required"),
        (
            ["--dvh", str(cumulative_csv), "--parameter-set", "nope", "--fractions", "5"],
            "parameter_set=nope: unknown NTCP parameter set",
        ),
    ]
    for args, message in cases:
        result = invoke(["ntcp", *args])
        assert result.exit_code == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)


def test_fractionation_compare_text_shows_parameters_and_source() -> None:
    result = invoke(
        [
            "fractionation",
            "compare",
            "--scheme",
            "5Gyx10",
            "--alpha-beta-gy",
            "10",
            "--model",
            "lq-l",
            "--transition-dose-gy",
            "7",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert "parameters (α/β 10 Gy): transition_dose_gy=7, status=USER_SUPPLIED" in result.stdout
    assert (
        "source: Astrahan M. Med Phys 2008;35:4161-4172 (LQ-L); dT user supplied" in result.stdout
    )


def test_bed_with_user_usc_parameters_names_park_2008() -> None:
    payload = run_json(
        [
            "bed",
            "--dose-per-fraction-gy",
            "2",
            "--fractions",
            "25",
            "--alpha-beta-gy",
            "10",
            "--model",
            "usc",
            "--d0-gy",
            "1.25",
            "--dq-gy",
            "0.2",
        ]
    )
    assert isinstance(payload, dict)
    assert payload["parameters"]["transition_dose_gy"] < 2.0
    assert payload["eqd2_gy"] == pytest.approx(50.0)  # 2 Gy fractions: EQD2 = physical dose
    assert "Park C" in payload["parameters"]["source"]


def test_bed_negative_fraction_duration_is_named_in_minutes() -> None:
    result = invoke(
        [
            "bed",
            "--dose-per-fraction-gy",
            "15",
            "--fractions",
            "3",
            "--alpha-beta-gy",
            "10",
            "--repair-half-time-h",
            "0.5",
            "--fraction-duration-min",
            "-5",
        ]
    )
    assert result.exit_code == 2
    assert "--fraction-duration-min=-5.0: must be >= 0" in result.stderr
