"""Isotoxic prescription (issue 13 item 5): dose levels from the seeds, the search, and its
bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hccrt.clinical.rules.fractionation import SEED_DOSE_SERIES
from hccrt.clinical.sources import RULES
from hccrt.dicom import read_ct_series, read_rtstruct
from hccrt.errors import InputError
from hccrt.pipeline import IsotoxicRequest, PlanRequest, plan_isotoxic
from hccrt.pipeline._isotoxic import ISOTOXIC_SOURCE, isotoxic_dose_levels
from hccrt.pipeline._plan_case_dir import hccrt_plan_context
from tests.conftest import invoke
from tests.planning.synthetic_case import write_case


def test_seed_dose_series_are_the_numbers_the_seed_rules_quote() -> None:
    for series in SEED_DOSE_SERIES:
        rule = RULES[series.rule_id]
        text = f"{rule.title} {rule.passage}"
        assert f"{series.low_gy:g}" in text
        assert f"{series.high_gy:g}" in text
        assert f"{series.max_fractions}" in text


def test_dose_levels_come_from_the_seed_series_of_the_fraction_count() -> None:
    levels, source = isotoxic_dose_levels(3)
    assert levels[:4] == (30.0, 33.0, 36.0, 39.0)  # Korea 30-39 Gy/3 in 3 Gy steps
    assert levels[-1] == 52.0  # Tianjin 39-52 Gy/3-8 reaches 52 Gy
    assert "SBRT-KOREA" in source
    assert "SBRT-TIANJIN" in source
    assert "UNCONFIRMED" in source
    assert isotoxic_dose_levels(25)[0] == (50.0, 55.0, 60.0, 62.0)
    assert isotoxic_dose_levels(8)[0][0] == 39.0
    assert isotoxic_dose_levels(10, (45.0, 40.0)) == ((40.0, 45.0), "given with --dose-levels")


def test_a_fraction_count_without_a_seed_series_needs_explicit_levels() -> None:
    with pytest.raises(InputError, match=r"--fractions=10: no seed dose series .*--dose-levels"):
        isotoxic_dose_levels(10)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dose_levels_gy": (30.0, 30.0)}, r"--dose-levels=.*lists a dose level twice"),
        ({"dose_levels_gy": (3000.0,)}, r"--dose-levels=3000.0: above 150 Gy.*cGy"),
        ({"dose_levels_gy": ()}, r"--dose-levels.*needs at least one dose level"),
        ({"ntcp_max_pct": 0.0}, r"--ntcp-max=0.0: must be a percentage in \(0, 100\)"),
        ({"ntcp_max_pct": 150.0}, r"--ntcp-max=150.0: must be a percentage"),
        ({"ntcp_parameters": "nobody2020"}, r"parameter_set=nobody2020: unknown NTCP"),
    ],
)
def test_bad_isotoxic_requests_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        IsotoxicRequest(**kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_case(tmp_path_factory.mktemp("isotoxic"))


def _request(limit_gy: float) -> PlanRequest:
    return PlanRequest(
        30.0, 3, technique="3dcrt", gantry_deg=(0.0, 120.0, 240.0), final_dose="pencil_beam",
        normal_liver_mean_gy=limit_gy,
    )  # fmt: skip


@pytest.mark.slow
def test_isotoxic_search_picks_the_highest_level_under_the_liver_limit(synthetic: Path) -> None:
    ct, structures = read_ct_series(synthetic / "CT"), read_rtstruct(synthetic / "RTSTRUCT.dcm")
    # 30 Gy/3 gives a normal-liver mean of about 16.9 Gy here, so 33 Gy (about 18.6 Gy) is the
    # highest of 30-39 Gy under 19.5 Gy and 36 Gy (about 20.2 Gy) is predicted to fail.
    result = plan_isotoxic(
        ct, structures, _request(19.5), IsotoxicRequest((30.0, 33.0, 36.0, 39.0)),
        hccrt_plan_context,
    )  # fmt: skip
    assert result.chosen_gy == 33.0
    assert result.planned.request.prescription_gy == 33.0
    assert result.planned.plans["3DCRT"].prescription_gy == 33.0
    rows = {row.dose_gy: row for row in result.levels}
    assert rows[30.0].planned
    assert rows[33.0].planned
    assert not rows[36.0].planned
    assert rows[33.0].passes
    assert rows[33.0].liver_mean_gy is not None
    assert rows[33.0].liver_mean_gy <= 19.5 * 1.01
    assert not rows[36.0].predicted_pass
    assert not rows[39.0].predicted_pass
    assert rows[36.0].predicted_liver_mean_gy == pytest.approx(
        rows[30.0].predicted_liver_mean_gy * 36.0 / 30.0
    )
    assert "predicted to fail: 36, 39 Gy" in result.reason
    assert "user override" in result.criterion
    # The synthetic liver is too small for the protocol's 700 cc rule: said, not hidden.
    assert rows[33.0].plan_passes is False
    assert rows[36.0].plan_passes is None
    assert "meets the liver criterion but not every other requirement" in result.reason
    payload = result.payload()
    assert payload["chosen_dose_gy"] == 33.0
    assert payload["source"] == ISOTOXIC_SOURCE
    assert "UNCONFIRMED" in payload["source"]
    assert "Dawson" in payload["source"]
    assert any("isotoxic prescription: 33 Gy" in w for w in result.planned.evaluation.warnings)


@pytest.mark.slow
def test_isotoxic_search_without_a_feasible_level_says_the_best_achievable(
    synthetic: Path,
) -> None:
    ct, structures = read_ct_series(synthetic / "CT"), read_rtstruct(synthetic / "RTSTRUCT.dcm")
    with pytest.raises(
        InputError,
        match=r"no feasible dose level: even the lowest, 30 Gy in 3 fractions, gives a "
        r"normal-liver mean of [\d.]+ Gy \(limit 10 Gy\)",
    ):
        plan_isotoxic(ct, structures, _request(10.0), IsotoxicRequest(), hccrt_plan_context)


@pytest.mark.slow
def test_isotoxic_ntcp_criterion_is_reported_with_its_parameters(synthetic: Path) -> None:
    ct, structures = read_ct_series(synthetic / "CT"), read_rtstruct(synthetic / "RTSTRUCT.dcm")
    result = plan_isotoxic(
        ct, structures, _request(23.0), IsotoxicRequest((30.0, 33.0), 99.0), hccrt_plan_context
    )
    assert "LKB NTCP(RILD) <= 99 %" in result.criterion
    assert "Dawson 2002" in result.criterion
    ntcp = [row.predicted_ntcp_pct for row in result.levels]
    assert all(n is not None for n in ntcp)
    assert ntcp[0] < ntcp[1]


@pytest.mark.slow
def test_cli_isotoxic_writes_the_chosen_level_and_refuses_an_infeasible_search(
    synthetic: Path, tmp_path: Path
) -> None:
    common = ["plan", str(synthetic), "--fractions", "3", "--technique", "3dcrt",
              "--final-dose", "pencil-beam", "--gantry-angles", "0,120,240"]  # fmt: skip
    out = tmp_path / "ok"
    result = invoke([*common, "--out", str(out), "--isotoxic", "--dose-levels", "30,33,36",
                     "--liver-mean-limit-gy", "19.5", "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads((out / "plan.json").read_text())
    assert payload["prescription_gy"] == 33.0
    assert payload["isotoxic"]["chosen_dose_gy"] == 33.0
    assert [row["dose_gy"] for row in payload["isotoxic"]["levels"]] == [30.0, 33.0, 36.0]
    assert any(n.startswith("isotoxic prescription: 33 Gy") for n in payload["notes"])
    refused = tmp_path / "refused"
    result = invoke([*common, "--out", str(refused), "--isotoxic", "--liver-mean-limit-gy", "10"])
    assert result.exit_code == 2
    message = [line for line in result.stderr.splitlines() if not line.startswith("[plan]")]
    assert len(message) == 1
    assert "no feasible dose level" in message[0]
    assert not refused.exists()


def test_cli_isotoxic_options_need_isotoxic_and_exclude_a_prescription(tmp_path: Path) -> None:
    base = ["plan", str(tmp_path), "--fractions", "3", "--out", str(tmp_path / "o")]
    result = invoke([*base, "--dose-levels", "30,33"])
    assert result.exit_code == 2
    assert "need --isotoxic" in result.stderr
    result = invoke([*base, "--isotoxic", "--prescription-gy", "30"])
    assert result.exit_code == 2
    assert "give either --prescription-gy or --isotoxic" in result.stderr
    result = invoke(base)
    assert result.exit_code == 2
    assert "--prescription-gy: is required" in result.stderr
